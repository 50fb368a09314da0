// Elementwise vector math over contiguous arrays, dispatched at run time to the best SIMD
// target (Highway: AVX-512 / AVX2 / SSE4 / scalar). `in` and `out` may alias exactly.
//
// Accuracy (checked in tests/cpp/kernels and tests/python): float64 exp/log/sqrt <= 2 ulp;
// erf/erfc/norm_cdf relative error <= 1e-14 over their normal range; float32 <= 4 ulp.
// Special values follow IEEE / NumPy: NaN propagates, log(0) = -inf, log(<0) = NaN, exp(-inf) = 0.
#pragma once

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string_view>

namespace fuseflow::kernels {

enum class UnaryOp : std::uint8_t {
  kExp,
  kLog,
  kLog1p,
  kExpm1,
  kSqrt,
  kSin,
  kCos,
  kTanh,
  kSigmoid,  // 1 / (1 + exp(-x)), accurate for large |x|
  kErf,
  kErfc,
  kNormCdf,  // standard normal CDF = erfc(-x / sqrt(2)) / 2
  kFloor,
  kCeil,
  kRound,    // half to even, like numpy.round
  kAbs,
};

inline constexpr int kNumUnaryOps = static_cast<int>(UnaryOp::kAbs) + 1;

const char* unary_op_name(UnaryOp op);
// The op whose unary_op_name() is `name`, or nullopt.
std::optional<UnaryOp> unary_op_from_name(std::string_view name);

// Name of the SIMD target the dispatcher picked for this CPU (e.g. "AVX3", "AVX2").
const char* math_target_name();

void unary(UnaryOp op, const double* in, double* out, std::size_t n);
void unary(UnaryOp op, const float* in, float* out, std::size_t n);

}  // namespace fuseflow::kernels
