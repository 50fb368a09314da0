// Internal: the executor's array statistics steps (AxisStep kAxisLen ... kHistogramBins).
#pragma once

#include <cstdint>
#include <vector>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// Runs step `s` on an operand of shape `dims` (already evaluated), writing its result slot and
// adding the operand's element count to `elements`. Argument rules (k, q, x's values, bins,
// range) are ValueErrors naming the argument.
void run_axis_stat(const AxisStep& s, const std::vector<std::int64_t>& dims, std::vector<Value>& slots, std::int64_t& elements);

}  // namespace fuseflow::exec
