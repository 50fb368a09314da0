// Block reductions (sum, dot, min, max, argmin, argmax) per SIMD target, chosen at run time.
// See reduce.h for the determinism contract: a fixed 16-partial layout and combine tree that
// every target reproduces bitwise.
// GCC contracts a*b+c into an FMA on targets that have one (its default for C++, even across
// statements), which would make dot differ between AVX2/AVX3 and SSE4; the bitwise contract
// needs separate roundings.
#pragma GCC optimize("fp-contract=off")

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/reduce.cpp"
#include <hwy/foreach_target.h>  // re-includes this file once per compiled target

#include <hwy/highway.h>

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>

#include "fuseflow/kernels/reduce.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace {

constexpr std::size_t kPartials = kSumPartials;

// Pairwise tree over the 16 partials, the same scalar code on every target.
double combine_partials(double* partial) {
  for (std::size_t width = kPartials / 2; width >= 1; width /= 2) {
    for (std::size_t j = 0; j < width; ++j) partial[j] = partial[j] + partial[j + width];
  }
  return partial[0];
}

// Loads lanes of float64 from `x + i`, widening float32 on the way in.
template <class D>
HWY_INLINE hn::Vec<D> LoadAsDouble(D d, const double* x) {
  return hn::LoadU(d, x);
}
template <class D>
HWY_INLINE hn::Vec<D> LoadAsDouble(D d, const float* x) {
  return hn::PromoteTo(d, hn::LoadU(hn::Rebind<float, D>(), x));
}

// Accumulates `term(i)` for i in [0, n) into partial i % 16. kProduct: term = x[i] * y[i]
// (a separate multiply and add: an FMA on some targets only would break bitwise agreement).
template <bool kProduct, class T>
double SumOrDot(const T* x, const T* y, std::size_t n) {
  const hn::ScalableTag<double> d;
  const std::size_t lanes = hn::Lanes(d);
  static_assert(HWY_MAX_BYTES / sizeof(double) <= kPartials, "a vector must not exceed the partial layout");
  const std::size_t vectors = kPartials / lanes;
  hn::Vec<decltype(d)> acc[kPartials];
  for (std::size_t j = 0; j < vectors; ++j) acc[j] = hn::Zero(d);
  std::size_t i = 0;
  for (; i + kPartials <= n; i += kPartials) {
    for (std::size_t j = 0; j < vectors; ++j) {
      const auto a = LoadAsDouble(d, x + i + j * lanes);
      acc[j] = hn::Add(acc[j], kProduct ? hn::Mul(a, LoadAsDouble(d, y + i + j * lanes)) : a);
    }
  }
  HWY_ALIGN double partial[kPartials];
  for (std::size_t j = 0; j < vectors; ++j) hn::Store(acc[j], d, partial + j * lanes);
  for (std::size_t j = 0; i + j < n; ++j) {
    const double a = static_cast<double>(x[i + j]);
    const double term = kProduct ? a * static_cast<double>(y[i + j]) : a;  // own statement: clang
    partial[j] = partial[j] + term;  // contracts only within one expression
  }
  return combine_partials(partial);
}

template <bool kMin, class T>
T MinOrMax(const T* x, std::size_t n) {
  const hn::ScalableTag<T> d;
  const std::size_t lanes = hn::Lanes(d);
  const T identity = kMin ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity();
  // Two accumulators hide the compare latency; NaN is tracked apart because x86 min/max drop it.
  auto acc0 = hn::Set(d, identity), acc1 = acc0;
  auto nan_seen = hn::Zero(d);
  std::size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) {
    const auto a = hn::LoadU(d, x + i), b = hn::LoadU(d, x + i + lanes);
    acc0 = kMin ? hn::Min(acc0, a) : hn::Max(acc0, a);
    acc1 = kMin ? hn::Min(acc1, b) : hn::Max(acc1, b);
    nan_seen = hn::Or(nan_seen, hn::Or(hn::VecFromMask(d, hn::IsNaN(a)), hn::VecFromMask(d, hn::IsNaN(b))));
  }
  if (!hn::AllFalse(d, hn::MaskFromVec(nan_seen))) return std::numeric_limits<T>::quiet_NaN();
  const auto both = kMin ? hn::Min(acc0, acc1) : hn::Max(acc0, acc1);
  T result = hn::GetLane(kMin ? hn::MinOfLanes(d, both) : hn::MaxOfLanes(d, both));
  for (; i < n; ++i) {
    if (std::isnan(x[i])) return x[i];
    result = kMin ? (x[i] < result ? x[i] : result) : (x[i] > result ? x[i] : result);
  }
  return result;
}

// First index holding the extreme value (or the first NaN, like NumPy): find the value, then
// scan for it. On L1-sized blocks the second pass costs about as much as the first.
template <bool kMin, class T>
std::int64_t ArgMinOrMax(const T* x, std::size_t n) {
  if (n == 0) return -1;
  const T target = MinOrMax<kMin>(x, n);
  const bool want_nan = std::isnan(target);
  const hn::ScalableTag<T> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto target_v = hn::Set(d, target);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    const auto v = hn::LoadU(d, x + i);
    const auto hit = want_nan ? hn::IsNaN(v) : hn::Eq(v, target_v);
    if (!hn::AllFalse(d, hit)) return static_cast<std::int64_t>(i) + hn::FindFirstTrue(d, hit);
  }
  for (; i < n; ++i) {
    if (want_nan ? std::isnan(x[i]) : x[i] == target) return static_cast<std::int64_t>(i);
  }
  return -1;  // unreachable: the extreme value is in x
}

}  // namespace

double SumDouble(const double* x, std::size_t n) { return SumOrDot<false>(x, x, n); }
double SumFloat(const float* x, std::size_t n) { return SumOrDot<false>(x, x, n); }
double DotDouble(const double* x, const double* y, std::size_t n) { return SumOrDot<true>(x, y, n); }
double DotFloat(const float* x, const float* y, std::size_t n) { return SumOrDot<true>(x, y, n); }
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
