// Li's QD+ approximation ("Analytical approximations for the critical stock prices of American
// options", 2010): the starting boundary of the QD-FP fixed point, and a price of its own.
// Everything is for the unit-strike put (x = S/K) with r > 0; calls come by symmetry.
#include <cmath>
#include <limits>

#include "fuseflow/finance/american.h"
#include "fuseflow/finance/normal.h"

namespace fuseflow::finance {
namespace detail {
namespace {

// Everything about one time to maturity that does not depend on the trial critical price.
struct QdPlusNode {
  double tau, r, q, sigma;
  double h, alpha, beta, lambda, lambda_prime;
  double vol, inv_vol, disc_r, disc_q, growth_r, log_drift;
  QdPlusNode(double tau_, double r_, double q_, double sigma_) : tau(tau_), r(r_), q(q_), sigma(sigma_) {
    const double var = sigma * sigma;
    h = -std::expm1(-r * tau);
    alpha = 2.0 * r / var;
    beta = 2.0 * (r - q) / var;
    const double root = std::sqrt((beta - 1.0) * (beta - 1.0) + 4.0 * alpha / h);
    lambda = 0.5 * (-(beta - 1.0) - root);
    lambda_prime = alpha / (h * h * root);
    vol = sigma * std::sqrt(tau);
    inv_vol = 1.0 / vol;
    disc_r = std::exp(-r * tau);
    disc_q = std::exp(-q * tau);
    growth_r = 1.0 / disc_r;
    log_drift = (r - q) * tau + 0.5 * vol * vol;
  }
};

struct PutAt {
  double price, theta, delta_abs;  // European put, its calendar theta, e^{-q tau} N(-d+)
};

PutAt put_at(const QdPlusNode& c, double x) noexcept {
  const double d_plus = (std::log(x) + c.log_drift) * c.inv_vol;
  const double d_minus = d_plus - c.vol;
  const double nm = norm_cdf(-d_minus), np = norm_cdf(-d_plus);
  PutAt out;
  out.price = c.disc_r * nm - x * c.disc_q * np;
  out.theta = c.r * c.disc_r * nm - c.q * x * c.disc_q * np -
              0.5 * c.sigma * x * c.disc_q * norm_pdf(d_plus) / std::sqrt(c.tau);
  out.delta_abs = c.disc_q * np;
  return out;
}

// c0 of QD+; `premium` = 1 - x - p(x) > 0 at the critical price.
double qdplus_c0(const QdPlusNode& c, double premium, double theta) noexcept {
  const double g = 2.0 * c.lambda + c.beta - 1.0;
  return -(1.0 - c.h) * c.alpha / g * (1.0 / c.h - c.growth_r * theta / (c.r * premium) + c.lambda_prime / g);
}

// The QD+ smooth-pasting residual at a trial critical price x (increasing in x near the root).
double qdplus_residual(const QdPlusNode& c, double x) noexcept {
  const PutAt p = put_at(c, x);
  const double premium = 1.0 - x - p.price;
  // Where the premium vanishes c0 has a pole; QD (c0 = 0) keeps the residual finite there.
  const double c0 = premium > 1e-12 ? qdplus_c0(c, premium, p.theta) : 0.0;
  return (1.0 - p.delta_abs) * x + (c.lambda + c0) * premium;
}

// Bracketed Illinois regula falsi on (0, cap]: the slow, safe path.
double bracketed_root(const QdPlusNode& c, double guess, double cap) noexcept {
  auto f = [&](double x) { return qdplus_residual(c, x); };
  double hi = (guess > 0.0 && guess < cap) ? guess : cap;
  double f_hi = f(hi);
  if (!(f_hi > 0.0)) {
    hi = cap;
    f_hi = f(hi);
  }
  if (!(f_hi > 0.0)) return std::isfinite(guess) && guess > 0.0 && guess <= cap ? guess : cap;
  double lo = hi, f_lo = f_hi;
  for (int i = 0; i < 60 && !(f_lo < 0.0); ++i) {
    lo *= 0.8;
    f_lo = f(lo);
  }
  if (!(f_lo < 0.0)) return hi;
  int side = 0;
  for (int it = 0; it < 60; ++it) {
    const double x = (lo * f_hi - hi * f_lo) / (f_hi - f_lo);
    const double fx = f(x);
    if (!std::isfinite(fx)) break;
    if (fx > 0.0) {
      hi = x;
      f_hi = fx;
      if (side == 1) f_lo *= 0.5;
      side = 1;
    } else {
      lo = x;
      f_lo = fx;
      if (side == -1) f_hi *= 0.5;
      side = -1;
    }
    if (hi - lo <= 1e-15 * hi || fx == 0.0) break;
  }
  return 0.5 * (lo + hi);
}

}  // namespace

double qdplus_boundary_unit(double tau, double r, double q, double sigma, double guess) noexcept {
  const double cap = q > r ? r / q : 1.0;
  if (!(tau > 0.0)) return cap;
  const QdPlusNode c(tau, r, q, sigma);
  // Secant from the guess (the neighbouring node's root: close, so ~5 evaluations); anything
  // unusual (leaving (0, cap], no progress, non-finite) hands over to the bracketed search.
  double x0 = (guess > 0.0 && guess <= cap) ? guess : cap;
  double x1 = 0.97 * x0;
  double f0 = qdplus_residual(c, x0), f1 = qdplus_residual(c, x1);
  // Converged to rounding (not to a looser tolerance): the price is then a smooth function of the
  // inputs to ~1e-14, which the finite-difference greeks of the front end rely on.
  for (int it = 0; it < 20; ++it) {
    if (!std::isfinite(f0) || !std::isfinite(f1)) break;
    if (f1 == f0) {  // no progress left at double precision, or a flat stretch (then bracket)
      if (std::fabs(x1 - x0) <= 1e-12 * x1) return x1;
      break;
    }
    const double x2 = x1 - f1 * (x1 - x0) / (f1 - f0);
    if (!(x2 > 0.0 && x2 <= cap)) break;
    if (std::fabs(x2 - x1) <= 1e-15 * x2) return x2;
    x0 = x1;
    f0 = f1;
    x1 = x2;
    f1 = qdplus_residual(c, x1);
  }
  return bracketed_root(c, guess, cap);
}

double qdplus_put_unit(double x, double t, double r, double q, double sigma) noexcept {
  const double cap = q > r ? r / q : 1.0;
  const double b_star = qdplus_boundary_unit(t, r, q, sigma, cap);
  if (x <= b_star) return 1.0 - x;
  const QdPlusNode c(t, r, q, sigma);
  const PutAt p_star = put_at(c, b_star);
  const double premium = 1.0 - b_star - p_star.price;
  const double g = 2.0 * c.lambda + c.beta - 1.0;
  const double c0 = premium > 1e-12 ? qdplus_c0(c, premium, p_star.theta) : 0.0;
  const double b = (1.0 - c.h) * c.alpha * c.lambda_prime / (2.0 * g);
  const double ln_ratio = std::log(x / b_star);
  const double chi = b * ln_ratio * ln_ratio + c0 * ln_ratio;
  const double european = european_put_unit(x, t, r, q, sigma);
  const double value = european + premium / (1.0 - chi) * std::exp(c.lambda * ln_ratio);
  return std::fmax(value, 1.0 - x);
}

}  // namespace detail

double american_qdplus(double s, double k, double t, double r, double q, double sigma, bool is_call) noexcept {
  if (!detail::valid_inputs(s, k, t, r, q, sigma)) return std::numeric_limits<double>::quiet_NaN();
  if (t == 0.0) return std::fmax(is_call ? s - k : k - s, 0.0);
  // Put of the symmetric problem for a call: spot K, strike S, rates swapped.
  const double x = is_call ? k / s : s / k, scale = is_call ? s : k;
  const double rr = is_call ? q : r, qq = is_call ? r : q;
  if (detail::put_regime(rr, qq) != detail::PutRegime::kOneBoundary)
    return american_qdfp(s, k, t, r, q, sigma, is_call);
  return scale * detail::qdplus_put_unit(x, t, rr, qq, sigma);
}

}  // namespace fuseflow::finance
