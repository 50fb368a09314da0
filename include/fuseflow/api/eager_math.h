// Eager elementwise math outside ff.jit (ff.exp(x) on a NumPy array): the kernels' SIMD op over a
// whole contiguous buffer, in chunks of kEagerChunk elements with check_interrupt() between them,
// so a long run stops soon after Ctrl-C.
#pragma once

#include <cstddef>

#include "fuseflow/kernels/math.h"

namespace fuseflow {

// Runs up to this many elements in one piece, without checking for an interrupt (callers keep the
// GIL for them: releasing it would cost more than the run).
inline constexpr std::size_t kEagerChunk = std::size_t{1} << 16;

// The largest element count for which the native kernel beats NumPy's own ufunc (or
// scipy.special's) on `op`; above it eager callers hand the array to NumPy. Measured, see the table
// in eager_math.cpp.
std::size_t eager_native_max(kernels::UnaryOp op, bool float32);

void eager_unary(kernels::UnaryOp op, const double* in, double* out, std::size_t n);
void eager_unary(kernels::UnaryOp op, const float* in, float* out, std::size_t n);

}  // namespace fuseflow
