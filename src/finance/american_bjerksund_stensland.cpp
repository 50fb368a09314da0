// Bjerksund-Stensland (2002), "Closed form valuation of American options": the call's exercise
// boundary is replaced by two flat triggers, I2 on [0, t1] and I1 on [t1, T] with
// t1 = (sqrt(5) - 1) T / 2, and the price of that exercise strategy (a lower bound) has a closed
// form in univariate and bivariate normal distributions. Puts use the put-call transformation
// P(S, K, r, q) = C(K, S, q, r). Formulas as given in the paper (and in Haug's "Complete Guide to
// Option Pricing Formulas", 2nd ed., 3.1.3), b = r - q the cost of carry.
#include <cmath>
#include <limits>

#include "fuseflow/finance/american.h"
#include "fuseflow/finance/normal.h"

namespace fuseflow::finance {
namespace {

constexpr int kBvnPoints = 24;

// Bivariate normal P(X <= a, Y <= b) at correlation +-rho0, rho0 = sqrt(t1 / T) = 0.786 fixed by
// the method: Phi(a) Phi(b) + 1/(2 pi) int_0^{asin rho} exp(-(a^2 + b^2 - 2ab sin t) / (2 cos^2 t)) dt
// (the Plackett/Drezner form). |rho0| < 0.8 keeps cos^2 >= 0.38 on the path, so the integrand is
// smooth and 24 Gauss-Legendre points reach double precision.
struct BvnRule {
  double sin_t[kBvnPoints], inv_two_cos2[kBvnPoints], weight[kBvnPoints];
  BvnRule() {
    const double rho = std::sqrt(0.5 * (std::sqrt(5.0) - 1.0));
    const double top = std::asin(rho);
    const detail::PhiRule rule = detail::phi_rule(kBvnPoints);
    for (int i = 0; i < kBvnPoints; ++i) {
      const double t = 0.5 * top * (1.0 + rule.node[i]);
      sin_t[i] = std::sin(t);
      const double c = std::cos(t);
      inv_two_cos2[i] = 0.5 / (c * c);
      weight[i] = 0.5 * top * rule.node_weight[i] / (2.0 * 3.14159265358979323846);
    }
  }
};

const BvnRule& bvn_rule() noexcept {
  static const BvnRule rule;
  return rule;
}

// sign = +1 for correlation +rho0, -1 for -rho0.
double bvn(double a, double b, double sign) noexcept {
  const BvnRule& rule = bvn_rule();
  const double ss = a * a + b * b, ab = 2.0 * a * b * sign;
  double sum = 0.0;
  for (int i = 0; i < kBvnPoints; ++i)
    sum += rule.weight[i] * std::exp(-(ss - ab * rule.sin_t[i]) * rule.inv_two_cos2[i]);
  return std::fmax(norm_cdf(a) * norm_cdf(b) + sign * sum, 0.0);
}

}  // namespace

namespace detail {
double bs_phi(double s, double t, double gamma, double h, double i, const Carry& c) noexcept {
  const double var = c.sigma * c.sigma;
  const double vol = c.sigma * std::sqrt(t);
  const double lambda = (-c.r + gamma * c.b + 0.5 * gamma * (gamma - 1.0) * var) * t;
  const double d = -(std::log(s / h) + (c.b + (gamma - 0.5) * var) * t) / vol;
  const double kappa = 2.0 * c.b / var + 2.0 * gamma - 1.0;
  const double log_is = std::log(i / s);
  return std::exp(lambda + gamma * std::log(s)) *
         (norm_cdf(d) - std::exp(kappa * log_is) * norm_cdf(d - 2.0 * log_is / vol));
}
}  // namespace detail

namespace {
using detail::Carry;
double phi(double s, double t, double gamma, double h, double i, const Carry& c) noexcept {
  return detail::bs_phi(s, t, gamma, h, i, c);
}

double psi(double s, double t, double gamma, double h, double i2, double i1, double t1, const Carry& c) noexcept {
  const double var = c.sigma * c.sigma;
  const double v1 = c.sigma * std::sqrt(t1), v = c.sigma * std::sqrt(t);
  const double drift = c.b + (gamma - 0.5) * var;
  const double e1 = (std::log(s / i1) + drift * t1) / v1;
  const double e2 = (std::log(i2 * i2 / (s * i1)) + drift * t1) / v1;
  const double e3 = (std::log(s / i1) - drift * t1) / v1;
  const double e4 = (std::log(i2 * i2 / (s * i1)) - drift * t1) / v1;
  const double f1 = (std::log(s / h) + drift * t) / v;
  const double f2 = (std::log(i2 * i2 / (s * h)) + drift * t) / v;
  const double f3 = (std::log(i1 * i1 / (s * h)) + drift * t) / v;
  const double f4 = (std::log(s * i1 * i1 / (h * i2 * i2)) + drift * t) / v;
  const double kappa = 2.0 * c.b / var + 2.0 * gamma - 1.0;
  const double lambda = -c.r + gamma * c.b + 0.5 * gamma * (gamma - 1.0) * var;
  return std::exp(lambda * t + gamma * std::log(s)) *
         (bvn(-e1, -f1, 1.0) - std::exp(kappa * std::log(i2 / s)) * bvn(-e2, -f2, 1.0) -
          std::exp(kappa * std::log(i1 / s)) * bvn(-e3, -f3, -1.0) +
          std::exp(kappa * std::log(i1 / i2)) * bvn(-e4, -f4, -1.0));
}

// The 2002 call; NaN when the method has no answer (beta undefined for some r < 0).
double call_bs2002(double s, double k, double t, double r, double b, double sigma) noexcept {
  const double var = sigma * sigma;
  const double t1 = 0.5 * (std::sqrt(5.0) - 1.0) * t;
  const double beta = (0.5 - b / var) + std::sqrt((b / var - 0.5) * (b / var - 0.5) + 2.0 * r / var);
  const double b_inf = beta / (beta - 1.0) * k;
  const double b_0 = std::fmax(k, r / (r - b) * k);
  const double scale = k * k / ((b_inf - b_0) * b_0);
  const double h1 = -(b * t1 + 2.0 * sigma * std::sqrt(t1)) * scale;
  const double h2 = -(b * t + 2.0 * sigma * std::sqrt(t)) * scale;
  const double i1 = b_0 + (b_inf - b_0) * (1.0 - std::exp(h1));
  const double i2 = b_0 + (b_inf - b_0) * (1.0 - std::exp(h2));
  if (s >= i2) return s - k;
  const double alpha1 = (i1 - k) * std::exp(-beta * std::log(i1));
  const double alpha2 = (i2 - k) * std::exp(-beta * std::log(i2));
  const Carry c{r, b, sigma};
  const double value = alpha2 * std::exp(beta * std::log(s)) - alpha2 * phi(s, t1, beta, i2, i2, c) +
                       phi(s, t1, 1.0, i2, i2, c) - phi(s, t1, 1.0, i1, i2, c) - k * phi(s, t1, 0.0, i2, i2, c) +
                       k * phi(s, t1, 0.0, i1, i2, c) + alpha1 * phi(s, t1, beta, i1, i2, c) -
                       alpha1 * psi(s, t, beta, i1, i2, i1, t1, c) + psi(s, t, 1.0, i1, i2, i1, t1, c) -
                       psi(s, t, 1.0, k, i2, i1, t1, c) - k * psi(s, t, 0.0, i1, i2, i1, t1, c) +
                       k * psi(s, t, 0.0, k, i2, i1, t1, c);
  return value;
}

}  // namespace

double american_bjerksund_stensland(double s, double k, double t, double r, double q, double sigma,
    bool is_call) noexcept {
  return detail::closed_form_american(&call_bs2002, s, k, t, r, q, sigma, is_call);
}

}  // namespace fuseflow::finance
