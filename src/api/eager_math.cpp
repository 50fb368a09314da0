// eager_unary() (see eager_math.h).
#include "fuseflow/api/eager_math.h"

#include <algorithm>

#include "fuseflow/core/interrupt.h"

namespace fuseflow {

namespace {

template <class T>
void run_chunked(kernels::UnaryOp op, const T* in, T* out, std::size_t n) {
  if (n <= kEagerChunk) {
    kernels::unary(op, in, out, n);
    return;
  }
  for (std::size_t begin = 0; begin < n; begin += kEagerChunk) {
    kernels::unary(op, in + begin, out + begin, std::min(kEagerChunk, n - begin));
    check_interrupt();
  }
}

}  // namespace

void eager_unary(kernels::UnaryOp op, const double* in, double* out, std::size_t n) { run_chunked(op, in, out, n); }
void eager_unary(kernels::UnaryOp op, const float* in, float* out, std::size_t n) { run_chunked(op, in, out, n); }

}  // namespace fuseflow
