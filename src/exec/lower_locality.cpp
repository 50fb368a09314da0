// Lowering of the locality relabelling (plan.h LocalityStep): whether a program may run on the
// degree-ordered relabelling of its graph, and the steps that permute its node arrays in and out.
//
// Renaming the nodes is invisible to a program exactly when each of its ops commutes with the
// renaming: elementwise math, constants, full, degrees, neighbour aggregations and edge gathers
// (edges keep their user order, so edge arrays are unchanged), and reductions up to the order of
// summation. Ops that see positions (arange, argmin/argmax, N-d shapes) or any op not listed here
// (new ops are excluded until someone decides) keep the program in the caller's order.
#include <algorithm>
#include <string>
#include <vector>

#include "lowerer.h"

namespace fuseflow::exec::lowering {
namespace {

bool commutes_with_renaming(OpCode c) {
  if (ir::is_elementwise(c)) return true;
  switch (c) {
    case OpCode::kConst:
    case OpCode::kFull:
    case OpCode::kLength:
    case OpCode::kNumNodes:
    case OpCode::kNumEdges:
    case OpCode::kSum:
    case OpCode::kMean:
    case OpCode::kMin:
    case OpCode::kMax:
    case OpCode::kDot:
    case OpCode::kNorm:
    case OpCode::kOutDegree:
    case OpCode::kInDegree:
    case OpCode::kNeighborAgg:
    case OpCode::kEdgeSrc:
    case OpCode::kEdgeDst:
    case OpCode::kLoop:
    case OpCode::kWhile:
    case OpCode::kFused:
    case OpCode::kFusedAgg:
      return true;
    default:
      return false;
  }
}

// Every op (regions included) commutes with a renaming; `aggregates` counts the neighbour
// aggregations and edge gathers inside loops (the ops whose gathers the new order speeds up, run
// often enough to repay the permutations and the one-off relabelling of a large graph: a single
// aggregation, e.g. an eager ff.neighbor_agg call, stays in the caller's order).
bool block_commutes(const ir::Block& b, int depth, int& aggregates) {
  for (const ir::Op& op : b.ops) {
    if (!commutes_with_renaming(op.code)) return false;
    if (depth > 0 && (op.code == OpCode::kNeighborAgg || op.code == OpCode::kFusedAgg || op.code == OpCode::kEdgeSrc ||
                      op.code == OpCode::kEdgeDst)) {
      ++aggregates;
    }
    const bool loop = op.code == OpCode::kLoop || op.code == OpCode::kWhile;
    for (const ir::Block& r : op.regions) {
      if (!block_commutes(r, depth + (loop ? 1 : 0), aggregates)) return false;
    }
  }
  return true;
}

}  // namespace

ValueId Lowerer::locality_graph() const {
  ValueId graph = ir::kNoValue;
  for (ValueId in : p_.inputs()) {
    if (!p_.type(in).is_graph()) continue;
    if (graph != ir::kNoValue) return ir::kNoValue;  // two graphs: each would need its own order
    graph = in;
  }
  if (graph == ir::kNoValue) return ir::kNoValue;
  for (const ir::Type& t : p_.values) {
    if (t.is_array() && t.rank > 1) return ir::kNoValue;
  }
  int aggregates = 0;
  if (!block_commutes(p_.body, 0, aggregates) || aggregates == 0) return ir::kNoValue;
  return graph;
}

bool Lowerer::is_node_array(ValueId v, ValueId graph) const {
  const ir::Type& t = p_.type(v);
  if (!t.is_array()) return false;
  const ir::LengthSymbol& s = p_.symbols[static_cast<std::size_t>(t.length)];
  return s.kind == ir::SymbolKind::kGraphNodes && s.source == graph;
}

void Lowerer::emit_locality(ValueId graph, bool entering, std::vector<Step>& steps) {
  Step s = make_step(entering ? Step::kLocalityIn : Step::kLocalityOut, entering ? "locality.in" : "locality.out");
  s.locality.graph_slot = slot(graph);
  if (entering) {
    locality_user_slot_ = new_slot(SlotKind::kGraph, DType::kBool, plan_.slots[static_cast<std::size_t>(slot(graph))].name + "_user");
  }
  s.locality.user_graph_slot = locality_user_slot_;
  const std::vector<ValueId>& values = entering ? p_.inputs() : p_.outputs();
  for (ValueId v : values) {
    if (!is_node_array(v, graph)) continue;
    const int sl = slot(v);
    if (std::find(s.locality.node_slots.begin(), s.locality.node_slots.end(), sl) == s.locality.node_slots.end()) {
      s.locality.node_slots.push_back(sl);
    }
  }
  std::string names;
  for (int sl : s.locality.node_slots) names += (names.empty() ? " " : ", ") + plan_.slots[static_cast<std::size_t>(sl)].name;
  s.label += names;
  steps.push_back(std::move(s));
}

}  // namespace fuseflow::exec::lowering
