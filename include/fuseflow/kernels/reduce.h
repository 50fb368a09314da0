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
// sum() of the squares x[i] * x[i], each rounded in the input's precision first: bitwise the
// sum() of an array holding those products (a sum or mean of `x * x` without writing it).
double sum_squares(const double* x, std::size_t n);
double sum_squares(const float* x, std::size_t n);
// Per row of `rows` rows of n elements (row r at x + r * stride elements): out[r] = sum() or
// (square) sum_squares() of the row, bitwise; min_rows/max_rows: min()/max() of each row,
// bitwise. One dispatch for all rows, two rows' chains interleaved.
void sum_rows(const double* x, std::size_t rows, std::size_t n, std::size_t stride, bool square, double* out);
void sum_rows(const float* x, std::size_t rows, std::size_t n, std::size_t stride, bool square, double* out);
void min_rows(const double* x, std::size_t rows, std::size_t n, std::size_t stride, double* out);
void min_rows(const float* x, std::size_t rows, std::size_t n, std::size_t stride, float* out);
void max_rows(const double* x, std::size_t rows, std::size_t n, std::size_t stride, double* out);
void max_rows(const float* x, std::size_t rows, std::size_t n, std::size_t stride, float* out);
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
