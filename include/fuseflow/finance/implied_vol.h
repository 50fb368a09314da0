// Implied volatility: the sigma that reproduces an undiscounted (forward) option price, for the
// Black model (lognormal, Black-76 / Black-Scholes with F = S e^{(r-q)t}) and the Bachelier model
// (normal). The method follows the structure of Jäckel's "Let's Be Rational" (2015): reduce to an
// out-of-the-money call on the normalised price b(x, s) = price / sqrt(F K), x = ln(F/K), s = sigma
// sqrt(t); start from an asymptotic inverse in the branch the price falls in; refine with
// Householder steps of order 3 on an objective that is close to linear there (ln b below the
// inflection point, -ln(b_max - b) above it). See src/finance/implied_vol_black.cpp.
//
// Results per input (the scalar functions never throw):
//   price strictly inside the no-arbitrage bounds -> the volatility, |error| <= 1e-12 in sigma
//     (|ln(F/K)| <= 700; measured far below that, see tests/cpp/finance/implied_vol_test.cpp);
//   price exactly at intrinsic (max(theta (F - K), 0)) -> 0;
//   Black: price exactly at the upper bound (F for a call, K for a put) -> +infinity;
//   price below intrinsic or above the upper bound, price/F/K/t NaN or infinite, F <= 0 or
//     K <= 0 (Black), t <= 0 -> NaN.
// Bachelier has no upper bound (its price grows without limit in sigma).
#pragma once

#include <cstdint>

namespace fuseflow::finance {

double black_implied_volatility(double undiscounted_price, double f, double k, double t, bool is_call) noexcept;
double normal_implied_volatility(double undiscounted_price, double f, double k, double t, bool is_call) noexcept;

// Batch versions over contiguous arrays of length n (is_call: 0 = put, anything else = call).
// Multithreaded above a size threshold; polls for Ctrl-C per block (throws Error(kInterrupted)).
void black_implied_volatility(const double* undiscounted_price, const double* f, const double* k, const double* t,
                              const std::uint8_t* is_call, double* out, std::int64_t n);
void normal_implied_volatility(const double* undiscounted_price, const double* f, const double* k, const double* t,
                               const std::uint8_t* is_call, double* out, std::int64_t n);

namespace detail {

// The same solvers, also reporting the number of Householder steps taken (for tests and benches).
double black_implied_volatility_counted(double undiscounted_price, double f, double k, double t, bool is_call,
                                        int* iterations) noexcept;
double normal_implied_volatility_counted(double undiscounted_price, double f, double k, double t, bool is_call,
                                         int* iterations) noexcept;

// ln b(x, s) of the normalised out-of-the-money Black call, x <= 0, s > 0 (no underflow).
double log_normalised_black_call(double x, double s) noexcept;

// Mills ratio Phi(z) / phi(z) for z <= 0, relative accuracy ~1e-15 (no underflow for any z).
double mills_ratio(double z) noexcept;

// The rounding error of diff = a - b: a - b == diff + error exactly (Knuth's two-sum).
inline double two_diff_error(double a, double b, double diff) noexcept {
  const double b_virtual = a - diff;
  return (a - (diff + b_virtual)) + (b_virtual - b);
}

// Inverse standard normal CDF, relative accuracy ~1.2e-9 (starting guesses only).
double inverse_norm_cdf_approx(double p) noexcept;

}  // namespace detail
}  // namespace fuseflow::finance
