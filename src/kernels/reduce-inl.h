// Per-target block reductions (Highway), included once per SIMD target by reduce.cpp through
// hwy/foreach_target.h; fused kernels may include it the same way to reduce a block in place.
// The summation layout is the contract of fuseflow/kernels/reduce.h (16 partials, fixed tree);
// an including file must also disable FMA contraction (see reduce.cpp) to keep dot bitwise
// identical across targets.

// Per-target include guard (Highway idiom): toggled by foreach_target for each target pass.
#if defined(FUSEFLOW_KERNELS_REDUCE_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef FUSEFLOW_KERNELS_REDUCE_INL_H_
#undef FUSEFLOW_KERNELS_REDUCE_INL_H_
#else
#define FUSEFLOW_KERNELS_REDUCE_INL_H_
#endif

#include <cmath>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <type_traits>

#include <hwy/highway.h>

#include "fuseflow/kernels/reduce.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace reduce_detail {

constexpr std::size_t kPartials = kSumPartials;

// Pairwise tree over the 16 partials, the same scalar code on every target.
inline double combine_partials(double* partial) {
  for (std::size_t width = kPartials / 2; width >= 1; width /= 2) {
    for (std::size_t j = 0; j < width; ++j) partial[j] = partial[j] + partial[j + width];
  }
  return partial[0];
}

// combine_partials on partials held in registers, partial j in lane j % lanes of acc[j / lanes]:
// the same additions in the same order (width w: partial j + partial j + w, the lower first), so
// bitwise the same result. Halving first across the vectors, then within one. Through memory,
// the tree's narrow loads of the wide stores missed store forwarding: a third of a row sum of
// 256 float32 elements (perf, row softmax).
template <class D>
HWY_INLINE double CombineLanes(D d, hn::Vec<D> v) {
#if HWY_TARGET == HWY_SCALAR
  return hn::GetLane(v);  // one lane (and no UpperHalf on this target)
#else
  if constexpr (hn::MaxLanes(D()) == 1) {
    return hn::GetLane(v);
  } else {
    const hn::Half<D> dh;
    return CombineLanes(dh, hn::Add(hn::LowerHalf(dh, v), hn::UpperHalf(dh, v)));
  }
#endif
}
template <class D>
HWY_INLINE double CombineVectors(D d, hn::Vec<D>* acc, std::size_t vectors) {
  for (std::size_t m = vectors / 2; m >= 1; m /= 2) {
    for (std::size_t j = 0; j < m; ++j) acc[j] = hn::Add(acc[j], acc[j + m]);
  }
  return CombineLanes(d, acc[0]);
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

// The terms a sum accumulates, as float64 lanes from `x + i`: the elements, or (kSquare) their
// squares rounded in T before widening, the bits an array `x * x` of T would hold, so that a
// squaring sum equals the sum of that array (ir::AxisReduce::square).
template <bool kSquare, class D, class T>
HWY_INLINE hn::Vec<D> LoadTerm(D d, const T* x) {
  if constexpr (!kSquare) {
    return LoadAsDouble(d, x);
  } else if constexpr (std::is_same_v<T, double>) {
    const auto v = hn::LoadU(d, x);
    return hn::Mul(v, v);
  } else {
    const auto v = hn::LoadU(hn::Rebind<float, D>(), x);
    return hn::PromoteTo(d, hn::Mul(v, v));
  }
}
template <bool kSquare, class T>
HWY_INLINE double ScalarTerm(T v) {
  if constexpr (kSquare) {
    const T square = v * v;  // rounded in T, as LoadTerm
    return static_cast<double>(square);
  } else {
    return static_cast<double>(v);
  }
}

// Accumulates `term(i)` for i in [0, n) into partial i % 16. kProduct: term = x[i] * y[i]
// (a separate multiply and add: an FMA on some targets only would break bitwise agreement);
// kSquare: term = x[i] * x[i] rounded in T (LoadTerm).
template <bool kProduct, bool kSquare, class T>
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
      const auto a = LoadTerm<kSquare>(d, x + i + j * lanes);
      acc[j] = hn::Add(acc[j], kProduct ? hn::Mul(a, LoadAsDouble(d, y + i + j * lanes)) : a);
    }
  }
  if (i == n) return CombineVectors(d, acc, vectors);
  HWY_ALIGN double partial[kPartials];
  for (std::size_t j = 0; j < vectors; ++j) hn::Store(acc[j], d, partial + j * lanes);
  for (std::size_t j = 0; i + j < n; ++j) {
    const double a = ScalarTerm<kSquare>(x[i + j]);
    const double term = kProduct ? a * static_cast<double>(y[i + j]) : a;  // own statement: clang
    partial[j] = partial[j] + term;  // contracts only within one expression
  }
  return combine_partials(partial);
}

// Two lines at once, each summed exactly as SumOrDot<false> sums it (same partials, order and
// combine): a lone line is bound by the latency of its adds (two vector chains on AVX-512), so
// interleaving a second line's chains doubles the adds in flight. out[0], out[1]: the sums
// (kSquare: of the squares, as SumOrDot<false, true>).
template <bool kSquare, class T>
void SumTwo(const T* x0, const T* x1, std::size_t n, double* out) {
  const hn::ScalableTag<double> d;
  const std::size_t lanes = hn::Lanes(d);
  const std::size_t vectors = kPartials / lanes;
  hn::Vec<decltype(d)> acc0[kPartials], acc1[kPartials];
  for (std::size_t j = 0; j < vectors; ++j) acc0[j] = acc1[j] = hn::Zero(d);
  std::size_t i = 0;
  for (; i + kPartials <= n; i += kPartials) {
    for (std::size_t j = 0; j < vectors; ++j) {
      acc0[j] = hn::Add(acc0[j], LoadTerm<kSquare>(d, x0 + i + j * lanes));
      acc1[j] = hn::Add(acc1[j], LoadTerm<kSquare>(d, x1 + i + j * lanes));
    }
  }
  if (i == n) {
    out[0] = CombineVectors(d, acc0, vectors);
    out[1] = CombineVectors(d, acc1, vectors);
    return;
  }
  HWY_ALIGN double partial0[kPartials];
  HWY_ALIGN double partial1[kPartials];
  for (std::size_t j = 0; j < vectors; ++j) {
    hn::Store(acc0[j], d, partial0 + j * lanes);
    hn::Store(acc1[j], d, partial1 + j * lanes);
  }
  for (std::size_t j = 0; i + j < n; ++j) {
    partial0[j] = partial0[j] + ScalarTerm<kSquare>(x0[i + j]);
    partial1[j] = partial1[j] + ScalarTerm<kSquare>(x1[i + j]);
  }
  out[0] = combine_partials(partial0);
  out[1] = combine_partials(partial1);
}

// One line's running min/max. Two accumulators hide the compare latency. x86 min/max drop NaN,
// so a NaN is caught apart: each lane's running sum turns NaN at a NaN (one add per vector where
// a compare, a mask move and an or cost three). A NaN sum without a NaN (+inf and -inf in one
// lane, or a sum that overflowed both ways) sends the vectors seen to an exact scan.
template <bool kMin, class T>
struct ExtremeScan {
  using D = hn::ScalableTag<T>;
  using V = hn::Vec<D>;
  V acc0, acc1, probe0, probe1;

  HWY_INLINE explicit ExtremeScan(D d)
      : acc0(hn::Set(d, kMin ? std::numeric_limits<T>::infinity() : -std::numeric_limits<T>::infinity())),
        acc1(acc0), probe0(hn::Zero(d)), probe1(hn::Zero(d)) {}
  // Lane-wise min / max with zeros ordered -0 < +0 (reduce_extreme): x86 min / max
  // return their second operand for equal inputs, so both orders or-ed (min) or and-ed (max) give
  // the extreme, and -0.0 (min) or +0.0 (max) for a pair of zeros. NaN lanes are the probes' job.
  static HWY_INLINE V Extreme(V acc, V x) {
    return kMin ? hn::Or(hn::Min(acc, x), hn::Min(x, acc)) : hn::And(hn::Max(acc, x), hn::Max(x, acc));
  }
  // Elements [i, i + 2 * lanes).
  HWY_INLINE void step(D d, const T* x, std::size_t i, std::size_t lanes) {
    const V a = hn::LoadU(d, x + i), b = hn::LoadU(d, x + i + lanes);
    acc0 = Extreme(acc0, a);
    acc1 = Extreme(acc1, b);
    probe0 = hn::Add(probe0, a);
    probe1 = hn::Add(probe1, b);
  }
  // The result, after step() covered [0, i); the scalar tail [i, n) here.
  HWY_INLINE T finish(D d, const T* x, std::size_t i, std::size_t n) const {
    if (HWY_UNLIKELY(!hn::AllFalse(d, hn::IsNaN(hn::Add(probe0, probe1))))) {
      for (std::size_t j = 0; j < i; ++j) {
        if (std::isnan(x[j])) return std::numeric_limits<T>::quiet_NaN();
      }
    }
    HWY_ALIGN T lanes[hn::MaxLanes(D())];
    hn::Store(Extreme(acc0, acc1), d, lanes);
    T result = lanes[0];
    for (std::size_t j = 1; j < hn::Lanes(d); ++j) result = reduce_extreme(result, lanes[j], kMin);
    for (; i < n; ++i) {
      if (std::isnan(x[i])) return x[i];
      result = reduce_extreme(result, x[i], kMin);
    }
    return result;
  }
};

template <bool kMin, class T>
T MinOrMax(const T* x, std::size_t n) {
  const hn::ScalableTag<T> d;
  const std::size_t lanes = hn::Lanes(d);
  ExtremeScan<kMin, T> scan(d);
  std::size_t i = 0;
  for (; i + 2 * lanes <= n; i += 2 * lanes) scan.step(d, x, i, lanes);
  return scan.finish(d, x, i, n);
}

// Rows [0, rows) of n elements, row r at x + r * stride: out[r] = MinOrMax(row r), bitwise (the
// same steps per row). Four rows at a time: a lone row of a few vectors is bound by its
// accumulators' and its final cross-lane reduction's latency, and the per-row call and dispatch
// cost as much again (row max of a (64, 256) float32 softmax).
template <bool kMin, class T>
void MinOrMaxRows(const T* x, std::size_t rows, std::size_t n, std::size_t stride, T* out) {
  const hn::ScalableTag<T> d;
  const std::size_t lanes = hn::Lanes(d);
  std::size_t r = 0;
  for (; r + 4 <= rows; r += 4) {
    const T* x0 = x + r * stride;
    const T* x1 = x0 + stride;
    const T* x2 = x1 + stride;
    const T* x3 = x2 + stride;
    ExtremeScan<kMin, T> s0(d), s1(d), s2(d), s3(d);
    std::size_t i = 0;
    for (; i + 2 * lanes <= n; i += 2 * lanes) {
      s0.step(d, x0, i, lanes);
      s1.step(d, x1, i, lanes);
      s2.step(d, x2, i, lanes);
      s3.step(d, x3, i, lanes);
    }
    out[r] = s0.finish(d, x0, i, n);
    out[r + 1] = s1.finish(d, x1, i, n);
    out[r + 2] = s2.finish(d, x2, i, n);
    out[r + 3] = s3.finish(d, x3, i, n);
  }
  for (; r < rows; ++r) out[r] = MinOrMax<kMin>(x + r * stride, n);
}

// Rows [0, rows) of n elements, row r at x + r * stride: out[r] = the row's sum (kSquare: of
// its squares) exactly as SumOrDot sums it alone; pairs through SumTwo, one dispatch for all.
template <bool kSquare, class T>
void SumRows(const T* x, std::size_t rows, std::size_t n, std::size_t stride, double* out) {
  std::size_t r = 0;
  for (; r + 2 <= rows; r += 2) SumTwo<kSquare>(x + r * stride, x + (r + 1) * stride, n, out + r);
  if (r < rows) out[r] = SumOrDot<false, kSquare>(x + r * stride, x + r * stride, n);
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

}  // namespace reduce_detail

using reduce_detail::ArgMinOrMax;
using reduce_detail::MinOrMax;
using reduce_detail::SumOrDot;
using reduce_detail::SumTwo;
using reduce_detail::MinOrMaxRows;
using reduce_detail::SumRows;

}  // namespace fuseflow::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // FUSEFLOW_KERNELS_REDUCE_INL_H_
