// neighbor_fusion: a neighbor_agg and the elementwise work that consumes its result become one
// `fused_agg` op. Its epilogue region (the consumers: a fused op, or a single elementwise op or
// reduction, of node length reading the aggregate) runs chunk by chunk right after each chunk of
// nodes is aggregated, while the aggregates are still in cache: one pass over the nodes instead
// of two, and the aggregate itself needs no array unless something else reads it.
//
//   %7 = neighbor_agg.sum.in %0, %6; %9 = fused { %8 = mul %7, %2; yield %8 }
//   ->  %10 = fused_agg.sum.in %0, %6 { ^(%11): yield %11 } do { ^(%7): %8 = mul %7, %2; yield %8 }
//
// The consumer moves up to the aggregation, so every value it reads must exist there: ops between
// them that do not depend on the aggregate (constants, other arrays) move above the aggregation;
// a consumer reading anything computed from the aggregate by another op is not fused. The prologue region is the identity here: per-edge
// evaluation of a producer is not generated (gathering one precomputed array per edge is cheaper
// than re-evaluating the producer E/N times per node). Results are bitwise equal: the epilogue
// computes the same elementwise values, and its reductions combine blocks in the same order (the
// executor cuts its chunks at block multiples).
#include <algorithm>
#include <utility>
#include <vector>

#include "fuseflow/opt/pass_manager.h"
#include "opt/fusion.h"

namespace fuseflow::opt {

namespace {

using ir::OpCode;
using ir::ValueId;

class NeighborFusion {
 public:
  explicit NeighborFusion(ir::Program& p) : p_(p) {}

  bool run() {
    block(p_.body);
    return changed_;
  }

 private:
  void block(ir::Block& b) {
    for (ir::Op& op : b.ops) {
      if (op.code == OpCode::kLoop || op.code == OpCode::kWhile) {
        for (ir::Block& r : op.regions) block(r);
      }
    }
    for (std::size_t i = 0; i < b.ops.size(); ++i) {
      if (b.ops[i].code == OpCode::kNeighborAgg) fuse_at(b, i);
    }
  }

  // The op's length when it can be an epilogue: a fused op, an elementwise op or a reduction.
  ir::SymbolId consumer_length(const ir::Op& op) const {
    if (op.code == OpCode::kFused) return detail::fused_length(p_, op);
    if (detail::is_fusible_elementwise(p_, op)) return p_.type(op.results[0]).length;
    if (detail::is_reduction(op.code)) return detail::reduction_length(p_, op);
    return ir::kNoSymbol;
  }

  void fuse_at(ir::Block& b, std::size_t& i) {
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
    if (j >= b.ops.size()) return;
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

    // The consumer as an epilogue body: its region (a fused op) or the single op.
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
    ir::Op& agg = b.ops[i];
    ir::Op f;
    f.code = OpCode::kFusedAgg;
    f.loc = agg.loc;
    f.attrs = agg.attrs;
    f.operands = agg.operands;
    f.regions.resize(2);
    ir::Type x_type = p_.type(agg.operands[1]);
    x_type.weak = false;
    const ValueId u = detail::new_value(p_, x_type);
    f.regions[0].args = {u};
    f.regions[0].yields = {u};
    const ValueId a = detail::new_value(p_, p_.type(aggregate));
    f.regions[1].args = {a};
    std::vector<ValueId> rename(p_.values.size(), ir::kNoValue);
    rename[static_cast<std::size_t>(aggregate)] = a;
    for (ir::Op& op : epilogue_ops) detail::rename_uses(op, rename);
    for (ValueId& y : yields) {
      if (y == aggregate) y = a;
    }
    f.regions[1].ops = std::move(epilogue_ops);
    // The aggregate stays an output of the op when anything else reads it.
    const std::vector<std::vector<int>> readers = detail::block_readers(p_, b);
    const bool aggregate_read = !readers[static_cast<std::size_t>(aggregate)].empty();
    std::vector<std::pair<ValueId, ValueId>> renamed;
    for (std::size_t k = 0; k < yields.size(); ++k) {
      const ValueId r = detail::new_value(p_, p_.type(yields[k]));
      f.results.push_back(r);
      renamed.emplace_back(old_results[k], r);
    }
    f.regions[1].yields = yields;
    if (aggregate_read) {
      f.regions[1].yields.push_back(a);
      const ValueId r = detail::new_value(p_, p_.type(a));
      f.results.push_back(r);
      renamed.emplace_back(aggregate, r);
    }
    agg = std::move(f);
    detail::rename_in_block(p_, b, renamed);
    changed_ = true;
  }

  ir::Program& p_;
  bool changed_ = false;
};

}  // namespace

bool neighbor_fusion(ir::Program& program) { return NeighborFusion(program).run(); }

}  // namespace fuseflow::opt
