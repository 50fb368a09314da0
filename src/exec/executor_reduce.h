// Internal: the executor's fast path for a lone full reduction (src/exec/executor_reduce.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// When kernel k (of length n) only reduces one contiguous float32/float64 array (sum, mean,
// min, max, argmin, argmax), computes its result into its slot with the SIMD reduction kernels and
// returns true; otherwise returns false and does nothing. Bitwise the block kernel's result at
// any thread count. `partials` is scratch (grown on demand).
bool run_lone_reduction(const Kernel& k, std::vector<Value>& slots, std::int64_t n,
                        std::vector<ReducePartial>& partials);

}  // namespace fuseflow::exec
