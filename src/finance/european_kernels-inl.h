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

#include "kernels/math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels::HWY_NAMESPACE {
namespace finance_detail {

inline constexpr double kSqrt2 = 1.41421356237309504880;
inline constexpr double kInvSqrt2 = 0.70710678118654752440;
inline constexpr double kInvSqrt2Pi = 0.39894228040143267794;
inline constexpr double kTwoOverSqrtPi = 1.12837916709551257390;
// Taylor branch for a <= kTaylorMaxA (s <= 0.35): 8 odd terms reach 1e-17 relative there.
inline constexpr double kTaylorMaxA = 0.125;
// Beyond this m, e^{-m^2} is zero in float64: erfcx is only evaluated up to it.
inline constexpr double kMaxM = 27.0;

// erfcx(z) = e^{z^2} erfc(z) for 0 <= z <= kMaxM.
template <class D, class V>
HWY_INLINE V Erfcx(D d, V z) {
  namespace md = math_detail;
  return EvaluateNeededBranches(
      d, hn::Lt(z, hn::Set(d, md::kErfSplit)),
      [&]() HWY_ATTR {
        const V erfc = hn::NegMulAdd(z, md::ErfOverX(d, z), hn::Set(d, 1.0));
        return hn::Mul(VecExp(d, hn::Mul(z, z)), erfc);
      },
      [&]() HWY_ATTR { return md::ErfcPositive(d, z, hn::Set(d, 1.0)); });
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
  return EvaluateNeededBranches(
      d, hn::Le(a, hn::Set(d, kTaylorMaxA)),
      [&]() HWY_ATTR {
        // u_k = y^(k) a^k / k!; u_{k+1} = (2 m a u_k + 2 a^2 u_{k-1}) / (k + 1).
        const V two_ma = hn::Mul(hn::Add(m, m), a);
        const V two_a2 = hn::Mul(hn::Add(a, a), a);
        V u_prev = Erfcx(d, m);                                                    // u0
        V u = hn::Mul(hn::MulSub(hn::Add(m, m), u_prev, hn::Set(d, kTwoOverSqrtPi)), a);  // u1
        V odd_sum = u;
        HWY_UNROLL(1)
        for (int k = 1; k < 15; ++k) {
          const V next = hn::Mul(hn::MulAdd(two_ma, u, hn::Mul(two_a2, u_prev)), hn::Set(d, 1.0 / (k + 1)));
          u_prev = u;
          u = next;
          if (k % 2 == 0) odd_sum = hn::Add(odd_sum, u);  // u_{k+1} with k+1 odd
        }
        return hn::Mul(hn::Mul(c, hn::Set(d, -2.0)), odd_sum);
      },
      [&]() HWY_ATTR {
        const V z1 = hn::Sub(m, a);
        const V z2 = hn::Min(hn::Add(m, a), hn::Set(d, kMaxM));
        const V e1 = Erfcx(d, hn::Min(hn::Abs(z1), hn::Set(d, kMaxM)));
        const V e2 = Erfcx(d, z2);
        const auto negative = hn::Lt(z1, hn::Zero(d));
        // z1 < 0: erfcx(z1) = 2 e^{z1^2} - erfcx(-z1), and c * 2 e^{z1^2} = e^{min(x, 0)}.
        const V lead = hn::IfThenElseZero(negative, VecExp(d, hn::Min(x, hn::Zero(d))));
        const V bracket = hn::Sub(hn::IfThenElse(negative, hn::Neg(e1), e1), e2);
        return hn::MulAdd(c, bracket, lead);
      });
}

// ln(base/strike): through log1p of the exact difference when the ratio is within [1/2, 2]
// (Sterbenz), so near the money x keeps full relative accuracy.
template <class D, class V>
HWY_INLINE V LogMoneyness(D d, V base, V strike) {
  const V ratio = hn::Div(base, strike);
  const auto near = hn::And(hn::Ge(ratio, hn::Set(d, 0.5)), hn::Le(ratio, hn::Set(d, 2.0)));
  return EvaluateNeededBranches(
      d, near, [&]() HWY_ATTR { return VecLog1p(d, hn::Div(hn::Sub(base, strike), strike)); },
      [&]() HWY_ATTR { return VecLog(d, ratio); });
}

// Black price on the forward: df K (intrinsic + e^{x/2} b), sign = +1 call / -1 put.
template <class D, class V>
HWY_INLINE V BlackPrice(D d, V x, V s, V df_strike, V sign) {
  const auto has_vol = hn::Gt(s, hn::Zero(d));
  const V otm = hn::IfThenElseZero(has_vol, OtmScaled(d, x, hn::IfThenElse(has_vol, s, hn::Set(d, 1.0))));
  const V intrinsic = hn::IfThenElseZero(hn::Gt(hn::Mul(sign, x), hn::Zero(d)), hn::Mul(sign, VecExpm1(d, x)));
  return hn::Mul(df_strike, hn::Add(intrinsic, otm));
}

template <class D, class V>
HWY_INLINE V NormPdf(D d, V x) {
  return hn::Mul(math_detail::ExpNegSquare(d, hn::Min(hn::Abs(x), hn::Set(d, 40.0)), 0.5), hn::Set(d, kInvSqrt2Pi));
}

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
