#include <algorithm>
#include <string>
#include <vector>

#include "fuseflow/exec/lower.h"
#include "fuseflow/ir/text.h"
#include "lowerer.h"

namespace fuseflow::exec {

DType elem_type_of(DType t) {
  switch (t) {
    case DType::kBool: return DType::kBool;
    case DType::kInt32: return DType::kInt32;
    case DType::kInt64: return DType::kInt64;
    case DType::kFloat32: return DType::kFloat32;
    case DType::kFloat64: return DType::kFloat64;
  }
  return DType::kFloat64;
}

namespace lowering {

namespace {

// Readers of each value. A fused op counts as one reader of everything its regions read (it runs
// as one step); loop bodies list their own ops. Loop-body yields and program outputs escape.
void collect_uses(const ir::Block& block, std::vector<std::vector<const ir::Op*>>& users, std::vector<char>& escapes) {
  for (const ir::Op& op : block.ops) {
    if (is_fused(op)) {
      std::vector<ValueId> reads;
      ir::collect_reads(op, reads);
      for (ValueId v : reads) users[static_cast<std::size_t>(v)].push_back(&op);
      continue;
    }
    for (ValueId v : op.operands) users[static_cast<std::size_t>(v)].push_back(&op);
    for (const ir::Block& r : op.regions) collect_uses(r, users, escapes);
  }
  for (ValueId v : block.yields) escapes[static_cast<std::size_t>(v)] = 1;
}

}  // namespace

Lowerer::Lowerer(const ir::Program& p) : p_(p) {
  const std::size_t n = p.values.size();
  users_.resize(n);
  escapes_.assign(n, 0);
  collect_uses(p.body, users_, escapes_);
  plan_.slots.resize(n);
  const std::vector<int> printed = ir::printed_numbers(p);  // name slots as f.ir() prints values
  for (std::size_t v = 0; v < n; ++v) {
    const ir::Type& t = p.values[v];
    SlotInfo& s = plan_.slots[v];
    s.kind = t.is_graph() ? SlotKind::kGraph : t.is_array() ? SlotKind::kArray : SlotKind::kScalar;
    s.type = elem_type_of(t.dtype);
    s.name = printed[v] >= 0 ? "%" + std::to_string(printed[v]) : "%?" + std::to_string(v);
  }
  // kInput symbols carry no source value: their length is that of the first input using them.
  // An N-d input gives each of its axes' symbols (axis k of that input).
  symbol_input_.assign(p.symbols.size(), ir::kNoValue);
  symbol_axis_.assign(p.symbols.size(), -1);
  for (ValueId in : p.inputs()) {
    const ir::Type& t = p.type(in);
    if (!t.is_array()) continue;
    if (t.rank <= 1) {
      if (symbol_input_[static_cast<std::size_t>(t.length)] == ir::kNoValue) {
        symbol_input_[static_cast<std::size_t>(t.length)] = in;
      }
      continue;
    }
    for (int k = 0; k < t.rank; ++k) {
      const auto s = static_cast<std::size_t>(t.dims[static_cast<std::size_t>(k)]);
      if (symbol_input_[s] == ir::kNoValue) {
        symbol_input_[s] = in;
        symbol_axis_[s] = k;
      }
    }
  }
  slot_.resize(n);
  for (std::size_t v = 0; v < n; ++v) slot_[v] = static_cast<int>(v);
  assign_slots(p.body);
}

Plan Lowerer::run() {
  for (ValueId in : p_.inputs()) {
    plan_.input_slots.push_back(slot(in));
    plan_.input_ranks.push_back(p_.type(in).is_array() ? std::max<int>(1, p_.type(in).rank) : 0);
  }
  for (ValueId out : p_.outputs()) {
    plan_.output_slots.push_back(slot(out));
    const ir::Type& t = p_.type(out);
    std::vector<LengthSource> dims;
    if (t.is_array() && t.rank > 1) {
      for (int k = 0; k < t.rank; ++k) dims.push_back(length_source(t.dims[static_cast<std::size_t>(k)]));
    }
    plan_.output_dims.push_back(std::move(dims));
  }
  for (std::size_t i = 0; i < p_.inputs().size(); ++i) {
    const ir::Type& t = p_.type(p_.inputs()[i]);
    if (!t.is_array()) continue;
    if (t.rank > 1) {
      for (int k = 0; k < t.rank; ++k) {
        LengthSource expected = length_source(t.dims[static_cast<std::size_t>(k)]);
        if (expected.kind == LengthSource::kArrayDim && expected.slot == slot(p_.inputs()[i]) && expected.axis == k) continue;
        plan_.input_checks.push_back({static_cast<int>(i), expected, k});
      }
      continue;
    }
    LengthSource expected = length_source(t.length);
    // The input that defines its own symbol needs no check.
    if (expected.kind == LengthSource::kArrayLength && expected.slot == slot(p_.inputs()[i])) continue;
    plan_.input_checks.push_back({static_cast<int>(i), expected});
  }
  const ValueId locality = locality_graph();
  if (locality != ir::kNoValue) emit_locality(locality, /*entering=*/true, plan_.steps);
  lower_block(p_.body, plan_.steps);
  if (locality != ir::kNoValue) emit_locality(locality, /*entering=*/false, plan_.steps);
  group_row_blocks(plan_.steps);
  mark_frontier_loops(plan_.steps);
  plan_.num_profile_ids = next_profile_id_;
  return std::move(plan_);
}

// Values sharing a buffer share a slot: memory planning's storage (v@u), a fused op's yields
// (written straight into the op's result slots) and a fused_agg's aggregate stored in a result.
// Program order guarantees the target's slot is final before v's is set.
void Lowerer::assign_slots(const ir::Block& b) {
  for (const ir::Op& op : b.ops) {
    for (ValueId r : op.results) {
      const ValueId u = p_.storage_of(r);
      if (u != ir::kNoValue) slot_[static_cast<std::size_t>(r)] = slot(u);
    }
    if (is_fused(op)) {
      const ir::Block& body = op.regions.back();
      if (op.code == OpCode::kFusedAgg) {
        const ValueId a = body.args[0];
        const ValueId u = p_.storage_of(a);
        if (u != ir::kNoValue) slot_[static_cast<std::size_t>(a)] = slot(u);
      }
      for (std::size_t k = 0; k < body.yields.size(); ++k) {
        slot_[static_cast<std::size_t>(body.yields[k])] = slot(op.results[k]);
      }
      continue;
    }
    for (const ir::Block& r : op.regions) assign_slots(r);
  }
}

void Lowerer::lower_block(const ir::Block& block, std::vector<Step>& steps) {
  const ir::Block* enclosing = current_block_;
  current_block_ = &block;
  for (const ir::Op& op : block.ops) lower_op(op, steps);
  current_block_ = enclosing;
}

void Lowerer::lower_op(const ir::Op& op, std::vector<Step>& steps) {
  switch (op.code) {
    case OpCode::kConst: {
      const ValueId r = op.results[0];
      plan_.constants.push_back({slot(r), type_of(r), op.attrs.value.f, op.attrs.value.i});
      return;
    }
    case OpCode::kFused: {
      emit_kernel(op.regions[0].ops, ir::kNoSymbol, op.regions[0].yields, steps);
      return;
    }
    case OpCode::kFusedAgg: emit_fused_agg(op, steps); return;
    case OpCode::kLength: emit_query(GraphQueryStep::kArrayLength, op, steps); return;
    case OpCode::kNumNodes: emit_query(GraphQueryStep::kNumNodes, op, steps); return;
    case OpCode::kNumEdges: emit_query(GraphQueryStep::kNumEdges, op, steps); return;
    case OpCode::kOutDegree: emit_query(GraphQueryStep::kOutDegree, op, steps); return;
    case OpCode::kInDegree: emit_query(GraphQueryStep::kInDegree, op, steps); return;
    case OpCode::kNeighborAgg: emit_neighbor_agg(op, steps); return;
    case OpCode::kEdgeSrc:
    case OpCode::kEdgeDst: emit_edge_gather(op, steps); return;
    case OpCode::kLoop:
    case OpCode::kWhile: emit_loop(op, steps); return;
    case OpCode::kReduceAxes: emit_axis_reduce(op, steps); return;
    case OpCode::kDim:
    case OpCode::kSlice:
    case OpCode::kReshape:
    case OpCode::kConcatenate:
    case OpCode::kStack: emit_view_op(op, steps); return;
    default: break;
  }
  if (ir::is_axis_op(op.code)) {
    emit_axis_op(op, steps);
    return;
  }
  if (is_kernel_op(op.code) || ir::is_reduction(op.code)) {
    // An op no fusion pass claimed: a kernel of its own (its array result written in full).
    emit_kernel({op}, ir::kNoSymbol, op.results, steps);
    return;
  }
  internal(std::string("unsupported op ") + ir::op_name(op.code));
}

Step Lowerer::make_step(Step::Kind kind, std::string label) {
  Step s;
  s.kind = kind;
  s.label = std::move(label);
  s.profile_id = next_profile_id_++;
  return s;
}

int Lowerer::new_slot(SlotKind kind, DType type, const std::string& name) {
  plan_.slots.push_back({kind, type, name});
  return static_cast<int>(plan_.slots.size()) - 1;
}

LengthSource Lowerer::length_source(ir::SymbolId symbol) const {
  const ir::LengthSymbol& s = p_.symbols.at(static_cast<std::size_t>(symbol));
  LengthSource out;
  out.slot = s.source == ir::kNoValue ? -1 : slot(s.source);
  switch (s.kind) {
    case ir::SymbolKind::kOne: out.kind = LengthSource::kOne; break;
    case ir::SymbolKind::kGraphNodes: out.kind = LengthSource::kGraphNodes; break;
    case ir::SymbolKind::kGraphEdges: out.kind = LengthSource::kGraphEdges; break;
    case ir::SymbolKind::kInput:
      out.kind = LengthSource::kArrayLength;
      if (symbol_input_[static_cast<std::size_t>(symbol)] == ir::kNoValue) internal("length symbol " + p_.symbol_name(symbol) + " has no input");
      out.slot = slot(symbol_input_[static_cast<std::size_t>(symbol)]);
      if (symbol_axis_[static_cast<std::size_t>(symbol)] >= 0) {
        out.kind = LengthSource::kArrayDim;
        out.axis = symbol_axis_[static_cast<std::size_t>(symbol)];
      }
      break;
    case ir::SymbolKind::kRuntime: out.kind = LengthSource::kScalarValue; break;
    case ir::SymbolKind::kProduct:
      out.kind = LengthSource::kProduct;
      out.slot = -1;
      for (int i = 0; i < s.ordinal; ++i) out.factors.push_back(length_source(s.factors[static_cast<std::size_t>(i)]));
      break;
  }
  return out;
}

}  // namespace lowering

Plan lower_program(const ir::Program& program) { return lowering::Lowerer(program).run(); }

}  // namespace fuseflow::exec
