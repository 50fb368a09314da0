// Internal: the last step of a kernel's whole-array reductions (src/exec/reduction_combine.cpp).
#pragma once

#include <cstdint>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// Folds reduction r's per-block partials (partials[b * nred], b < nblocks, in block order) into
// its scalar result `out`: sums in block order (integers wrap as NumPy's; mean divides by n,
// sqrt finishes a norm), min/max/argmin/argmax with NumPy's NaN rule (the first NaN wins), and
// the empty-array errors NumPy raises. Same bits at any thread count: the blocks are fixed.
void combine_reduction(const KernelReduction& r, const ReducePartial* partials, std::int64_t nblocks,
                       std::int64_t nred, std::int64_t n, Value& out);

}  // namespace fuseflow::exec
