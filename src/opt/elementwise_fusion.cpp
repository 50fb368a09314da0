// elementwise_fusion: maximal clusters of elementwise ops over one length become one `fused` op,
// evaluated by the executor as one pass over blocks of elements with the intermediates in
// registers; only values read outside the cluster are yielded (written to arrays).
//
//   %5 = mul %0, %1; %6 = exp %5; %7 = add %6, %2; return %7
//   ->  %8 = fused { %5 = mul %0, %1; %6 = exp %5; %7 = add %6, %2; yield %7 }; return %8
//
// Walking a block in order, a cluster grows while ops are elementwise with the cluster's length
// (one open cluster per length). An op that reads the cluster but cannot join it ends it -- except a reduction over the cluster's
// length: it waits after the cluster (reduction_fusion then moves it inside), so the elementwise
// ops after it may still join. Ops that read nothing of the cluster stay where they are, ahead of
// it (the fused op is placed where the cluster ends, after all their results). An op reading a
// waiting reduction's result ends the cluster: a reduction feeding its own cluster is never fused
// (its value exists only after the whole pass). Clusters of one op stay plain ops (the executor
// runs either as one kernel). Loop bodies are fused on their own; nothing crosses a region edge.
#include <algorithm>
#include <utility>
#include <vector>

#include "fuseflow/opt/pass_manager.h"
#include "opt/fusion.h"

namespace fuseflow::opt {

namespace {

using ir::ValueId;

class ElementwiseFusion {
 public:
  explicit ElementwiseFusion(ir::Program& p) : p_(p) {}

  bool run() {
    detail::for_each_loop_block(p_.body, [this](ir::Block& b, bool) { block(b); });
    return changed_;
  }

 private:
  struct Cluster {
    ir::SymbolId length = ir::kNoSymbol;
    std::vector<ir::Op> ops;
    std::vector<int> index;          // their positions in the block
    std::vector<ir::Op> waiting;     // reductions over the cluster, emitted right after it
    std::vector<char> member;        // value -> defined by the cluster
    std::vector<char> waiting_result;  // value -> result of a waiting reduction
  };

  void block(ir::Block& b) {
    const std::vector<std::vector<int>> readers = detail::block_readers(p_, b);
    std::vector<ir::Op> out;
    std::vector<std::pair<ValueId, ValueId>> renamed;
    // One open cluster per length: arrays of different lengths never meet in one op, so clusters
    // over n0 and n1 grow side by side (interleaved code still gives one kernel per length).
    std::vector<Cluster> open;

    auto close = [&](Cluster& c) {
      if (c.ops.size() >= 2) {
        // Yield what an op outside the cluster reads (waiting reductions, later ops, the block).
        std::vector<char> yield(p_.values.size(), 0);
        for (const ir::Op& op : c.ops) {
          for (ValueId r : op.results) {
            for (int reader : readers[static_cast<std::size_t>(r)]) {
              if (std::find(c.index.begin(), c.index.end(), reader) == c.index.end()) yield[static_cast<std::size_t>(r)] = 1;
            }
          }
        }
        // A cluster nobody reads (dead code DCE has not removed) still yields its last value.
        if (std::none_of(yield.begin(), yield.end(), [](char y) { return y != 0; })) {
          yield[static_cast<std::size_t>(c.ops.back().results[0])] = 1;
        }
        out.push_back(detail::make_fused(p_, std::move(c.ops), yield, renamed));
        changed_ = true;
      } else {
        for (ir::Op& op : c.ops) out.push_back(std::move(op));
      }
      for (ir::Op& op : c.waiting) out.push_back(std::move(op));
    };

    for (std::size_t i = 0; i < b.ops.size(); ++i) {
      ir::Op& op = b.ops[i];
      const bool elementwise = detail::is_fusible_elementwise(p_, op);
      const ir::SymbolId length = elementwise ? p_.type(op.results[0]).length : ir::kNoSymbol;
      bool waiting = false;
      for (std::size_t k = 0; k < open.size();) {
        Cluster& c = open[k];
        const bool reads_waiting = detail::reads_any(op, c.waiting_result);
        if (!reads_waiting && !detail::reads_any(op, c.member)) {
          ++k;
          continue;
        }
        if (!reads_waiting && elementwise && length == c.length) {  // joins below
          ++k;
          continue;
        }
        if (!reads_waiting && !waiting && ir::is_reduction(op.code) && detail::reduction_length(p_, op) == c.length) {
          c.waiting_result[static_cast<std::size_t>(op.results[0])] = 1;
          c.waiting.push_back(std::move(op));
          waiting = true;
          ++k;
          continue;
        }
        // Read by an op that cannot join: the cluster ends here.
        close(c);
        open.erase(open.begin() + static_cast<std::ptrdiff_t>(k));
      }
      if (waiting) continue;
      if (!elementwise) {
        out.push_back(std::move(op));
        continue;
      }
      auto it = std::find_if(open.begin(), open.end(), [&](const Cluster& c) { return c.length == length; });
      if (it == open.end()) {
        Cluster c;
        c.length = length;
        c.member.assign(p_.values.size(), 0);
        c.waiting_result.assign(p_.values.size(), 0);
        open.push_back(std::move(c));
        it = open.end() - 1;
      }
      it->index.push_back(static_cast<int>(i));
      it->member[static_cast<std::size_t>(op.results[0])] = 1;
      it->ops.push_back(std::move(op));
    }
    for (Cluster& c : open) close(c);
    b.ops = std::move(out);
    detail::rename_in_block(p_, b, renamed);
  }

  ir::Program& p_;
  bool changed_ = false;
};

}  // namespace

bool elementwise_fusion(ir::Program& program) { return ElementwiseFusion(program).run(); }

}  // namespace fuseflow::opt
