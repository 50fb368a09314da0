// Lowering of the array ops along an axis (ops.def FF_AXIS rows: cumsum, cumprod, cummax, cummin,
// sort, argsort) and of transpose: each is one AxisStep that materialises its result. They are not
// elementwise (an element of the result depends on a whole line, or sits elsewhere), so no fusion
// pass puts them in a kernel; elementwise producers and consumers around them fuse as usual.
#include <string>

#include "lowerer.h"

namespace fuseflow::exec::lowering {

namespace {

AxisStep::Op axis_step_op(OpCode code) {
  switch (code) {
    case OpCode::kCumSum: return AxisStep::kCumSum;
    case OpCode::kCumProd: return AxisStep::kCumProd;
    case OpCode::kCumMax: return AxisStep::kCumMax;
    case OpCode::kCumMin: return AxisStep::kCumMin;
    case OpCode::kSort: return AxisStep::kSort;
    case OpCode::kArgSort: return AxisStep::kArgSort;
    case OpCode::kTranspose: return AxisStep::kTranspose;
    case OpCode::kTake: return AxisStep::kTake;
    case OpCode::kAxisLen: return AxisStep::kAxisLen;
    case OpCode::kDiff: return AxisStep::kDiff;
    case OpCode::kTopK: return AxisStep::kTopK;
    case OpCode::kTopKIndices: return AxisStep::kTopKIndices;
    case OpCode::kMedian: return AxisStep::kMedian;
    case OpCode::kQuantile: return AxisStep::kQuantile;
    case OpCode::kBinCount: return AxisStep::kBinCount;
    case OpCode::kHistogram: return AxisStep::kHistogram;
    case OpCode::kHistogramEdges: return AxisStep::kHistogramEdges;
    case OpCode::kHistogramBins: return AxisStep::kHistogramBins;
    default: internal(std::string("not an axis op: ") + ir::op_name(code));
  }
}

// ff.top_k traces top_k and top_k_indices of the same (x, k, axis) one after the other; the
// kernel yields both, so the pair lowers to one step. The partner must be the next or previous op
// of the block (nothing runs between them, so writing its slot early is invisible).
const ir::Op* top_k_partner(const ir::Op& op, const ir::Block* block) {
  if (block == nullptr || (op.code != OpCode::kTopK && op.code != OpCode::kTopKIndices)) return nullptr;
  const OpCode want = op.code == OpCode::kTopK ? OpCode::kTopKIndices : OpCode::kTopK;
  const ir::Op* first = block->ops.data();
  const ir::Op* last = first + block->ops.size();
  for (const ir::Op* p : {&op - 1, &op + 1}) {
    if (p < first || p >= last) continue;
    if (p->code == want && p->operands == op.operands && p->attrs.axis == op.attrs.axis) return p;
  }
  return nullptr;
}

}  // namespace

void Lowerer::emit_axis_op(const ir::Op& op, std::vector<Step>& steps) {
  const ir::Op* partner = top_k_partner(op, current_block_);
  if (partner != nullptr && partner < &op) return;  // computed by the partner's step
  const ValueId x = op.operands[0];
  const ValueId r = op.results[0];
  const ir::Type& t = p_.type(x);
  auto s = std::make_shared<AxisStep>();
  s->op = axis_step_op(op.code);
  s->in_type = type_of(x);
  s->out_type = type_of(r);
  s->in_slot = slot(x);
  s->out_slot = slot(r);
  s->axis = op.attrs.axis;
  for (int k = 0; k < t.rank; ++k) s->dims.push_back(length_source(t.dims[static_cast<std::size_t>(k)]));
  if (op.code == OpCode::kTake) {
    const ValueId idx = op.operands[1];
    const ir::Type& it = p_.type(idx);
    s->idx_slot = slot(idx);
    s->idx_type = type_of(idx);
    s->idx_scalar = it.is_scalar();
    if (it.is_array()) s->idx_length = length_source(it.length);
    s->out_scalar = p_.type(r).is_scalar();
  }
  if (s->op >= AxisStep::kAxisLen) {
    // The array statistics: every further operand (count, q, weights, range, edges) by slot.
    for (std::size_t i = 1; i < op.operands.size(); ++i) {
      const ir::Type& et = p_.type(op.operands[i]);
      s->extra_slots.push_back(slot(op.operands[i]));
      s->extra_types.push_back(type_of(op.operands[i]));
      s->extra_is_array.push_back(et.is_array() ? 1 : 0);
      s->extra_lengths.push_back(et.is_array() ? length_source(et.length) : LengthSource{});
    }
    s->out_scalar = p_.type(r).is_scalar();
    s->flag = (op.attrs.value.i & 1) != 0;
    s->all_axes = (op.attrs.value.i & 2) != 0;
    if (partner != nullptr) s->out2_slot = slot(partner->results[0]);
  }
  std::string label = ir::op_name(op.code);
  if (op.code == OpCode::kTranspose) {
    label += "(perm=";
    for (int k = 0; k < t.rank; ++k) {
      s->perm.push_back(op.attrs.perm[static_cast<std::size_t>(k)]);
      label += std::to_string(op.attrs.perm[static_cast<std::size_t>(k)]);
    }
    label += ")";
  } else {
    label += "(axis=" + std::to_string(op.attrs.axis) + ")";
  }
  if (partner != nullptr) label = "top_k+indices(axis=" + std::to_string(op.attrs.axis) + ")";
  if (s->all_axes) label = std::string(ir::op_name(op.code)) + "(axis=None)";
  Step step = make_step(Step::kAxis, label);
  step.axis = std::move(s);
  steps.push_back(std::move(step));
}

}  // namespace fuseflow::exec::lowering
