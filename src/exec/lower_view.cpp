// Lowering of the shape ops (ops.def dim, slice) to ViewSteps (src/exec/view_steps.cpp). A slice
// materialises its result in a step of its own (a strided copy); elementwise consumers then read
// it as any other C-contiguous array, so x[1:] - x[:-1] is two copies and one fused kernel.
#include <string>

#include "lowerer.h"

namespace fuseflow::exec::lowering {

void Lowerer::emit_join(const ir::Op& op, std::vector<Step>& steps) {
  auto s = std::make_shared<ViewStep>();
  s->op = op.code == OpCode::kStack ? ViewStep::kStack : ViewStep::kConcatenate;
  s->type = type_of(op.results[0]);
  s->out_slot = slot(op.results[0]);
  s->axis = op.attrs.axis;
  for (std::size_t i = 1; i < op.operands.size(); ++i) {
    const ir::Type& t = p_.type(op.operands[i]);
    s->in_slots.push_back(slot(op.operands[i]));
    std::vector<LengthSource> dims;
    for (int k = 0; k < t.rank; ++k) dims.push_back(length_source(t.dims[static_cast<std::size_t>(k)]));
    s->in_dims.push_back(std::move(dims));
  }
  Step step = make_step(Step::kView, std::string(ir::op_name(op.code)) + "(axis=" + std::to_string(op.attrs.axis) + ", " +
                                         std::to_string(s->in_slots.size()) + " arrays)");
  step.view = std::move(s);
  steps.push_back(std::move(step));
}

void Lowerer::emit_view_op(const ir::Op& op, std::vector<Step>& steps) {
  if (op.code == OpCode::kConcatenate || op.code == OpCode::kStack) {
    emit_join(op, steps);
    return;
  }
  const ValueId x = op.operands[0];
  const ValueId r = op.results[0];
  const ir::Type& t = p_.type(x);
  auto s = std::make_shared<ViewStep>();
  s->type = type_of(x);
  s->out_slot = slot(r);
  s->axis = op.attrs.axis;
  s->in_slots.push_back(slot(x));
  std::vector<LengthSource> dims;
  for (int k = 0; k < t.rank; ++k) dims.push_back(length_source(t.dims[static_cast<std::size_t>(k)]));
  s->in_dims.push_back(std::move(dims));
  if (op.code == OpCode::kSlice) {
    s->op = ViewStep::kSlice;
    s->count_slot = slot(op.operands[1]);
    s->begin_slot = slot(op.operands[2]);
    s->step_slot = slot(op.operands[3]);
  } else if (op.code == OpCode::kReshape) {
    s->op = ViewStep::kReshape;
    for (std::size_t k = 1; k < op.operands.size(); ++k) s->shape_slots.push_back(slot(op.operands[k]));
  } else {
    s->op = ViewStep::kDim;
  }
  std::string label = ir::op_name(op.code);
  if (op.code != OpCode::kReshape) label += "(axis=" + std::to_string(op.attrs.axis) + ")";
  Step step = make_step(Step::kView, label);
  step.view = std::move(s);
  steps.push_back(std::move(step));
}

}  // namespace fuseflow::exec::lowering
