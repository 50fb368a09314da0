// Execution of an axis reduction step (Step::kAxisReduce): see AxisReduceStep in exec/plan.h.
#pragma once

#include <cstdint>
#include <vector>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// Reads slots[s.x_slot], writes slots[s.out_slot]; adds the elements read to `elements`.
// Throws ValueError for min/max/argmin/argmax along an empty axis (NumPy's rule).
void run_axis_reduce(const AxisReduceStep& s, std::vector<Value>& slots, std::int64_t& elements);

}  // namespace fuseflow::exec
