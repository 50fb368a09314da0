// Normal (Bachelier) implied volatility.
//
// The out-of-the-money price (the time value: price minus intrinsic, by put-call parity the same for
// the call and the put) is pi(nu) = nu psi(-a / nu), a = |F - K|, nu = sigma sqrt(t),
// psi(z) = phi(z) + z Phi(z) = phi(z) (1 + z Y(z)) with Y the Mills ratio. At the money (a = 0)
// nu = pi sqrt(2 pi) exactly. Otherwise: a starting guess from the two asymptotes (pi ~ nu^3 phi(a/nu) / a^2
// far out of the money, pi ~ nu / sqrt(2 pi) - a / 2 + a^2 / (2 sqrt(2 pi) nu) near it, see
// starting_guess), then
// Householder steps of order 3 on ln pi(nu) - ln pi_target, which is close to linear in nu on both
// sides, inside a bracket kept from the signs (bisection if a step would leave it).
// 1 + z Y(z) cancels for z << 0 (relative loss ~ z^2), but the volatility error it causes is that
// relative error times 1 + z Y(z) ~ 1 / z^2: the two cancel (same argument as for Black).
#include <cmath>
#include <limits>

#include "fuseflow/finance/implied_vol.h"

namespace fuseflow::finance {
namespace {

constexpr double kLogSqrt2Pi = 0.91893853320467274178;
constexpr double kSqrt2Pi = 2.50662827463100050242;
constexpr int kMaxIterations = 64;
constexpr double kStepTolerance = 1e-5;
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// 1 + z Y(z) = psi(z) / phi(z) for z < 0, without underflow.
double time_value_factor(double z) {
  if (z >= -6.0) return 1.0 + z * detail::mills_ratio(z);
  // From Laplace's continued fraction Y = 1 / (w + R), R = 1 / (w + 2 / (w + 3 / ...)), w = -z:
  // 1 - w Y = R / (w + R), free of cancellation (same depth as detail::mills_ratio).
  const double w = -z;
  double tail = 0.0;
  for (int level = detail::mills_continued_fraction_depth(w); level >= 2; --level) tail = level / (w + tail);
  const double r = 1.0 / (w + tail);
  return r / (w + r);
}

// ln pi(nu) for a > 0, and rho = pi' / pi.
double log_time_value(double a, double nu, double* rho) {
  const double z = -a / nu;
  const double g = time_value_factor(z);
  *rho = 1.0 / (nu * g);
  return std::log(nu) - 0.5 * z * z - kLogSqrt2Pi + std::log(g);
}

// w = a / nu from the near-the-money expansion: nu^2 - B nu + a^2 / 2 = 0, B = sqrt(2 pi) (pi + a / 2),
// in units of a (log_ratio = ln(pi / a)). Within 3% for ln(pi / a) >= -2.5 except near w ~ 1.1.
double near_money_w(double log_ratio) {
  const double b = kSqrt2Pi * (std::exp(log_ratio) + 0.5);
  const double disc = b * b - 2.0;
  return 1.0 / (disc > 0.0 ? 0.5 * (b + std::sqrt(disc)) : 0.5 * b);
}

// w from the far-out-of-the-money asymptote pi / a ~ phi(w) / w^3 (w^2 / 2 + 3 ln w = -ln(sqrt(2 pi) pi / a)),
// by fixed-point steps. Within 0.3% for ln(pi / a) <= -10.
double far_money_w(double log_ratio) {
  const double rhs = -(log_ratio + kLogSqrt2Pi);
  double w = std::sqrt(2.0 * rhs);
  for (int i = 0; i < 3; ++i) w = std::sqrt(std::fmax(2.0 * (rhs - 3.0 * std::log(w)), 1.0));
  return w;
}

// Starting nu: one of the two asymptotes, or between them (ln(pi/a) in (-10, -2.5)) the straight line
// in sqrt(-ln(pi/a)) joining them, which follows w within 12% (w ~ sqrt(-2 ln(pi/a)) far out).
double starting_guess(double a, double log_target) {
  constexpr double kNear = -2.5;
  constexpr double kFar = -10.0;
  const double log_ratio = log_target - std::log(a);
  double w;
  if (log_ratio >= kNear) {
    w = near_money_w(log_ratio);
  } else if (log_ratio <= kFar) {
    w = far_money_w(log_ratio);
  } else {
    const double u = std::sqrt(-log_ratio);
    const double u_near = std::sqrt(-kNear);
    const double u_far = std::sqrt(-kFar);
    const double w_near = near_money_w(kNear);
    w = w_near + (u - u_near) / (u_far - u_near) * (far_money_w(kFar) - w_near);
  }
  return a / w;
}

double solve_time_value(double a, double log_target, int* iterations) {
  double nu = starting_guess(a, log_target);
  if (!(nu > 0.0) || !std::isfinite(nu)) nu = a;
  double lo = 0.0;
  double hi = kInf;
  int it = 0;
  while (it < kMaxIterations) {
    ++it;
    double rho;
    const double f = log_time_value(a, nu, &rho) - log_target;
    if (f == 0.0) break;
    if (f < 0.0) {
      lo = nu;
    } else {
      hi = nu;
    }
    const double z = -a / nu;
    const double q1 = z * z / nu;                         // pi'' / pi'
    const double q3 = (z * z * z * z - 3.0 * z * z) / (nu * nu);  // pi''' / pi'
    const double h2 = q1 - rho;
    const double h3 = q3 - 3.0 * rho * q1 + 2.0 * rho * rho;
    const double step0 = -f / rho;
    const double step = step0 * (1.0 + 0.5 * h2 * step0) / (1.0 + step0 * (h2 + h3 * step0 / 6.0));
    double next = nu + step;
    if (std::fabs(step) <= kStepTolerance * nu) {  // converged; rounding may have put f on either side
      nu = next;
      break;
    }
    if (!(next > lo && next < hi)) {
      next = nu + step0;
      if (!(next > lo && next < hi)) next = std::isfinite(hi) ? (lo > 0.0 ? std::sqrt(lo * hi) : 0.5 * hi) : 2.0 * nu;
    }
    if (next == nu) break;
    nu = next;
  }
  *iterations = it;
  return nu;
}

}  // namespace

namespace detail {

double normal_implied_volatility_counted(double price, double f, double k, double t, bool is_call,
                                         int* iterations) noexcept {
  *iterations = 0;
  if (!(t > 0.0) || !std::isfinite(f) || !std::isfinite(k) || !std::isfinite(t) || !std::isfinite(price)) {
    return kNaN;
  }
  // The intrinsic value with the rounding error of f - k kept (Knuth's two-sum): deep in the money
  // the time value price - intrinsic is small, and an error of half an ulp of f - k would be
  // all of its error.
  const double diff = is_call ? f - k : k - f;
  const double diff_error = is_call ? two_diff_error(f, k, diff) : two_diff_error(k, f, diff);
  const double intrinsic = std::fmax(diff, 0.0);
  if (price < intrinsic) return kNaN;
  if (price == intrinsic) return 0.0;
  const double time_value = diff > 0.0 ? (price - diff) - diff_error : price;
  const double a = std::fabs(f - k);
  if (!(time_value > 0.0)) return 0.0;
  if (a == 0.0) return kSqrt2Pi * time_value / std::sqrt(t);
  return solve_time_value(a, std::log(time_value), iterations) / std::sqrt(t);
}

}  // namespace detail

double normal_implied_volatility(double undiscounted_price, double f, double k, double t, bool is_call) noexcept {
  int iterations;
  return detail::normal_implied_volatility_counted(undiscounted_price, f, k, t, is_call, &iterations);
}

}  // namespace fuseflow::finance
