// Inclusive scans along an axis: cumsum, cumprod, cummax, cummin.
//
// Order of operations (what makes results deterministic at any thread count):
// - inner > 1 (a non-last axis): each line is combined strictly left to right,
//   y[i] = y[i-1] op x[i]: bitwise NumPy's add.accumulate / multiply.accumulate.
// - inner == 1 (contiguous lines): a line is cut into fixed blocks of kScanBlock elements and each
//   block into groups of 4. Inside a group the local prefixes s0..s3 are formed left to right; an
//   element's result is carry op s_k, and the carry advances by s3 once per group (one dependent
//   op per 4 elements instead of one per element: the serial chain NumPy waits on). A block starts
//   from carry_b = carry_{b-1} op total_{b-1}, the total being the block's own group sums combined
//   from the identity. The same definition is used by the one-thread path and by the parallel
//   path (a round of blocks' totals, then each block rescanned from its carry), so the bits do
//   not depend on the thread count. For max/min (and integers, which wrap modulo 2^64 as in
//   NumPy) the result is exact; for float sums/products it is a reassociation of the serial one.
#pragma once

#include <cstdint>

#include "fuseflow/kernels/axis_view.h"

namespace fuseflow::kernels {

enum class ScanOp { kSum, kProd, kMax, kMin };

// Block length of the contiguous scan (a multiple of the group width 4).
inline constexpr std::int64_t kScanBlock = std::int64_t{1} << 15;

// Fewer long lines than threads take the parallel two-pass scan (block totals, then rescans from
// the carries, a round of blocks at a time) from this team size up (same bits either way).
inline constexpr int kMinThreadsForParallelLine = 2;

// y[o, i, k] = x[o, 0, k] op ... op x[o, i, k]. `Out` is the accumulation and result type:
// sum/prod take the NumPy 2 result type (int64 for bool/int8-int64 inputs, uint64 for uint8,
// the float type for floats); max/min keep the input type. Instantiated for
//   sum/prod: (bool|uint8 -> int64|uint64 as above), int32/int64 -> int64, float -> float, double -> double
//   max/min:  In == Out for bool(uint8), uint8, int32, int64, float, double.
// Polls check_interrupt() (team thread 0) between blocks.
template <class In, class Out>
void scan(ScanOp op, const In* x, Out* y, AxisView view);

}  // namespace fuseflow::kernels
