// Block reductions (sum, dot, min, max, argmin, argmax) per SIMD target, chosen at run time.
// See reduce.h for the determinism contract: a fixed 16-partial layout and combine tree that
// every target reproduces bitwise. The per-target code lives in reduce-inl.h.

// GCC contracts a*b+c into an FMA on targets that have one (its default for C++, even across
// statements), which would make dot differ between AVX2/AVX3 and SSE4; the bitwise contract
// needs separate roundings.
#pragma GCC optimize("fp-contract=off")

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/reduce.cpp"
#include <hwy/foreach_target.h>  // re-includes this file once per compiled target

#include <hwy/highway.h>

#include "kernels/reduce-inl.h"

#include "fuseflow/kernels/reduce.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels::HWY_NAMESPACE {

double SumDouble(const double* x, std::size_t n) { return SumOrDot<false, false>(x, x, n); }
double SumFloat(const float* x, std::size_t n) { return SumOrDot<false, false>(x, x, n); }
double SumSquaresDouble(const double* x, std::size_t n) { return SumOrDot<false, true>(x, x, n); }
double SumSquaresFloat(const float* x, std::size_t n) { return SumOrDot<false, true>(x, x, n); }
void SumRowsDouble(const double* x, std::size_t rows, std::size_t n, std::size_t stride, double* out) {
  SumRows<false>(x, rows, n, stride, out);
}
void SumRowsFloat(const float* x, std::size_t rows, std::size_t n, std::size_t stride, double* out) {
  SumRows<false>(x, rows, n, stride, out);
}
void SumSquaresRowsDouble(const double* x, std::size_t rows, std::size_t n, std::size_t stride, double* out) {
  SumRows<true>(x, rows, n, stride, out);
}
void SumSquaresRowsFloat(const float* x, std::size_t rows, std::size_t n, std::size_t stride, double* out) {
  SumRows<true>(x, rows, n, stride, out);
}
void MinRowsDouble(const double* x, std::size_t rows, std::size_t n, std::size_t stride, double* out) {
  MinOrMaxRows<true>(x, rows, n, stride, out);
}
void MinRowsFloat(const float* x, std::size_t rows, std::size_t n, std::size_t stride, float* out) {
  MinOrMaxRows<true>(x, rows, n, stride, out);
}
void MaxRowsDouble(const double* x, std::size_t rows, std::size_t n, std::size_t stride, double* out) {
  MinOrMaxRows<false>(x, rows, n, stride, out);
}
void MaxRowsFloat(const float* x, std::size_t rows, std::size_t n, std::size_t stride, float* out) {
  MinOrMaxRows<false>(x, rows, n, stride, out);
}
double DotDouble(const double* x, const double* y, std::size_t n) { return SumOrDot<true, false>(x, y, n); }
double DotFloat(const float* x, const float* y, std::size_t n) { return SumOrDot<true, false>(x, y, n); }
double MinDouble(const double* x, std::size_t n) { return MinOrMax<true>(x, n); }
float MinFloat(const float* x, std::size_t n) { return MinOrMax<true>(x, n); }
double MaxDouble(const double* x, std::size_t n) { return MinOrMax<false>(x, n); }
float MaxFloat(const float* x, std::size_t n) { return MinOrMax<false>(x, n); }
std::int64_t ArgMinDouble(const double* x, std::size_t n) { return ArgMinOrMax<true>(x, n); }
std::int64_t ArgMinFloat(const float* x, std::size_t n) { return ArgMinOrMax<true>(x, n); }
std::int64_t ArgMaxDouble(const double* x, std::size_t n) { return ArgMinOrMax<false>(x, n); }
std::int64_t ArgMaxFloat(const float* x, std::size_t n) { return ArgMinOrMax<false>(x, n); }

}  // namespace fuseflow::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::kernels {

HWY_EXPORT(SumDouble);
HWY_EXPORT(SumFloat);
HWY_EXPORT(SumSquaresDouble);
HWY_EXPORT(SumSquaresFloat);
HWY_EXPORT(SumRowsDouble);
HWY_EXPORT(SumRowsFloat);
HWY_EXPORT(SumSquaresRowsDouble);
HWY_EXPORT(SumSquaresRowsFloat);
HWY_EXPORT(MinRowsDouble);
HWY_EXPORT(MinRowsFloat);
HWY_EXPORT(MaxRowsDouble);
HWY_EXPORT(MaxRowsFloat);
HWY_EXPORT(DotDouble);
HWY_EXPORT(DotFloat);
HWY_EXPORT(MinDouble);
HWY_EXPORT(MinFloat);
HWY_EXPORT(MaxDouble);
HWY_EXPORT(MaxFloat);
HWY_EXPORT(ArgMinDouble);
HWY_EXPORT(ArgMinFloat);
HWY_EXPORT(ArgMaxDouble);
HWY_EXPORT(ArgMaxFloat);

double sum(const double* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(SumDouble)(x, n); }
double sum(const float* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(SumFloat)(x, n); }
double sum_squares(const double* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(SumSquaresDouble)(x, n); }
double sum_squares(const float* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(SumSquaresFloat)(x, n); }
void sum_rows(const double* x, std::size_t rows, std::size_t n, std::size_t stride, bool square, double* out) {
  if (square) HWY_DYNAMIC_DISPATCH(SumSquaresRowsDouble)(x, rows, n, stride, out);
  else HWY_DYNAMIC_DISPATCH(SumRowsDouble)(x, rows, n, stride, out);
}
void sum_rows(const float* x, std::size_t rows, std::size_t n, std::size_t stride, bool square, double* out) {
  if (square) HWY_DYNAMIC_DISPATCH(SumSquaresRowsFloat)(x, rows, n, stride, out);
  else HWY_DYNAMIC_DISPATCH(SumRowsFloat)(x, rows, n, stride, out);
}
void min_rows(const double* x, std::size_t rows, std::size_t n, std::size_t stride, double* out) {
  HWY_DYNAMIC_DISPATCH(MinRowsDouble)(x, rows, n, stride, out);
}
void min_rows(const float* x, std::size_t rows, std::size_t n, std::size_t stride, float* out) {
  HWY_DYNAMIC_DISPATCH(MinRowsFloat)(x, rows, n, stride, out);
}
void max_rows(const double* x, std::size_t rows, std::size_t n, std::size_t stride, double* out) {
  HWY_DYNAMIC_DISPATCH(MaxRowsDouble)(x, rows, n, stride, out);
}
void max_rows(const float* x, std::size_t rows, std::size_t n, std::size_t stride, float* out) {
  HWY_DYNAMIC_DISPATCH(MaxRowsFloat)(x, rows, n, stride, out);
}
double dot(const double* x, const double* y, std::size_t n) { return HWY_DYNAMIC_DISPATCH(DotDouble)(x, y, n); }
double dot(const float* x, const float* y, std::size_t n) { return HWY_DYNAMIC_DISPATCH(DotFloat)(x, y, n); }
double min(const double* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(MinDouble)(x, n); }
float min(const float* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(MinFloat)(x, n); }
double max(const double* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(MaxDouble)(x, n); }
float max(const float* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(MaxFloat)(x, n); }
std::int64_t argmin(const double* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(ArgMinDouble)(x, n); }
std::int64_t argmin(const float* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(ArgMinFloat)(x, n); }
std::int64_t argmax(const double* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(ArgMaxDouble)(x, n); }
std::int64_t argmax(const float* x, std::size_t n) { return HWY_DYNAMIC_DISPATCH(ArgMaxFloat)(x, n); }

}  // namespace fuseflow::kernels
#endif  // HWY_ONCE
