// Lowering of graph ops: neighbour aggregation (with fused prologue/epilogue kernels), edge
// gathers and graph size/degree queries.
#include <string>
#include <unordered_map>
#include <vector>

#include "lowerer.h"

namespace fuseflow::exec::lowering {

// fused_agg: the aggregation with its epilogue kernel (run per chunk of nodes while the aggregates
// are in cache). The aggregate goes to its own slot, or into a result's (memory planning).
void Lowerer::emit_fused_agg(const ir::Op& op, std::vector<Step>& steps) {
  const ir::Block& prologue = op.regions[0];
  const bool identity = prologue.ops.empty() && prologue.yields[0] == prologue.args[0];
  const ir::Block& epilogue = op.regions[1];
  const ValueId a = epilogue.args[0];
  ir::Op agg;
  agg.code = OpCode::kNeighborAgg;
  agg.attrs = op.attrs;
  agg.operands = op.operands;
  if (!identity) agg.operands[1] = prologue.yields[0];  // aggregated in its type: no cast step
  agg.results = {a};
  emit_neighbor_agg(agg, steps);
  Step& s = steps.back();
  if (!identity) {
    // The per-edge prologue: a kernel over batches of gathered x values, with local slots
    // (0 = gathered x, 1 = the values aggregated, then the scalars it reads).
    std::unordered_map<ValueId, int> local;
    local[prologue.args[0]] = 0;
    local[prologue.yields[0]] = 1;
    std::vector<char> inside(p_.values.size(), 0);
    for (const ir::Op& inner : prologue.ops) {
      for (ValueId r : inner.results) inside[static_cast<std::size_t>(r)] = 1;
    }
    for (const ir::Op& inner : prologue.ops) {
      for (ValueId v : inner.operands) {
        if (inside[static_cast<std::size_t>(v)] || local.count(v)) continue;
        local[v] = 2 + static_cast<int>(s.agg.prologue_scalars.size());
        s.agg.prologue_scalars.push_back(slot(v));
      }
    }
    local_slots_ = &local;
    s.agg.prologue = compile_kernel(prologue.ops, p_.type(prologue.args[0]).length, {prologue.yields[0]});
    local_slots_ = nullptr;
    s.agg.x_slot = slot(op.operands[1]);
    s.agg.prologue_in_type = type_of(op.operands[1]);
    s.agg.prologue_values_slot = new_slot(SlotKind::kArray, s.agg.in_type, plan_.slots[static_cast<std::size_t>(slot(a))].name + "_values");
    s.label += " <- " + s.agg.prologue->label + " per edge";
  }
  if (epilogue.ops.empty()) return;  // the epilogue only yields the aggregate
  const ir::SymbolId nodes = p_.type(a).length;
  s.agg.epilogue = compile_kernel(epilogue.ops, nodes, epilogue.yields);
  s.label += " + " + s.agg.epilogue->label;
}

void Lowerer::emit_query(GraphQueryStep::Kind kind, const ir::Op& op, std::vector<Step>& steps) {
  Step s = make_step(Step::kGraphQuery, ir::op_name(op.code));
  s.query = {kind, slot(op.operands[0]), slot(op.results[0])};
  steps.push_back(std::move(s));
}

void Lowerer::emit_neighbor_agg(const ir::Op& op, std::vector<Step>& steps) {
  NeighborAggStep a{};
  a.graph_slot = slot(op.operands[0]);
  a.out_slot = slot(op.results[0]);
  a.out_type = type_of(op.results[0]);
  a.in_type = a.out_type;
  switch (op.attrs.agg) {
    case ir::AggOp::kSum: a.op = AggOp::kSum; break;
    case ir::AggOp::kMean: a.op = AggOp::kMean; break;
    case ir::AggOp::kMin: a.op = AggOp::kMin; break;
    case ir::AggOp::kMax: a.op = AggOp::kMax; break;
    case ir::AggOp::kCount: a.op = AggOp::kCount; break;
    case ir::AggOp::kMode: a.op = AggOp::kMode; break;
  }
  switch (op.attrs.combine) {
    case ir::Combine::kNone: a.combine = AggCombine::kNone; break;
    case ir::Combine::kMul: a.combine = AggCombine::kMul; break;
    case ir::Combine::kAdd: a.combine = AggCombine::kAdd; break;
    case ir::Combine::kFirst: a.combine = AggCombine::kFirst; break;
    case ir::Combine::kSecond: a.combine = AggCombine::kSecond; break;
  }
  switch (op.attrs.direction) {
    case ir::Direction::kIn: a.direction = AggDirection::kIn; break;
    case ir::Direction::kOut: a.direction = AggDirection::kOut; break;
    case ir::Direction::kBoth: a.direction = AggDirection::kBoth; break;
  }
  // The aggregation runs in the result type: convert x and weights first when they differ.
  a.x_slot = -1;
  if (a.op != AggOp::kCount) {
    a.x_slot = slot(op.operands[1]);
    const DType x_type = type_of(op.operands[1]);
    if (x_type != a.out_type) a.x_slot = emit_cast_step(a.x_slot, x_type, a.out_type, steps);
  }
  // Operands (g, x[, w][, active]): the source mask is last (attrs.active).
  const std::size_t nvalues = op.operands.size() - (op.attrs.active ? 1 : 0);
  if (op.attrs.active) a.active_slot = slot(op.operands.back());
  if (nvalues > 2) {
    // Weights stay float64 (an IR rule): casting them to an integer label type for `mode`
    // would truncate fractional weights.
    a.weights_slot = slot(op.operands[2]);
  }
  std::string label = std::string("neighbor_agg.") + ir::agg_op_name(op.attrs.agg) + "." + ir::direction_name(op.attrs.direction);
  if (op.attrs.combine != ir::Combine::kNone) label += std::string(".") + ir::combine_name(op.attrs.combine);
  if (op.attrs.active) label += ".active";
  Step s = make_step(Step::kNeighborAgg, label);
  s.agg = a;
  steps.push_back(std::move(s));
  fuse_edge_values(op, steps);
}

void Lowerer::emit_edge_gather(const ir::Op& op, std::vector<Step>& steps) {
  Step s = make_step(Step::kEdgeGather, ir::op_name(op.code));
  s.gather = {op.code == OpCode::kEdgeSrc, type_of(op.results[0]), slot(op.operands[0]), slot(op.operands[1]), slot(op.results[0])};
  steps.push_back(std::move(s));
}
}  // namespace fuseflow::exec::lowering
