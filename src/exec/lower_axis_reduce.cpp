// Lowering of reduce_axes (an axis reduction) to its own step: see AxisReduceStep (exec/plan.h).
#include <memory>
#include <vector>

#include "fuseflow/ir/axis_reduce.h"
#include "lowerer.h"

namespace fuseflow::exec::lowering {

// The step's kinds mirror the IR's one for one.
static_assert(static_cast<int>(AxisReduceStep::kAll) == static_cast<int>(ir::AxisReduceKind::kAll));
static_assert(static_cast<int>(AxisReduceStep::kVar) == static_cast<int>(ir::AxisReduceKind::kVar));
static_assert(static_cast<int>(AxisReduceStep::kArgMin) == static_cast<int>(ir::AxisReduceKind::kArgMin));

void Lowerer::emit_axis_reduce(const ir::Op& op, std::vector<Step>& steps) {
  const ir::AxisReduce r = ir::axis_reduce_of(op.attrs);
  const ValueId xv = op.operands[0];
  const ir::Type& x = p_.type(xv);
  const ir::Type& result = p_.type(op.results[0]);
  auto st = std::make_shared<AxisReduceStep>();
  st->kind = static_cast<AxisReduceStep::Kind>(r.kind);
  st->in_type = type_of(xv);
  st->out_type = type_of(op.results[0]);
  st->x_slot = slot(xv);
  st->out_slot = slot(op.results[0]);
  st->scalar_result = result.is_scalar();
  st->axes = r.axes;
  st->ddof = r.ddof;
  st->square = r.square;
  st->name = ir::axis_reduce_kind_name(r.kind);
  if (x.rank <= 1) {
    st->dims.push_back(length_source(x.length));
  } else {
    for (int k = 0; k < x.rank; ++k) st->dims.push_back(length_source(x.dims[static_cast<std::size_t>(k)]));
  }
  Step s = make_step(Step::kAxisReduce, "reduce_axes." + ir::axis_reduce_display(r));
  s.axis_reduce = std::move(st);
  steps.push_back(std::move(s));
}

}  // namespace fuseflow::exec::lowering
