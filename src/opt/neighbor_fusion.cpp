// neighbor_fusion: a neighbor_agg, the elementwise work that produces its values and the work that
// consumes its result become one `fused_agg` op.
//
// Epilogue: the consumer (a fused op, or a single elementwise op or reduction, of node length
// reading the aggregate) runs chunk by chunk right after each chunk of nodes is aggregated, while
// the aggregates are still in cache: one pass over the nodes instead of two.
//
//   %7 = neighbor_agg.sum.in %0, %6; %9 = fused { %8 = mul %7, %2; yield %8 }
//   ->  %10 = fused_agg.sum.in %0, %6 { ^(%11): yield %11 } do { ^(%7): %8 = mul %7, %2; yield %8 }
//
// The consumer moves up to the aggregation, so every value it reads must exist there: ops between
// them that do not depend on the aggregate (constants, other arrays) move above the aggregation;
// a consumer reading anything computed from the aggregate by another op is not fused.
//
// Prologue: when the aggregated values are a cheap elementwise function of ONE node array (plus
// scalars) -- neighbor_agg(g, 0.5 * x), (g, x > t), (g, abs(x)) -- the function is evaluated per
// edge inside the gather on the gathered x[u], and the array of values is never written:
//
//   %5 = fused { %4 = mul %1, %2; yield %4 }; %6 = neighbor_agg.sum.in %0, %5
//   ->  %6 = fused_agg.sum.in %0, %1 { ^(%7): %8 = mul %7, %2; yield %8 } do { ^(%9): yield %9 }
//
// Cost rule: per edge the gather reads the same one array at random (x instead of the values), and
// evaluates the function E/N times per node instead of once; that pays only for at most
// kMaxPrologueOps cheap ops (no exp/log/div/pow: those cost more per edge than the write and
// re-read of a node array they save). A producer reading two node arrays (rank * inv_degree) is
// never moved: it would double the random reads. Only sum/mean/min/max over "in" or "out", and
// never for a semiring aggregation (combine=, active=): those get an epilogue only.
// The graph's density is known only at run time: the executor runs the prologue per edge while
// E <= 1.5 N, and otherwise makes its values once per node inside the same step (exec/graph_steps.cpp).
// Results are bitwise equal: the same ops on the same values, accumulated in the same order; the
// epilogue's reductions combine blocks in the same order (the executor cuts its chunks at block
// multiples).
#include <algorithm>
#include <utility>
#include <vector>

#include "fuseflow/opt/pass_manager.h"
#include "opt/fusion.h"

namespace fuseflow::opt {

namespace {

using ir::OpCode;
using ir::ValueId;

constexpr std::size_t kMaxPrologueOps = 4;

bool cheap_per_edge(OpCode c) { return ir::op_info(c).has(ir::kCheapPerEdge); }

class NeighborFusion {
 public:
  explicit NeighborFusion(ir::Program& p) : p_(p) {}

  bool run() {
    detail::for_each_loop_block(p_.body, [this](ir::Block& b, bool) { block(b); });
    return changed_;
  }

 private:
  void block(ir::Block& b) {
    for (std::size_t i = 0; i < b.ops.size(); ++i) {
      if (b.ops[i].code != OpCode::kNeighborAgg) continue;
      // Semiring aggregations (combine=, active=) take an epilogue but no prologue: their loop
      // (exec/semiring_agg.cpp) folds combine(x[u], w[e]) itself and may push instead of pull.
      const bool semiring = b.ops[i].attrs.combine != ir::Combine::kNone;
      to_fused_agg(b, i);
      const bool prologue = !semiring && fuse_prologue(b, i);
      const bool epilogue = fuse_epilogue(b, i);
      if (!prologue && !epilogue) to_neighbor_agg(b.ops[i]);
      changed_ = changed_ || prologue || epilogue;
    }
  }

  // neighbor_agg -> fused_agg with an identity prologue and an epilogue yielding the aggregate
  // (the same value: the aggregate keeps its id as the op's result).
  void to_fused_agg(ir::Block& b, std::size_t i) {
    ir::Op& agg = b.ops[i];
    ir::Type x_type = p_.type(agg.operands[1]);
    x_type.weak = false;
    const ValueId u = detail::new_value(p_, x_type);
    const ValueId a = detail::new_value(p_, p_.type(agg.results[0]));
    agg.code = OpCode::kFusedAgg;
    agg.regions.resize(2);
    agg.regions[0].args = {u};
    agg.regions[0].yields = {u};
    agg.regions[1].args = {a};
    agg.regions[1].yields = {a};
  }

  static void to_neighbor_agg(ir::Op& op) {
    op.code = OpCode::kNeighborAgg;
    op.regions.clear();
  }

  // Whether `op` is an epilogue candidate: a fused op, an elementwise op or a reduction.
  ir::SymbolId consumer_length(const ir::Op& op) const {
    if (op.code == OpCode::kFused) return detail::fused_length(p_, op);
    if (detail::is_fusible_elementwise(p_, op)) return p_.type(op.results[0]).length;
    if (ir::is_reduction(op.code)) return detail::reduction_length(p_, op);
    return ir::kNoSymbol;
  }

  // ---- prologue
  bool fuse_prologue(ir::Block& b, std::size_t& i) {
    ir::Op& agg = b.ops[i];
    const ir::AggOp kind = agg.attrs.agg;
    if (agg.attrs.direction == ir::Direction::kBoth ||
        !(kind == ir::AggOp::kSum || kind == ir::AggOp::kMean || kind == ir::AggOp::kMin || kind == ir::AggOp::kMax)) {
      return false;
    }
    const ValueId x = agg.operands[1];
    const int j = detail::def_position(b, x, i);
    if (j < 0) return false;
    ir::Op& producer = b.ops[static_cast<std::size_t>(j)];
    // The producer's ops and the value computing x among them.
    std::vector<const ir::Op*> ops;
    ValueId y = x;
    if (producer.code == OpCode::kFused) {
      const ir::Block& body = producer.regions[0];
      auto it = std::find(producer.results.begin(), producer.results.end(), x);
      y = body.yields[static_cast<std::size_t>(it - producer.results.begin())];
      for (const ir::Op& op : body.ops) ops.push_back(&op);
    } else if (detail::is_fusible_elementwise(p_, producer)) {
      ops.push_back(&producer);
    } else {
      return false;
    }
    // The ops y depends on, back to front.
    std::vector<char> needed(p_.values.size(), 0), inside(p_.values.size(), 0);
    for (const ir::Op* op : ops) inside[static_cast<std::size_t>(op->results[0])] = 1;
    needed[static_cast<std::size_t>(y)] = 1;
    std::vector<const ir::Op*> chain;
    for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
      if (!needed[static_cast<std::size_t>((*it)->results[0])]) continue;
      chain.insert(chain.begin(), *it);
      for (ValueId v : (*it)->operands) needed[static_cast<std::size_t>(v)] = 1;
    }
    if (chain.empty() || chain.size() > kMaxPrologueOps) return false;
    const ir::SymbolId nodes = p_.type(agg.results[0]).length;
    ValueId source = ir::kNoValue;
    for (const ir::Op* op : chain) {
      if (!ir::is_elementwise(op->code) || !cheap_per_edge(op->code)) return false;
      for (ValueId v : op->operands) {
        if (inside[static_cast<std::size_t>(v)]) continue;
        const ir::Type& t = p_.type(v);
        if (!t.is_array() || p_.symbols[static_cast<std::size_t>(t.length)].kind == ir::SymbolKind::kOne) continue;
        if (t.length != nodes || (source != ir::kNoValue && source != v)) return false;  // one node array only
        source = v;
      }
    }
    if (source == ir::kNoValue) return false;
    // Aggregated in the values' own dtype (what the executor's per-edge path supports).
    const ir::Type& at = p_.type(agg.results[0]);
    if (p_.type(y).dtype != at.dtype || at.dtype == DType::kBool) return false;
    // Only when the values array then disappears: if something else reads it, it is written anyway
    // and recomputing it per edge would only add work.
    const std::vector<std::vector<int>> readers = detail::block_readers(p_, b);
    if (readers[static_cast<std::size_t>(x)].size() != 1) return false;

    // The prologue: copies of the chain with fresh values, reading the gathered source as %u.
    ir::Block& pro = agg.regions[0];
    ir::Type u_type = p_.type(source);
    u_type.weak = false;
    const ValueId u = detail::new_value(p_, u_type);
    std::vector<ValueId> rename(p_.values.size() + chain.size() + 1, ir::kNoValue);
    rename[static_cast<std::size_t>(source)] = u;
    pro.args = {u};
    pro.ops.clear();
    for (const ir::Op* op : chain) {
      ir::Op copy = *op;
      for (ValueId& v : copy.operands) {
        if (static_cast<std::size_t>(v) < rename.size() && rename[static_cast<std::size_t>(v)] != ir::kNoValue) v = rename[static_cast<std::size_t>(v)];
      }
      const ValueId r = detail::new_value(p_, p_.type(op->results[0]));
      if (rename.size() <= static_cast<std::size_t>(r)) rename.resize(static_cast<std::size_t>(r) + 1, ir::kNoValue);
      rename[static_cast<std::size_t>(op->results[0])] = r;
      copy.results = {r};
      pro.ops.push_back(std::move(copy));
    }
    pro.yields = {rename[static_cast<std::size_t>(y)]};
    agg.operands[1] = source;
    drop_result(b, static_cast<std::size_t>(j), x, i);  // nothing else reads x
    return true;
  }

  // Removes result x of b.ops[j] (nobody reads it) and the work only it needed; the op goes away
  // when nothing is left. Keeps `i` pointing at the same op.
  void drop_result(ir::Block& b, std::size_t j, ValueId x, std::size_t& i) {
    ir::Op& producer = b.ops[j];
    if (producer.code != OpCode::kFused) {
      b.ops.erase(b.ops.begin() + static_cast<std::ptrdiff_t>(j));
      --i;
      return;
    }
    ir::Block& body = producer.regions[0];
    auto it = std::find(producer.results.begin(), producer.results.end(), x);
    const std::size_t k = static_cast<std::size_t>(it - producer.results.begin());
    producer.results.erase(producer.results.begin() + static_cast<std::ptrdiff_t>(k));
    body.yields.erase(body.yields.begin() + static_cast<std::ptrdiff_t>(k));
    if (body.yields.empty()) {
      b.ops.erase(b.ops.begin() + static_cast<std::ptrdiff_t>(j));
      --i;
      return;
    }
    // Inner ops no yield needs any more (reductions stay: min/max of empty must still raise).
    std::vector<char> live(p_.values.size(), 0);
    for (ValueId v : body.yields) live[static_cast<std::size_t>(v)] = 1;
    std::vector<ir::Op> kept;
    for (auto op = body.ops.rbegin(); op != body.ops.rend(); ++op) {
      if (!live[static_cast<std::size_t>(op->results[0])] && !ir::is_reduction(op->code)) continue;
      for (ValueId v : op->operands) live[static_cast<std::size_t>(v)] = 1;
      kept.insert(kept.begin(), std::move(*op));
    }
    body.ops = std::move(kept);
  }

  // ---- epilogue
  bool fuse_epilogue(ir::Block& b, std::size_t& i) {
    const ValueId aggregate = b.ops[i].results[0];
    const ir::SymbolId nodes = detail::nodes_symbol_of(p_, b.ops[i].operands[0]);
    std::vector<char> agg_set(p_.values.size(), 0);
    agg_set[static_cast<std::size_t>(aggregate)] = 1;
    // Ops between the aggregation and a consumer that read the aggregate (or such ops' results)
    // are `dependent`: a consumer reading one cannot move up. The others move above the
    // aggregation (they never read it), so the consumer may read their results.
    std::vector<char> dependent(p_.values.size(), 0);
    std::vector<char> is_dependent_op(b.ops.size(), 0);
    std::size_t j = i + 1;
    for (; j < b.ops.size(); ++j) {
      const ir::Op& op = b.ops[j];
      const bool reads_dependent = detail::reads_any(op, dependent);
      if (consumer_length(op) == nodes && detail::reads_any(op, agg_set) && !reads_dependent) break;
      if (!reads_dependent && !detail::reads_any(op, agg_set)) continue;
      is_dependent_op[j] = 1;
      for (ValueId r : op.results) dependent[static_cast<std::size_t>(r)] = 1;
    }
    if (j >= b.ops.size()) return false;
    {
      // Independent ops between i and j go first, then the aggregation, then the dependent ones.
      std::vector<ir::Op> reordered;
      for (std::size_t k = i + 1; k < j; ++k) {
        if (!is_dependent_op[k]) reordered.push_back(std::move(b.ops[k]));
      }
      const std::size_t moved = reordered.size();
      reordered.push_back(std::move(b.ops[i]));
      for (std::size_t k = i + 1; k < j; ++k) {
        if (is_dependent_op[k]) reordered.push_back(std::move(b.ops[k]));
      }
      for (std::size_t k = 0; k < reordered.size(); ++k) b.ops[i + k] = std::move(reordered[k]);
      i += moved;
    }

    // The consumer as the epilogue body: its region (a fused op) or the single op.
    ir::Op consumer = std::move(b.ops[j]);
    b.ops.erase(b.ops.begin() + static_cast<std::ptrdiff_t>(j));
    std::vector<ir::Op> epilogue_ops;
    std::vector<ValueId> yields, old_results;
    if (consumer.code == OpCode::kFused) {
      epilogue_ops = std::move(consumer.regions[0].ops);
      yields = consumer.regions[0].yields;
      old_results = consumer.results;
    } else {
      yields = consumer.results;
      old_results = consumer.results;
      epilogue_ops.push_back(std::move(consumer));
    }
    ir::Op& f = b.ops[i];
    ir::Block& epi = f.regions[1];
    const ValueId a = epi.args[0];
    std::vector<ValueId> rename(p_.values.size(), ir::kNoValue);
    rename[static_cast<std::size_t>(aggregate)] = a;
    for (ir::Op& op : epilogue_ops) detail::rename_uses(op, rename);
    for (ValueId& y : yields) {
      if (y == aggregate) y = a;
    }
    epi.ops = std::move(epilogue_ops);
    // The aggregate stays a result of the op only when anything else reads it.
    const std::vector<std::vector<int>> readers = detail::block_readers(p_, b);
    const bool aggregate_read = readers[static_cast<std::size_t>(aggregate)].size() > 0;
    std::vector<std::pair<ValueId, ValueId>> renamed;
    f.results.clear();
    epi.yields.clear();
    for (std::size_t k = 0; k < yields.size(); ++k) {
      const ValueId r = detail::new_value(p_, p_.type(yields[k]));
      f.results.push_back(r);
      epi.yields.push_back(yields[k]);
      renamed.emplace_back(old_results[k], r);
    }
    if (aggregate_read) {
      epi.yields.push_back(a);
      const ValueId r = detail::new_value(p_, p_.type(a));
      f.results.push_back(r);
      renamed.emplace_back(aggregate, r);
    }
    detail::rename_in_block(p_, b, renamed);
    return true;
  }

  ir::Program& p_;
  bool changed_ = false;
};

}  // namespace

bool neighbor_fusion(ir::Program& program) { return NeighborFusion(program).run(); }

}  // namespace fuseflow::opt
