// Per-target vector pricing formulas (Highway), included by european_kernels.cpp once per SIMD
// target. Exactness comes from the normalised Black form (after Jäckel, "Let's Be Rational"):
//
//   call = K df (max(e^x - 1, 0) + e^{x/2} b(-|x|, s)),  put alike,  x = ln(F/K), s = sigma sqrt(t)
//
// where b(-|x|, s), the normalised out-of-the-money price, is never formed as a difference of
// two nearly equal N() terms. With m = |x| / (s sqrt 2) and a = s / (2 sqrt 2):
//
//   b = 1/2 e^{-m^2 - a^2} (erfcx(m - a) - erfcx(m + a))
//
// For small a the bracket is a Taylor series around m (odd terms only, all of one sign), with the
// derivatives of erfcx from y' = 2 m y - 2/sqrt(pi), y^(k+1) = 2 m y^(k) + 2 k y^(k-1): no
// cancellation of order 1/s, which is what breaks the plain formula for short or low-vol options
// (relative error ~1e-12 at s = 0.01). For larger a the bracket is taken directly (cancellation
// at most ~m/(2a) < 30 wherever the price is above 1e-8 of the strike).

#if defined(FUSEFLOW_FINANCE_EUROPEAN_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef FUSEFLOW_FINANCE_EUROPEAN_INL_H_
#undef FUSEFLOW_FINANCE_EUROPEAN_INL_H_
#else
#define FUSEFLOW_FINANCE_EUROPEAN_INL_H_
#endif

#include <hwy/highway.h>

#include <cstddef>
#include <cstdint>
#include <iterator>
#include <limits>

#include "kernels/math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels::HWY_NAMESPACE {
namespace finance_detail {

inline constexpr double kSqrt2 = 1.41421356237309504880;
inline constexpr double kInvSqrt2 = 0.70710678118654752440;
inline constexpr double kInvSqrt2Pi = 0.39894228040143267794;
inline constexpr double kTwoOverSqrtPi = 1.12837916709551257390;
// The Taylor series of the erfcx difference serves a <= kTaylorMaxA (s <= 0.71), the direct
// difference every larger a (there its cancellation is at most ~m/(2a) < 50 where the price
// matters). Each lane's branch depends on its own a only, so an option's result
// is bitwise the same wherever it sits in a batch (and equal to pricing it alone).
inline constexpr double kTaylorMaxA = 0.25;
// Highest odd order of that series: its truncation stays below 2e-17 relative up to a = 0.25
// (worst case m = 0, where the terms fall like a^(k-1) / Gamma(k/2 + 1)).
inline constexpr int kTaylorOrder = 19;
// Beyond this m, e^{-m^2} is zero in float64: erfcx is only evaluated up to it.
inline constexpr double kMaxM = 27.0;

// erfcx(z) for 0 <= z <= kMaxM: the one fit of the kernels' erfc (math_detail::Erfcx), a
// single polynomial for every z (no second branch in the pricing kernels).
using math_detail::Erfcx;

// Sum of the odd Taylor terms -2 sum_{k odd} y^(k)(m) a^k / k! = erfcx(m - a) - erfcx(m + a) up
// to order kTaylorOrder for every lane. With v_k = y^(k) a^k the recurrence of the derivatives
// becomes v_{k+1} = 2 m a v_k + 2 k a^2 v_{k-1}: one FMA on the dependency chain per order, and
// the factorials enter once, as constants, when the odd terms are summed. One fixed order for all
// lanes (not one per lane picked from its a, with the terms past it masked to zero) costs fewer
// vector ops on the loop (no compare and select per term) and keeps a lane's result independent
// of its neighbours all the same.
template <class D, class V>
HWY_INLINE V TaylorDifference(D d, V m, V a) {
  static constexpr double kInvFactorial[20] = {
      1.0, 1.0, 1.0 / 2, 1.0 / 6, 1.0 / 24, 1.0 / 120, 1.0 / 720, 1.0 / 5040, 1.0 / 40320, 1.0 / 362880,
      1.0 / 3628800, 1.0 / 39916800, 1.0 / 479001600, 1.0 / 6227020800.0, 1.0 / 87178291200.0,
      1.0 / 1307674368000.0, 1.0 / 20922789888000.0, 1.0 / 355687428096000.0, 1.0 / 6402373705728000.0,
      1.0 / 121645100408832000.0};
  const V two_ma = hn::Mul(hn::Add(m, m), a);
  const V two_a2 = hn::Mul(hn::Add(a, a), a);
  V v_prev = Erfcx(d, m);                                                          // v0
  V v = hn::Mul(hn::MulSub(hn::Add(m, m), v_prev, hn::Set(d, kTwoOverSqrtPi)), a);  // v1
  V odd_sum = v;
  V k_two_a2 = two_a2;  // k * 2 a^2, stepped by additions (the add ports idle here, the FMA ports do not)
  for (int k = 1; k < kTaylorOrder; k += 2) {
    const V even = hn::MulAdd(two_ma, v, hn::Mul(k_two_a2, v_prev));  // v_{k+1}
    k_two_a2 = hn::Add(k_two_a2, two_a2);
    const V odd = hn::MulAdd(two_ma, even, hn::Mul(k_two_a2, v));  // v_{k+2}
    k_two_a2 = hn::Add(k_two_a2, two_a2);
    odd_sum = hn::MulAdd(odd, hn::Set(d, kInvFactorial[k + 2]), odd_sum);
    v_prev = even;
    v = odd;
  }
  return hn::Mul(odd_sum, hn::Set(d, -2.0));
}

// e^{x/2} b(-|x|, s) for s > 0 (lanes with s == 0 must be masked by the caller).
template <class D, class V>
HWY_INLINE V OtmScaled(D d, V x, V s) {
  const V ax = hn::Abs(x);
  const V m_raw = hn::Mul(hn::Div(ax, s), hn::Set(d, kInvSqrt2));
  const V m = hn::Min(m_raw, hn::Set(d, kMaxM));
  const V a = hn::Mul(s, hn::Set(d, 0.5 * kInvSqrt2));
  // c = e^{x/2 - m^2 - a^2} / 2 with m^2 split exactly (fma) so its rounding stays out of the
  // exponent; the exponent is <= 0 (AM-GM), so c never overflows. The exponent takes the
  // unclamped m (capped only to keep m^2 finite): with the clamped one, c would not vanish.
  const V m_exp = hn::Min(m_raw, hn::Set(d, 1e150));
  const V m2 = hn::Mul(m_exp, m_exp);
  const V m2_lo = hn::MulSub(m_exp, m_exp, m2);
  const V exponent = hn::Sub(hn::NegMulAdd(a, a, hn::MulSub(x, hn::Set(d, 0.5), m2)), m2_lo);
  const V c = hn::Mul(VecExp(d, exponent), hn::Set(d, 0.5));
  const auto taylor_ok = hn::Le(a, hn::Set(d, kTaylorMaxA));
  auto taylor = [&]() HWY_ATTR {
    const V a_t = hn::Min(a, hn::Set(d, kTaylorMaxA));  // lanes served by the direct form
    return hn::Mul(c, TaylorDifference(d, m, a_t));
  };
  auto direct = [&]() HWY_ATTR {
    const V z1 = hn::Sub(m, a);
    const V e1 = Erfcx(d, hn::Min(hn::Abs(z1), hn::Set(d, kMaxM)));
    const V e2 = Erfcx(d, hn::Min(hn::Add(m, a), hn::Set(d, kMaxM)));
    const auto negative = hn::Lt(z1, hn::Zero(d));
    // z1 < 0: erfcx(z1) = 2 e^{z1^2} - erfcx(-z1), and c * 2 e^{z1^2} = e^{min(x, 0)}.
    const V lead = hn::IfThenElseZero(negative, VecExp(d, hn::Min(x, hn::Zero(d))));
    const V bracket = hn::Sub(hn::IfThenElse(negative, hn::Neg(e1), e1), e2);
    return hn::MulAdd(c, bracket, lead);
  };
  if (hn::AllTrue(d, taylor_ok)) return taylor();
  if (hn::AllFalse(d, taylor_ok)) return direct();
  return hn::IfThenElse(taylor_ok, taylor(), direct());
}

// ln(x) for positive normal x without a division (hwy's log divides, and in the price it waits on
// the division forming S/K): x = 2^k z with z in [0.707, 1.414), z in one of 8 intervals picked
// by its top mantissa bits, ln z = -ln(c_i) + log1p(z c_i - 1) with |z c_i - 1| <= 0.0568 and
// log1p by its Taylor series to r^14 (truncation < 3e-19 relative). The interval holding 1 has
// c = 1, so near 1 the result is log1p(z - 1) with z - 1 exact: relative accuracy where
// moneyness needs it. Tables: c_i = 1 / (interval midpoint) rounded, -ln(c_i) in two parts
// (mpmath, 50 digits). Targets with fewer than 8 double lanes use VecLog (no in-register table).
inline constexpr std::uint64_t kLogOffset = 0x3FE6A00000000000ull;  // just below sqrt(1/2)
inline constexpr double kLogInvC[8] = {1.3544973544973544, 1.248780487804878, 1.158371040723982, 1.080168776371308,
                                       1.0, 0.9078014184397163, 0.8152866242038217, 0.7398843930635838};
inline constexpr double kLogCHigh[8] = {-0.30343042941992004, -0.2221674653411543, -0.14701474296180975,
                                        -0.0771173033444312, 0.0, 0.09672962645855114, 0.20421554142869083,
                                        0.30126133057816185};
inline constexpr double kLogCLow[8] = {4.1512585401039935e-18, 1.1664564654755913e-17, -1.6045849809178003e-18,
                                       -1.6980741255382134e-18, 0.0, -4.0291867005826106e-18, 7.9379985298027e-18,
                                       -1.5120043309967385e-17};
// log1p(r) / r = sum (-1)^j r^j / (j + 1)
inline constexpr double kLog1pOverR[14] = {1.0,       -1.0 / 2,  1.0 / 3,   -1.0 / 4,  1.0 / 5,  -1.0 / 6,  1.0 / 7,
                                           -1.0 / 8,  1.0 / 9,   -1.0 / 10, 1.0 / 11, -1.0 / 12, 1.0 / 13, -1.0 / 14};

template <class D, class V>
HWY_INLINE V LogNoDivision(D d, V x) {
  if constexpr (hn::MaxLanes(D()) < 8) {
    return VecLog(d, x);
  } else {
    const auto normal = hn::And(hn::Ge(x, hn::Set(d, std::numeric_limits<double>::min())),
                                hn::Le(x, hn::Set(d, std::numeric_limits<double>::max())));
    if (HWY_UNLIKELY(!hn::AllTrue(d, normal))) return VecLog(d, x);
    const hn::RebindToSigned<D> di;
    const auto bits = hn::BitCast(di, x);
    const auto tmp = hn::Sub(bits, hn::Set(di, static_cast<std::int64_t>(kLogOffset)));
    const auto k = hn::ShiftRight<52>(tmp);  // arithmetic: the binade of x relative to the offset
    const V z = hn::BitCast(d, hn::Sub(bits, hn::ShiftLeft<52>(k)));
    const auto index = hn::IndicesFromVec(d, hn::And(hn::ShiftRight<49>(tmp), hn::Set(di, 7)));
    const V inv_c = hn::TableLookupLanes(hn::LoadU(d, kLogInvC), index);
    const V log_c_high = hn::TableLookupLanes(hn::LoadU(d, kLogCHigh), index);
    const V log_c_low = hn::TableLookupLanes(hn::LoadU(d, kLogCLow), index);
    const V r = hn::MulSub(z, inv_c, hn::Set(d, 1.0));
    const V kf = hn::ConvertTo(d, k);
    using C = math_detail::ExpConstants<double>;
    const V high = hn::MulAdd(kf, hn::Set(d, C::kLn2High), log_c_high);
    const V low = hn::MulAdd(kf, hn::Set(d, C::kLn2Low), log_c_low);
    return hn::Add(high, hn::MulAdd(r, math_detail::Polynomial(d, r, kLog1pOverR), low));
  }
}

// ln(base/strike) to full relative accuracy near the money with one logarithm: the rounded
// ratio's exact residual (fma) corrects it, ln(b/k) = ln(ratio) + rho/b to first order.
template <class D, class V>
HWY_INLINE V LogMoneyness(D d, V base, V strike) {
  const V ratio = hn::Div(base, strike);
  const V residual = hn::NegMulAdd(ratio, strike, base);  // base - ratio * strike, exact
  return hn::Add(LogNoDivision(d, ratio), hn::Div(residual, base));
}

// e^x - 1 for the intrinsic value, from the 8-entry in-register exponential table
// (math_detail::ExpTable<double, 8>, no division, fewer vector ops than the series of VecExpm1):
// x = n ln2 + j ln2/8 + r, |r| <= ln2/16, e^x - 1 = (A - 1) + B + A expm1(r) with
// A + B = 2^n 2^(j/8) (high and low table parts, A exact). |x| < ln2/16 gives A = 1, B = 0: the
// result is expm1(r = x) itself, relatively exact near 0 (series to r^8: truncation < 0.2 ulp);
// elsewhere A - 1 rounds once and A expm1(r) cancels it at most twofold: within ~2 ulp. Targets with
// fewer than 8 double lanes, and |x| > 700, use VecExpm1.
template <class D, class V>
HWY_INLINE V Expm1NoSeries(D d, V x) {
  if constexpr (hn::MaxLanes(D()) < 8) {
    return VecExpm1(d, x);
  } else {
    if (HWY_UNLIKELY(!hn::AllTrue(d, hn::Le(hn::Abs(x), hn::Set(d, 700.0))))) return VecExpm1(d, x);
    using Table = math_detail::ExpTable<double, 8>;
    const hn::RebindToUnsigned<D> du;
    const V shifter = hn::Set(d, math_detail::ExpConstants<double>::kShifter);
    const V shifted = hn::MulAdd(x, hn::Set(d, Table::kScale), shifter);
    const V k = hn::Sub(shifted, shifter);
    const V r = hn::NegMulAdd(k, hn::Set(d, Table::kStepLow), hn::NegMulAdd(k, hn::Set(d, Table::kStepHigh), x));
    V poly = hn::Set(d, Table::kTaylorFrom2[std::size(Table::kTaylorFrom2) - 1]);
    for (std::size_t i = std::size(Table::kTaylorFrom2) - 1; i-- > 0;) {
      poly = hn::MulAdd(poly, r, hn::Set(d, Table::kTaylorFrom2[i]));
    }
    const V expm1_r = hn::MulAdd(hn::Mul(r, r), poly, r);
    const hn::RebindToSigned<D> di;
    const auto index = hn::IndicesFromVec(d, hn::And(hn::BitCast(di, shifted), hn::Set(di, 7)));
    // 2^n, n = floor(k / 8): the shifter's offset is a multiple of 8 and shifts out.
    const auto pow2_bits = hn::ShiftLeft<52>(hn::ShiftRight<Table::kIndexBits>(hn::BitCast(du, shifted)));
    const V pow2 = hn::BitCast(d, hn::Add(hn::BitCast(du, hn::Set(d, 1.0)), pow2_bits));
    const V high = hn::Mul(hn::TableLookupLanes(hn::LoadU(d, Table::kHigh), index), pow2);
    const V low = hn::Mul(hn::TableLookupLanes(hn::LoadU(d, Table::kLow), index), pow2);
    return hn::MulAdd(high, expm1_r, hn::Add(hn::Sub(high, hn::Set(d, 1.0)), low));
  }
}

// Black price on the forward: df K (intrinsic + e^{x/2} b), sign = +1 call / -1 put.
template <class D, class V>
HWY_INLINE V BlackPrice(D d, V x, V s, V df_strike, V sign) {
  const auto has_vol = hn::Gt(s, hn::Zero(d));
  const V otm = hn::IfThenElseZero(has_vol, OtmScaled(d, x, hn::IfThenElse(has_vol, s, hn::Set(d, 1.0))));
  // df K (e^x - 1); past x = 700 e^x overflows while the value (s e^{-qt}) need not: there
  // (df K e^{x/2}) e^{x/2}.
  V itm = hn::Mul(df_strike, Expm1NoSeries(d, x));
  const auto huge = hn::Gt(x, hn::Set(d, 700.0));
  if (HWY_UNLIKELY(!hn::AllFalse(d, huge))) {
    const V half = VecExp(d, hn::Mul(x, hn::Set(d, 0.5)));
    itm = hn::IfThenElse(huge, hn::Mul(hn::Mul(df_strike, half), half), itm);
  }
  const V intrinsic = hn::IfThenElseZero(hn::Gt(hn::Mul(sign, x), hn::Zero(d)), hn::Mul(sign, itm));
  return hn::MulAdd(df_strike, otm, intrinsic);
}

// e^{-x^2/2}, its argument's square split exactly (math_detail::ExpNegSquare); past |x| = 40 it is 0.
template <class D, class V>
HWY_INLINE V ExpHalfSquare(D d, V x) {
  return math_detail::ExpNegSquare(d, hn::Min(hn::Abs(x), hn::Set(d, 40.0)), 0.5);
}

template <class D, class V>
HWY_INLINE V NormPdf(D d, V x) {
  return hn::Mul(ExpHalfSquare(d, x), hn::Set(d, kInvSqrt2Pi));
}

// N(x) given e = e^{-x^2/2} = ExpHalfSquare(x), which the greeks already hold for the density:
// the kernels' norm_cdf without its exponential (full relative accuracy down to subnormals).
using math_detail::NormCdfGivenExp;

// Bachelier: df (max(sign (F - K), 0) + s g(|d|)), g(z) = phi(z) - z N(-z)
//   = e^{-z^2/2} (1/sqrt(2 pi) - z/2 erfcx(z/sqrt 2)): one exponential, cancellation ~z^2 only.
template <class D, class V>
HWY_INLINE V BachelierPrice(D d, V diff, V s, V df, V sign) {
  const auto has_vol = hn::Gt(s, hn::Zero(d));
  const V z = hn::Min(hn::Abs(hn::Div(diff, hn::IfThenElse(has_vol, s, hn::Set(d, 1.0)))), hn::Set(d, 38.0));
  const V zs = hn::Mul(z, hn::Set(d, kInvSqrt2));
  const V bracket = hn::NegMulAdd(hn::Mul(z, hn::Set(d, 0.5)), Erfcx(d, hn::Min(zs, hn::Set(d, kMaxM))),
                                  hn::Set(d, kInvSqrt2Pi));
  const V g = hn::Mul(math_detail::ExpNegSquare(d, z, 0.5), bracket);
  const V time_value = hn::IfThenElseZero(has_vol, hn::Mul(s, g));
  return hn::Mul(df, hn::Add(hn::ZeroIfNegative(hn::Mul(sign, diff)), time_value));
}

}  // namespace finance_detail
}  // namespace fuseflow::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // FUSEFLOW_FINANCE_EUROPEAN_INL_H_
