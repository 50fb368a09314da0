// Block reductions over contiguous arrays (Highway runtime dispatch), for the executor's
// per-block partials.
//
// Deterministic: sum and dot keep 16 float64 partial sums (element i feeds partial i % 16, in
// index order) combined by a fixed pairwise tree, and never fuse multiply-add, so a result
// depends only on the data, not on the SIMD target (AVX3/AVX2/SSE4/scalar) or on alignment.
// float32 inputs accumulate in float64. min/max/argmin/argmax propagate NaN like NumPy
// (argmin/argmax return the first NaN's index); empty inputs give the identity (sum 0,
// min +inf, max -inf, arg* -1) — raising on empty input is the caller's rule. min/max order
// zeros -0 < +0 (reduce_extreme), so a zero result's sign does not depend on the order either.
#pragma once

#include <bit>
#include <cstddef>
#include <cstdint>
#include <type_traits>

namespace fuseflow::kernels {

inline constexpr std::size_t kSumPartials = 16;

// The min / max reductions' step on every path (the executor's block kernel, these kernels, the
// combine of block partials, axis reductions; not the elementwise minimum / maximum ops): the
// extreme so far and the next value, NaN winning and staying, zeros ordered as IEEE 754-2019's
// minimum / maximum order them (-0 < +0): a min over values holding -0.0 and +0.0 is -0.0, a max
// +0.0, in whatever order and grouping they are met. With "keep the first of equals" the sign of
// a zero result followed the visiting order, which differs between the lone and the fused
// kernel, between SIMD widths and between thread counts. Equal values have equal bits unless
// they are the two zeros, so or-ing (min) or and-ing (max) the bits of equals picks the zero.
template <class T>
inline T reduce_extreme(T acc, T x, bool minimum) {
  if constexpr (std::is_floating_point_v<T>) {
    using Bits = std::conditional_t<sizeof(T) == 8, std::uint64_t, std::uint32_t>;
    const Bits a = std::bit_cast<Bits>(acc), b = std::bit_cast<Bits>(x);
    if (acc == x) return std::bit_cast<T>(minimum ? (a | b) : (a & b));
    return (minimum ? acc < x : acc > x) || acc != acc ? acc : x;
  } else {
    return (minimum ? x < acc : x > acc) ? x : acc;
  }
}

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
