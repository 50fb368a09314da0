// Internal: the executor's array-op steps along an axis (cumsum ... argsort) and transposes.
#pragma once

#include <cstdint>
#include <vector>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// Evaluates the operand's shape, writes the whole result into step.out_slot (reusing its buffer
// when nobody else holds it) and adds the element count to `elements`.
void run_axis_step(const AxisStep& step, std::vector<Value>& slots, std::int64_t& elements);

}  // namespace fuseflow::exec
