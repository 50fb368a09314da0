// var/std's second pass over a contiguous line: the sum of squared deviations from the mean, in
// float64, in SIMD registers with 16 independent partial sums (element i feeds partial i % 16, a
// fixed pairwise tree combines them). A single scalar accumulator is bound by the add latency
// (~4 cycles an element); this runs at the memory's speed. The partial layout does not depend on
// the SIMD target, and FMA contraction is off (as in kernels/reduce.cpp), so a line's result is the
// same bits on every machine, thread count and block split.
#pragma GCC optimize("fp-contract=off")

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "exec/axis_reduce_moments.cpp"
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4 | HWY_AVX3_DL)
#endif
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cstddef>

#include "exec/axis_reduce.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::exec {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

constexpr std::size_t kPartials = 16;

template <class D>
HWY_INLINE hn::Vec<D> LoadWide(D d, const double* x) {
  return hn::LoadU(d, x);
}
template <class D>
HWY_INLINE hn::Vec<D> LoadWide(D d, const float* x) {
  return hn::PromoteTo(d, hn::LoadU(hn::Rebind<float, D>(), x));
}

template <class T>
double SquaredDeviations(const T* x, std::size_t n, double mean) {
  const hn::CappedTag<double, kPartials> d;
  const std::size_t lanes = hn::Lanes(d);
  const std::size_t vectors = kPartials / lanes;
  const auto m = hn::Set(d, mean);
  hn::Vec<decltype(d)> acc[kPartials];
  for (std::size_t j = 0; j < vectors; ++j) acc[j] = hn::Zero(d);
  std::size_t i = 0;
  for (; i + kPartials <= n; i += kPartials) {
    for (std::size_t j = 0; j < vectors; ++j) {
      const auto dv = hn::Sub(LoadWide(d, x + i + j * lanes), m);
      acc[j] = hn::Add(acc[j], hn::Mul(dv, dv));
    }
  }
  HWY_ALIGN double partial[kPartials];
  for (std::size_t j = 0; j < vectors; ++j) hn::Store(acc[j], d, partial + j * lanes);
  for (std::size_t j = 0; i + j < n; ++j) {
    const double dv = static_cast<double>(x[i + j]) - mean;
    const double sq = dv * dv;  // own statement: no contraction into the add below
    partial[j] = partial[j] + sq;
  }
  for (std::size_t w = kPartials / 2; w >= 1; w /= 2) {
    for (std::size_t j = 0; j < w; ++j) partial[j] = partial[j] + partial[j + w];
  }
  return partial[0];
}

}  // namespace

double SquaredDeviationsF32(const float* x, std::size_t n, double mean) { return SquaredDeviations(x, n, mean); }
double SquaredDeviationsF64(const double* x, std::size_t n, double mean) { return SquaredDeviations(x, n, mean); }

}  // namespace HWY_NAMESPACE
}  // namespace fuseflow::exec
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::exec {

HWY_EXPORT(SquaredDeviationsF32);
HWY_EXPORT(SquaredDeviationsF64);

double squared_deviations(const float* x, std::size_t n, double mean) {
  return HWY_DYNAMIC_DISPATCH(SquaredDeviationsF32)(x, n, mean);
}
double squared_deviations(const double* x, std::size_t n, double mean) {
  return HWY_DYNAMIC_DISPATCH(SquaredDeviationsF64)(x, n, mean);
}

}  // namespace fuseflow::exec
#endif  // HWY_ONCE
