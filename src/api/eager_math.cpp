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

// Native call time / NumPy 2.4 (scipy.special for erf, erfc, norm_cdf, sigmoid) call time, same
// run, medians, on this project's 2-core AVX-512 machine (2026-12-06), at 1 / 256 / 1,024 / 4,096 /
// 16,384 / 65,536 / 262,144 / 1,048,576 elements. Below ~1,000 elements the native call wins for
// every op (0.14-0.7x: NumPy's ufunc dispatch costs ~0.3 us). Above, NumPy's own SIMD loops are as
// fast as ours where the op is one instruction and the data streams through memory (abs, floor,
// ceil, round, sqrt: 1.0-1.5x at 16K-64K elements), and faster for float32 tanh (1.3-1.6x) and
// float64 log1p (1.1x): those go to NumPy above the counts below. exp, log, expm1 (float64),
// sin, cos, sigmoid and the erf family stay native at every size (0.1-0.9x).
std::size_t eager_native_max(kernels::UnaryOp op, bool float32) {
  using kernels::UnaryOp;
  constexpr std::size_t kAlways = static_cast<std::size_t>(-1);
  switch (op) {
    case UnaryOp::kAbs:
    case UnaryOp::kFloor:
    case UnaryOp::kCeil:
    case UnaryOp::kRound: return float32 ? 4096 : 2048;   // float32 0.6x / float64 0.6-0.96x at 4,096
    case UnaryOp::kSqrt: return float32 ? 4096 : 1024;    // 0.90x at 4,096 / 0.93x at 1,024
    // float32 0.99x at 1,024, 1.32x at 4,096; up to 2,048 the native call still beats NumPy plus
    // the ~0.15 us of ff.tanh's Python-level dispatch in front of it.
    case UnaryOp::kTanh: return float32 ? 2048 : kAlways;
    case UnaryOp::kLog1p: return float32 ? 16384 : 1024;  // float32 0.98x at 16,384 / float64 0.96x at 1,024
    case UnaryOp::kExpm1: return float32 ? 262144 : kAlways;  // float32 0.97x at 262,144, 1.02x above
    default: return kAlways;
  }
}

void eager_unary(kernels::UnaryOp op, const double* in, double* out, std::size_t n) { run_chunked(op, in, out, n); }
void eager_unary(kernels::UnaryOp op, const float* in, float* out, std::size_t n) { run_chunked(op, in, out, n); }

}  // namespace fuseflow
