// Batched European prices and greeks: one pass over the options, validation fused into it,
// Highway vectors per SIMD target (chosen at run time), OpenMP above kMinOptionsPerThread.
// The formulas live in european_kernels-inl.h; this file loads operands (contiguous, strided or
// shared by all options), checks them, and stores the results.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "finance/european_kernels.cpp"
#include <hwy/foreach_target.h>  // re-includes this file once per compiled target

#include <hwy/cache_control.h>
#include <hwy/highway.h>

#include "finance/european_kernels-inl.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstring>
#include <limits>

#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/finance/european.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels::HWY_NAMESPACE {
namespace {

namespace ff = fuseflow::finance;
namespace fd = finance_detail;

// Options per scheduling block: large enough to amortise the per-block checks, small enough that
// a raise stops soon after the first offender.
constexpr std::int64_t kBlock = 2048;

// The per-vector bodies are inlined into the loop over options: as a call each vector would
// spill its operands and re-dispatch on the model.
#define FUSEFLOW_FINANCE_INLINE __attribute__((always_inline))

using DF = hn::ScalableTag<double>;
using VF = hn::Vec<DF>;
constexpr std::size_t kMaxLanes = HWY_MAX_BYTES / sizeof(double);

// One vector of options: the six argument slots and sign = +1 (call) / -1 (put).
struct Lanes {
  VF arg[ff::kNumArguments];
  VF sign;
};

// Loads options [i, i + count) (count <= lanes). Partial vectors and strided operands go through
// an aligned buffer whose unused lanes repeat the first option, so a lone option evaluates the
// same branches as its neighbours would and the padding never fails a check.
HWY_INLINE void LoadLanes(DF d, const ff::EuropeanInputs& in, std::int64_t i, std::size_t count, Lanes& out) {
  const std::size_t lanes = hn::Lanes(d);
  for (int j = 0; j < ff::kNumArguments; ++j) {
    const ff::Operand& op = in.args[j];
    if (op.stride == 0) {
      out.arg[j] = hn::Set(d, op.data[0]);
    } else if (op.stride == 1 && count == lanes) {
      out.arg[j] = hn::LoadU(d, op.data + i);
    } else {
      HWY_ALIGN double buf[kMaxLanes];
      for (std::size_t l = 0; l < lanes; ++l) {
        const std::size_t src = l < count ? l : 0;
        buf[l] = op.data[(i + static_cast<std::int64_t>(src)) * op.stride];
      }
      out.arg[j] = hn::Load(d, buf);
    }
  }
  const ff::FlagOperand& flag = in.is_call;
  if (flag.stride == 0) {
    out.sign = hn::Set(d, flag.data[0] ? 1.0 : -1.0);
  } else {
    HWY_ALIGN double buf[kMaxLanes];
    for (std::size_t l = 0; l < lanes; ++l) {
      const std::size_t src = l < count ? l : 0;
      buf[l] = flag.data[(i + static_cast<std::int64_t>(src)) * flag.stride] ? 1.0 : -1.0;
    }
    out.sign = hn::Load(d, buf);
  }
}

HWY_INLINE void StoreLanes(DF d, VF v, double* out, std::int64_t i, std::size_t count) {
  if (count == hn::Lanes(d)) {
    hn::StoreU(v, d, out + i);
  } else {
    HWY_ALIGN double buf[kMaxLanes];
    hn::Store(v, d, buf);
    std::memcpy(out + i, buf, count * sizeof(double));
  }
}

// From this many options on, full vectors of results go to memory with streaming (non-temporal)
// stores when the output is vector-aligned: the results no longer fit in cache, and a plain store
// first reads each line it writes (a 1M greeks call writes 72 MB, measured ~8 GB/s on one core
// with plain stores, which bounded the call).
constexpr std::int64_t kStreamMinOptions = std::int64_t{1} << 19;

HWY_INLINE bool CanStream(DF d, std::int64_t n, const double* out) {
  return n >= kStreamMinOptions && reinterpret_cast<std::uintptr_t>(out) % (hn::Lanes(d) * sizeof(double)) == 0;
}

HWY_INLINE void StoreOut(DF d, VF v, double* out, std::int64_t i, std::size_t count, bool stream) {
  if (stream && count == hn::Lanes(d)) {
    hn::Stream(v, d, out + i);
  } else {
    StoreLanes(d, v, out, i, count);
  }
}

// Lanes whose inputs break a rule (finite everywhere; t >= 0; sigma > 0; s, k > 0 except for
// Bachelier). The argument slots the model ignores hold 0 and pass.
HWY_INLINE hn::Mask<DF> InvalidLanes(DF d, ff::Model model, const Lanes& x) {
  // Finite everywhere in one accumulation: a * 0 is NaN exactly when a is infinite or NaN, and a
  // NaN survives every later FMA (half the vector ops of an Abs-and-compare per argument).
  const VF zero = hn::Zero(d);
  VF nan_if_not_finite = hn::Mul(x.arg[0], zero);
  for (int j = 1; j < ff::kNumArguments; ++j) nan_if_not_finite = hn::MulAdd(x.arg[j], zero, nan_if_not_finite);
  auto ok = hn::Eq(nan_if_not_finite, nan_if_not_finite);
  ok = hn::And(ok, hn::Ge(x.arg[ff::kTime], zero));
  // A NaN min only ever meets lanes the finiteness test has already failed.
  VF positive = x.arg[ff::kVol];
  if (model != ff::Model::kBachelier) positive = hn::Min(positive, hn::Min(x.arg[ff::kSpot], x.arg[ff::kStrike]));
  return hn::Not(hn::And(ok, hn::Gt(positive, zero)));
}

// Shared intermediate quantities of the lognormal models.
struct Lognormal {
  VF x;          // ln(F / K)
  VF s;          // sigma sqrt(t)
  VF sqrt_t;
  VF df;         // e^{-r t}
  VF carry_df;   // e^{-q t} (Black-Scholes), e^{-r t} (Black-76): discounts the spot/forward
};

// with_carry_df: only the greeks and the asset digital need e^{-qt}; the prices skip its exp.
HWY_INLINE Lognormal MakeLognormal(DF d, ff::Model model, const Lanes& a, bool with_carry_df) {
  Lognormal l;
  const VF t = a.arg[ff::kTime];
  l.sqrt_t = hn::Sqrt(t);
  l.s = hn::Mul(a.arg[ff::kVol], l.sqrt_t);
  l.df = VecExp(d, hn::Neg(hn::Mul(a.arg[ff::kRate], t)));
  const VF x0 = fd::LogMoneyness(d, a.arg[ff::kSpot], a.arg[ff::kStrike]);
  if (model == ff::Model::kBlack76) {
    l.x = x0;
    l.carry_df = l.df;
  } else {
    l.x = hn::MulAdd(hn::Sub(a.arg[ff::kRate], a.arg[ff::kDividend]), t, x0);
    l.carry_df = with_carry_df ? VecExp(d, hn::Neg(hn::Mul(a.arg[ff::kDividend], t))) : hn::Zero(d);
  }
  return l;
}

// d1 = x/s + s/2 where s > 0; where s == 0 (expiry) +-inf by the sign of x, 0 at the money.
HWY_INLINE VF D1(DF d, VF x, VF s, VF half_shift) {
  const auto has_vol = hn::Gt(s, hn::Zero(d));
  const VF safe_s = hn::IfThenElse(has_vol, s, hn::Set(d, 1.0));
  const VF d1 = hn::MulAdd(s, half_shift, hn::Div(x, safe_s));
  const VF at_expiry = hn::IfThenElseZero(hn::Ne(x, hn::Zero(d)), hn::CopySign(hn::Set(d, 1e300), x));
  return hn::IfThenElse(has_vol, d1, at_expiry);
}

HWY_INLINE VF Price(DF d, ff::Model model, const Lanes& a) {
  if (model == ff::Model::kBachelier) {
    const VF t = a.arg[ff::kTime];
    const VF s = hn::Mul(a.arg[ff::kVol], hn::Sqrt(t));
    const VF df = VecExp(d, hn::Neg(hn::Mul(a.arg[ff::kRate], t)));
    return fd::BachelierPrice(d, hn::Sub(a.arg[ff::kSpot], a.arg[ff::kStrike]), s, df, a.sign);
  }
  const Lognormal l = MakeLognormal(d, model, a, model == ff::Model::kDigitalAsset);
  if (model == ff::Model::kDigitalCash) {
    const VF d2 = D1(d, l.x, l.s, hn::Set(d, -0.5));
    return hn::Mul(l.df, VecNormCdf(d, hn::Mul(a.sign, d2)));
  }
  if (model == ff::Model::kDigitalAsset) {
    const VF d1 = D1(d, l.x, l.s, hn::Set(d, 0.5));
    return hn::Mul(hn::Mul(a.arg[ff::kSpot], l.carry_df), VecNormCdf(d, hn::Mul(a.sign, d1)));
  }
  return fd::BlackPrice(d, l.x, l.s, hn::Mul(a.arg[ff::kStrike], l.df), a.sign);
}

struct GreekLanes {
  VF delta, gamma, vega, theta, rho, dividend_rho, vanna, volga, charm;
};

// Black-Scholes (base = s, carry b = r - q) and Black-76 (base = f, b = 0, the forward discounted
// at r): the generalised Black-Scholes-Merton greeks. sign = +1 call, -1 put.
// no_dividend: Black-Scholes with q the scalar 0 (the default), where e^{-qt} = 1 exactly (as
// the exponential would give it) and its exponential is skipped.
HWY_INLINE GreekLanes LognormalGreeks(DF d, ff::Model model, const Lanes& a, bool no_dividend) {
  Lognormal l = MakeLognormal(d, model, a, !no_dividend);
  if (no_dividend) l.carry_df = hn::Set(d, 1.0);
  const VF base = a.arg[ff::kSpot];
  const VF strike = a.arg[ff::kStrike];
  const VF t = a.arg[ff::kTime];
  const VF r = a.arg[ff::kRate];
  const VF sigma = a.arg[ff::kVol];
  const VF sign = a.sign;
  const bool black76 = model == ff::Model::kBlack76;
  const VF carry_rate = black76 ? r : a.arg[ff::kDividend];              // the "q" of the formulas
  const VF b = black76 ? hn::Zero(d) : hn::Sub(r, a.arg[ff::kDividend]);  // cost of carry
  const auto has_vol = hn::Gt(l.s, hn::Zero(d));
  const VF one = hn::Set(d, 1.0);
  const VF s = hn::IfThenElse(has_vol, l.s, one);
  const VF t_safe = hn::IfThenElse(has_vol, t, one);
  const VF sqrt_t = hn::IfThenElse(has_vol, l.sqrt_t, one);

  const VF d1 = D1(d, l.x, l.s, hn::Set(d, 0.5));
  const VF d2 = hn::Sub(d1, l.s);
  const VF base_df = hn::Mul(base, l.carry_df);
  const VF strike_df = hn::Mul(strike, l.df);
  // One e^{-d1^2/2} serves the density and N(+-d1). e^{-d2^2/2} = e^{-d1^2/2} F/K (as
  // d1^2 - d2^2 = 2x), F/K = S e^{-qt} / (K e^{-rt}): one division instead of an exponential,
  // where that stays normal (|d1| < 30, |x| < 600); lanes outside take the exponential (evaluated
  // only when some lane needs it; each lane's choice is its own, so its bits are too).
  const VF e1 = fd::ExpHalfSquare(d, d1);
  const VF pdf = hn::Mul(e1, hn::Set(d, fd::kInvSqrt2Pi));
  const auto identity_ok = hn::And(hn::Lt(hn::Abs(d1), hn::Set(d, 30.0)), hn::Lt(hn::Abs(l.x), hn::Set(d, 600.0)));
  VF e2 = hn::Mul(e1, hn::Div(base_df, strike_df));
  if (HWY_UNLIKELY(!hn::AllTrue(d, identity_ok))) e2 = hn::IfThenElse(identity_ok, e2, fd::ExpHalfSquare(d, d2));
  const VF n1 = fd::NormCdfGivenExp(d, hn::Mul(sign, d1), e1);  // N(+-d1)
  const VF n2 = fd::NormCdfGivenExp(d, hn::Mul(sign, d2), e2);  // N(+-d2)
  const VF pdf_df = hn::Mul(l.carry_df, pdf);       // e^{-qt} phi(d1)
  const VF base_pdf = hn::Mul(base_df, pdf);        // S e^{-qt} phi(d1)

  GreekLanes g;
  g.delta = hn::Mul(sign, hn::Mul(l.carry_df, n1));
  g.gamma = hn::IfThenElseZero(has_vol, hn::Div(pdf_df, hn::Mul(base, s)));
  g.vega = hn::IfThenElseZero(has_vol, hn::Mul(base_pdf, sqrt_t));
  // theta = -S e^{-qt} phi sigma / (2 sqrt t) - sign ((b - r) S e^{-qt} N1 + r K e^{-rt} N2)
  // Two divisions serve the five quotients below: 1/sigma (vanna, volga) and 1/(2 t s) (decay,
  // with sigma / (2 sqrt t) = s^2 / (2 t s), and charm); the divider is the scarce unit here.
  const VF inv_sigma = hn::Div(one, sigma);
  const VF inv_2ts = hn::Div(one, hn::Mul(hn::Add(t_safe, t_safe), s));
  const VF decay = hn::IfThenElseZero(has_vol, hn::Mul(hn::Mul(base_pdf, hn::Mul(s, s)), inv_2ts));
  const VF carry_terms = hn::MulAdd(hn::Neg(carry_rate), hn::Mul(base_df, n1), hn::Mul(r, hn::Mul(strike_df, n2)));
  g.theta = hn::NegMulAdd(sign, carry_terms, hn::Neg(decay));
  const VF value = hn::Mul(sign, hn::MulSub(base_df, n1, hn::Mul(strike_df, n2)));
  if (black76) {
    g.rho = hn::Neg(hn::Mul(t, value));
    g.dividend_rho = hn::Zero(d);
  } else {
    g.rho = hn::Mul(sign, hn::Mul(hn::Mul(strike_df, t), n2));
    g.dividend_rho = hn::Neg(hn::Mul(sign, hn::Mul(hn::Mul(base_df, t), n1)));
  }
  g.vanna = hn::IfThenElseZero(has_vol, hn::Neg(hn::Mul(hn::Mul(pdf_df, d2), inv_sigma)));
  g.volga = hn::IfThenElseZero(has_vol, hn::Mul(hn::Mul(g.vega, hn::Mul(d1, d2)), inv_sigma));
  // charm = sign q e^{-qt} N1 - e^{-qt} phi (2 b t - d2 s) / (2 t s)
  const VF charm_pdf = hn::Mul(hn::MulSub(hn::Add(b, b), t_safe, hn::Mul(d2, s)), inv_2ts);
  g.charm = hn::MulSub(hn::Mul(sign, carry_rate), hn::Mul(l.carry_df, n1),
                       hn::IfThenElseZero(has_vol, hn::Mul(pdf_df, charm_pdf)));
  return g;
}

// Bachelier: V = df (sign (F - K) N(sign d) + s phi(d)), d = (F - K) / s.
HWY_INLINE GreekLanes BachelierGreeks(DF d, const Lanes& a) {
  const VF t = a.arg[ff::kTime];
  const VF r = a.arg[ff::kRate];
  const VF sigma = a.arg[ff::kVol];
  const VF sign = a.sign;
  const VF sqrt_t = hn::Sqrt(t);
  const VF s_raw = hn::Mul(sigma, sqrt_t);
  const auto has_vol = hn::Gt(s_raw, hn::Zero(d));
  const VF one = hn::Set(d, 1.0);
  const VF s = hn::IfThenElse(has_vol, s_raw, one);
  const VF t_safe = hn::IfThenElse(has_vol, t, one);
  const VF st = hn::IfThenElse(has_vol, sqrt_t, one);
  const VF df = VecExp(d, hn::Neg(hn::Mul(r, t)));
  const VF diff = hn::Sub(a.arg[ff::kSpot], a.arg[ff::kStrike]);
  const VF dd = D1(d, diff, s_raw, hn::Zero(d));
  const VF pdf = fd::NormPdf(d, dd);
  const VF nd = VecNormCdf(d, hn::Mul(sign, dd));
  const VF pdf_df = hn::IfThenElseZero(has_vol, hn::Mul(df, pdf));
  const VF value = fd::BachelierPrice(d, diff, s_raw, df, sign);
  GreekLanes g;
  g.delta = hn::Mul(sign, hn::Mul(df, nd));
  g.gamma = hn::Div(pdf_df, s);
  g.vega = hn::Mul(pdf_df, st);
  g.theta = hn::MulSub(r, value, hn::Div(hn::Mul(pdf_df, sigma), hn::Add(st, st)));
  g.rho = hn::Neg(hn::Mul(t, value));
  g.dividend_rho = hn::Zero(d);
  const VF dd_safe = hn::IfThenElseZero(has_vol, dd);
  g.vanna = hn::Neg(hn::Div(hn::Mul(pdf_df, dd_safe), sigma));
  g.volga = hn::Div(hn::Mul(g.vega, hn::Mul(dd_safe, dd_safe)), sigma);
  g.charm = hn::MulAdd(hn::Mul(sign, r), hn::Mul(df, nd), hn::Div(hn::Mul(pdf_df, dd_safe), hn::Add(t_safe, t_safe)));
  return g;
}

// Black-Scholes digitals: cash-or-nothing V = e^{-rt} N(+-d2), asset-or-nothing
// V = S e^{-qt} N(+-d1); the greeks differentiate those closed forms (derivations in the test,
// which checks each against finite differences). At expiry every greek is 0.
HWY_INLINE GreekLanes DigitalGreeks(DF d, ff::Model model, const Lanes& a) {
  const Lognormal l = MakeLognormal(d, model, a, true);
  const VF base = a.arg[ff::kSpot];
  const VF t = a.arg[ff::kTime];
  const VF r = a.arg[ff::kRate];
  const VF q = a.arg[ff::kDividend];
  const VF sigma = a.arg[ff::kVol];
  const VF sign = a.sign;
  const auto has_vol = hn::Gt(l.s, hn::Zero(d));
  const VF one = hn::Set(d, 1.0);
  const VF s = hn::IfThenElse(has_vol, l.s, one);
  const VF t_safe = hn::IfThenElse(has_vol, t, one);
  const VF d1 = hn::IfThenElseZero(has_vol, D1(d, l.x, l.s, hn::Set(d, 0.5)));
  const VF d2 = hn::Sub(d1, hn::IfThenElseZero(has_vol, l.s));
  const VF b = hn::Sub(r, q);
  const VF two_t = hn::Add(t_safe, t_safe);
  const VF sigma2 = hn::Mul(sigma, sigma);
  GreekLanes g;
  if (model == ff::Model::kDigitalCash) {
    const VF value = Price(d, model, a);
    const VF k = hn::IfThenElseZero(has_vol, hn::Mul(sign, hn::Mul(l.df, fd::NormPdf(d, d2))));  // +-df phi(d2)
    const VF dd2_dt = hn::Div(hn::Sub(hn::Div(hn::Mul(hn::Add(b, b), t_safe), s), d1), two_t);
    g.delta = hn::Div(k, hn::Mul(base, s));
    g.gamma = hn::Neg(hn::Div(hn::Mul(k, d1), hn::Mul(hn::Mul(base, base), hn::Mul(s, s))));
    g.vega = hn::Neg(hn::Div(hn::Mul(k, d1), sigma));
    g.theta = hn::NegMulAdd(k, dd2_dt, hn::IfThenElseZero(has_vol, hn::Mul(r, value)));
    const VF k_t_s = hn::Div(hn::Mul(k, t), s);
    g.rho = hn::Add(hn::Neg(hn::Mul(t, value)), k_t_s);
    g.dividend_rho = hn::Neg(k_t_s);
    g.vanna = hn::Div(hn::Mul(k, hn::MulSub(d1, d2, one)), hn::Mul(hn::Mul(base, s), sigma));
    g.volga = hn::Div(hn::Mul(k, hn::NegMulAdd(hn::Mul(d1, d1), d2, hn::Add(d1, d2))), sigma2);
    // charm = -d delta / dT = delta (r + (d2 (2 b t / s - d1) + 1) / (2 t)), delta = k / (S s).
    const VF bracket = hn::Div(hn::MulAdd(d2, hn::Sub(hn::Div(hn::Mul(hn::Add(b, b), t_safe), s), d1), one), two_t);
    g.charm = hn::IfThenElseZero(has_vol, hn::Mul(g.delta, hn::Add(r, bracket)));
  } else {
    const VF value = Price(d, model, a);
    const VF n1 = VecNormCdf(d, hn::Mul(sign, D1(d, l.x, l.s, hn::Set(d, 0.5))));  // N(+-d1), exact at expiry
    // k = +-e^{-qt} phi(d1)
    const VF k = hn::IfThenElseZero(has_vol, hn::Mul(sign, hn::Mul(l.carry_df, fd::NormPdf(d, d1))));
    const VF dd1_dt = hn::Div(hn::Sub(hn::Div(hn::Mul(hn::Add(b, b), t_safe), s), d2), two_t);
    g.delta = hn::IfThenElseZero(has_vol, hn::MulAdd(l.carry_df, n1, hn::Div(k, s)));
    g.gamma = hn::Neg(hn::Div(hn::Mul(k, d2), hn::Mul(base, hn::Mul(s, s))));
    g.vega = hn::Neg(hn::Div(hn::Mul(hn::Mul(base, k), d2), sigma));
    g.theta = hn::NegMulAdd(hn::Mul(base, k), dd1_dt, hn::IfThenElseZero(has_vol, hn::Mul(q, value)));
    const VF k_t_s = hn::Div(hn::Mul(hn::Mul(base, k), t), s);
    g.rho = k_t_s;
    g.dividend_rho = hn::IfThenElseZero(has_vol, hn::Sub(hn::Neg(hn::Mul(t, value)), k_t_s));
    g.vanna = hn::Div(hn::Mul(k, hn::MulSub(d2, d2, one)), hn::Mul(sigma, s));
    g.volga = hn::Div(hn::Mul(hn::Mul(base, k), hn::NegMulAdd(hn::Mul(d1, d2), d2, hn::Add(d1, d2))), sigma2);
    const VF bracket = hn::Div(hn::MulAdd(d2, dd1_dt, hn::Add(q, hn::Div(one, two_t))), s);
    g.charm = hn::IfThenElseZero(has_vol, hn::MulAdd(hn::Mul(q, l.carry_df), n1, hn::Mul(k, bracket)));
  }
  return g;
}

// Runs `body(lanes, i, count, bad)` over every vector of options, blocks spread over threads.
// Returns the first offending index (kRaise) or -1.
template <class Body>
std::int64_t ForEachVector(const ff::EuropeanInputs& in, ff::ErrorMode mode, const Body& body) {
  const DF d;
  const std::int64_t n = in.size;
  const std::size_t lanes = hn::Lanes(d);
  const std::int64_t num_blocks = (n + kBlock - 1) / kBlock;
  std::atomic<std::int64_t> first_bad{n};
  ParallelInterrupt interrupt;  // Ctrl-C: polled per block by the calling thread
  auto run_blocks = [&](std::int64_t block_begin, std::int64_t block_end) {
    // Streaming stores (StoreOut) are weakly ordered: fence them before this thread's work counts
    // as done, on every way out of the loop.
    struct Fence {
      ~Fence() { hwy::FlushStream(); }
    } fence;
    for (std::int64_t block = block_begin; block < block_end; ++block) {
      if (interrupt.poll()) return;
      const std::int64_t begin = block * kBlock;
      const std::int64_t end = std::min(n, begin + kBlock);
      if (mode == ff::ErrorMode::kRaise && begin > first_bad.load(std::memory_order_relaxed)) return;
      for (std::int64_t i = begin; i < end; i += static_cast<std::int64_t>(lanes)) {
        const std::size_t count = static_cast<std::size_t>(std::min<std::int64_t>(lanes, end - i));
        Lanes x;
        LoadLanes(d, in, i, count, x);
        auto bad = hn::FirstN(d, 0);
        if (mode != ff::ErrorMode::kUnchecked) {
          bad = hn::And(InvalidLanes(d, in.model, x), hn::FirstN(d, count));
          if (HWY_UNLIKELY(!hn::AllFalse(d, bad))) {
            if (mode == ff::ErrorMode::kRaise) {
              const std::int64_t index = i + static_cast<std::int64_t>(hn::FindKnownFirstTrue(d, bad));
              std::int64_t seen = first_bad.load(std::memory_order_relaxed);
              while (index < seen && !first_bad.compare_exchange_weak(seen, index, std::memory_order_relaxed)) {
              }
              return;
            }
          }
        }
        body(x, i, count, bad);
      }
    }
  };
  const int threads = threads_for(n, ff::kMinOptionsPerThread);
  if (threads <= 1) {
    run_blocks(0, num_blocks);
  } else {
#pragma omp parallel num_threads(threads)
    {
      const std::int64_t tid = omp_get_thread_num();
      const std::int64_t nt = omp_get_num_threads();
      run_blocks(num_blocks * tid / nt, num_blocks * (tid + 1) / nt);
    }
  }
  interrupt.rethrow();
  const std::int64_t bad = first_bad.load();
  return bad < n ? bad : -1;
}

// NaN into the offending lanes (errors="nan").
HWY_INLINE VF MaskBad(DF d, hn::Mask<DF> bad, VF v) {
  return hn::IfThenElse(bad, hn::Set(d, std::numeric_limits<double>::quiet_NaN()), v);
}

}  // namespace

std::int64_t PriceBatch(const ff::EuropeanInputs& in, ff::ErrorMode mode, double* out) {
  const DF d;
  const bool stream = CanStream(d, in.size, out);
  return ForEachVector(in, mode, [&](const Lanes& x, std::int64_t i, std::size_t count, hn::Mask<DF> bad) HWY_ATTR FUSEFLOW_FINANCE_INLINE {
    StoreOut(d, MaskBad(d, bad, Price(d, in.model, x)), out, i, count, stream);
  });
}

// One option, every lane the same: the batch formulas (bitwise the same result) without the
// loop, thread and buffer machinery. Inputs are checked by the caller.
double PriceOne(ff::Model model, const double* values, bool is_call) {
  const DF d;
  Lanes x;
  for (int j = 0; j < ff::kNumArguments; ++j) x.arg[j] = hn::Set(d, values[j]);
  x.sign = hn::Set(d, is_call ? 1.0 : -1.0);
  return hn::GetLane(Price(d, model, x));
}

std::int64_t GreeksBatch(const ff::EuropeanInputs& in, ff::ErrorMode mode, const ff::GreekOutputs& out) {
  const DF d;
  bool stream = true;
  for (double* o : {out.delta, out.gamma, out.vega, out.theta, out.rho, out.dividend_rho, out.vanna, out.volga, out.charm}) {
    if (o) stream = stream && CanStream(d, in.size, o);
  }
  return ForEachVector(in, mode, [&](const Lanes& x, std::int64_t i, std::size_t count, hn::Mask<DF> bad) HWY_ATTR {
    const bool lognormal = in.model == ff::Model::kBlackScholes || in.model == ff::Model::kBlack76;
    const ff::Operand& q = in.args[ff::kDividend];
    const bool no_dividend = in.model == ff::Model::kBlackScholes && q.stride == 0 && q.data[0] == 0.0;
    const GreekLanes g = in.model == ff::Model::kBachelier ? BachelierGreeks(d, x)
                         : lognormal                       ? LognormalGreeks(d, in.model, x, no_dividend)
                                                           : DigitalGreeks(d, in.model, x);
    StoreOut(d, MaskBad(d, bad, g.delta), out.delta, i, count, stream);
    StoreOut(d, MaskBad(d, bad, g.gamma), out.gamma, i, count, stream);
    StoreOut(d, MaskBad(d, bad, g.vega), out.vega, i, count, stream);
    StoreOut(d, MaskBad(d, bad, g.theta), out.theta, i, count, stream);
    StoreOut(d, MaskBad(d, bad, g.rho), out.rho, i, count, stream);
    if (out.dividend_rho) StoreOut(d, MaskBad(d, bad, g.dividend_rho), out.dividend_rho, i, count, stream);
    StoreOut(d, MaskBad(d, bad, g.vanna), out.vanna, i, count, stream);
    StoreOut(d, MaskBad(d, bad, g.volga), out.volga, i, count, stream);
    StoreOut(d, MaskBad(d, bad, g.charm), out.charm, i, count, stream);
  });
}

}  // namespace fuseflow::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::kernels {

HWY_EXPORT(PriceBatch);
HWY_EXPORT(GreeksBatch);
HWY_EXPORT(PriceOne);

}  // namespace fuseflow::kernels

namespace fuseflow::finance {
namespace {

InvalidInput describe(const EuropeanInputs& in, std::int64_t index) {
  if (index < 0) return {};
  double values[kNumArguments];
  for (int j = 0; j < kNumArguments; ++j) values[j] = in.args[j].data[index * in.args[j].stride];
  return check_option(in.model, values, index);
}

}  // namespace

InvalidInput european_price(const EuropeanInputs& in, ErrorMode mode, double* out) {
  if (in.size <= 0) return {};
  return describe(in, HWY_DYNAMIC_DISPATCH(kernels::PriceBatch)(in, mode, out));
}

double european_price_one(Model model, const double (&values)[kNumArguments], bool is_call, InvalidInput& bad) {
  bad = check_option(model, values, 0);
  if (bad.index >= 0) return std::numeric_limits<double>::quiet_NaN();
  return HWY_DYNAMIC_DISPATCH(kernels::PriceOne)(model, values, is_call);
}

InvalidInput european_greeks(const EuropeanInputs& in, ErrorMode mode, const GreekOutputs& out) {
  if (in.size <= 0) return {};
  return describe(in, HWY_DYNAMIC_DISPATCH(kernels::GreeksBatch)(in, mode, out));
}

}  // namespace fuseflow::finance
#endif  // HWY_ONCE
