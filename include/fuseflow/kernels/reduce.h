// Block reductions over contiguous arrays (Highway runtime dispatch), for the executor's
// per-block partials.
//
// Deterministic: sum and dot keep 16 float64 partial sums (element i feeds partial i % 16, in
// index order) combined by a fixed pairwise tree, and never fuse multiply-add, so a result
// depends only on the data, not on the SIMD target (AVX3/AVX2/SSE4/scalar) or on alignment.
// float32 inputs accumulate in float64. min/max/argmin/argmax propagate NaN like NumPy
// (argmin/argmax return the first NaN's index); empty inputs give the identity (sum 0,
// min +inf, max -inf, arg* -1) — raising on empty input is the caller's rule.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fuseflow::kernels {

inline constexpr std::size_t kSumPartials = 16;

double sum(const double* x, std::size_t n);
double sum(const float* x, std::size_t n);
// sum() of two arrays of n elements each, bitwise, faster than two calls (interleaved chains).
void sum2(const double* x0, const double* x1, std::size_t n, double out[2]);
void sum2(const float* x0, const float* x1, std::size_t n, double out[2]);
// sum() of the squares x[i] * x[i], each rounded in the input's precision first: bitwise the
// sum() of an array holding those products (a sum or mean of `x * x` without writing it).
double sum_squares(const double* x, std::size_t n);
double sum_squares(const float* x, std::size_t n);
void sum2_squares(const double* x0, const double* x1, std::size_t n, double out[2]);
void sum2_squares(const float* x0, const float* x1, std::size_t n, double out[2]);
double dot(const double* x, const double* y, std::size_t n);
double dot(const float* x, const float* y, std::size_t n);

double min(const double* x, std::size_t n);
float min(const float* x, std::size_t n);
double max(const double* x, std::size_t n);
float max(const float* x, std::size_t n);

std::int64_t argmin(const double* x, std::size_t n);
std::int64_t argmin(const float* x, std::size_t n);
std::int64_t argmax(const double* x, std::size_t n);
std::int64_t argmax(const float* x, std::size_t n);

}  // namespace fuseflow::kernels
