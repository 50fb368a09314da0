// Scalar standard normal density and distribution for the pricing kernels (src/finance).
// norm_cdf goes through erfc, not 0.5 * (1 + erf): the lower tail keeps full relative accuracy
// (erf-based forms cancel below x ~ -2 and lose everything past x ~ -8), which option prices far
// out of the money depend on. The batch kernels use the vector norm_cdf of src/kernels/math-inl.h,
// which has the same accuracy (8.3e-16 relative for x >= -37.5).
#pragma once

#include <cmath>

namespace fuseflow::finance {

inline constexpr double kInvSqrt2 = 0.70710678118654752440084436210484903928;
inline constexpr double kInvSqrt2Pi = 0.39894228040143267793994605993438186848;

inline double norm_pdf(double x) noexcept { return kInvSqrt2Pi * std::exp(-0.5 * x * x); }

inline double norm_cdf(double x) noexcept { return 0.5 * std::erfc(-x * kInvSqrt2); }

}  // namespace fuseflow::finance
