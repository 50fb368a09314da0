// Execution of an axis reduction step (Step::kAxisReduce): see AxisReduceStep in exec/plan.h.
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// Reads slots[s.x_slot], writes slots[s.out_slot]; adds the elements read to `elements`.
// Throws ValueError for min/max/argmin/argmax along an empty axis (NumPy's rule).
void run_axis_reduce(const AxisReduceStep& s, std::vector<Value>& slots, std::int64_t& elements);

// Sum of (x[i] - mean)^2 over a contiguous run, in float64 with a fixed 16-partial layout (SIMD,
// same bits on every target): var/std's second pass (src/exec/axis_reduce_moments.cpp).
double squared_deviations(const float* x, std::size_t n, double mean);
double squared_deviations(const double* x, std::size_t n, double mean);

}  // namespace fuseflow::exec
