// Elementwise vector math over contiguous arrays, dispatched at run time to the best SIMD
// target (Highway: AVX-512 / AVX2 / SSE4 / SSSE3 / scalar). `in` and `out` may alias exactly.
// An element's result does not depend on its position (the tail is padded, not scalar code).
//
// Accuracy (checked against long double / mpmath in tests/cpp/kernels and tests/python on every
// compiled target; worst of 4M samples): float64 exp 0.74 (AVX2/AVX3, table-driven; 0.84 on
// narrower targets), log 0.77, sqrt 0.5, expm1 1.4, log1p 2.3, sigmoid 2.4, sin/cos 2.6, tanh
// 2.5 ulp (AVX3; the tests' 4-ulp bound holds on every target); erf on all reals, erfc for x <= 26.5 and norm_cdf for x >= -37.5 (until the result
// turns subnormal) relative error 8.3e-16 (1e-14 asserted); sin/cos beyond |x| > 39000 fall
// back to libm. float32 <= 2.9 ulp everywhere (every 5th float32 checked; the erf family is
// evaluated in float64 and rounded once).
// A lane's result never depends on the other values in its vector.
// Special values follow NumPy: NaN propagates, log(0) = -inf, log(<0) = NaN, exp overflows to
// inf and underflows to 0, tanh(+-large) = +-1, sigmoid never overflows, round ties to even.
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
