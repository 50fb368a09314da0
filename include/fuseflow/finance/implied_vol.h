// Implied volatility: the sigma that reproduces an undiscounted (forward) option price, for the
// Black model (lognormal, Black-76 / Black-Scholes with F = S e^{(r-q)t}) and the Bachelier model
// (normal). The method follows the structure of Jäckel's "Let's Be Rational" (2015): reduce to an
// out-of-the-money call on the normalised price b(x, s) = price / sqrt(F K), x = ln(F/K), s = sigma
// sqrt(t); start from an asymptotic inverse in the branch the price falls in; refine with
// Householder steps of order 3 on an objective that is close to linear there (ln b below the
// inflection point, -ln(b_max - b) above it). See src/finance/implied_vol_black.cpp.
//
// Results per input (the scalar functions never throw):
//   price strictly inside the no-arbitrage bounds -> the volatility, |error| <= 1e-12 in sigma where
//     the price determines sigma that well (measured worst 1.2e-13 on the issue grid and random
//     points; tests/cpp/finance/implied_vol_test.cpp), after at most 3 Householder steps (Bachelier:
//     2, relative error 1.2e-13), also for F, K over 1e-150..1e150 and t over 1e-6..1e6;
//   price exactly at intrinsic (max(theta (F - K), 0)) -> 0;
//   Black: price exactly at the upper bound (F for a call, K for a put) -> +infinity;
//   price below intrinsic or above the upper bound, price/F/K/t NaN or infinite, F <= 0 or
//     K <= 0 (Black), t <= 0 -> NaN.
// Bachelier has no upper bound (its price grows without limit in sigma).
#pragma once

#include <cstdint>

#include "fuseflow/finance/european.h"  // Operand, FlagOperand, ErrorMode, InvalidInput

namespace fuseflow::finance {

// Builds the solver's tables now (they are otherwise built on first use): the module does it at
// import, so a fork() can never catch a thread halfway through building them.
void prepare_implied_vol_tables();

double black_implied_volatility(double undiscounted_price, double f, double k, double t, bool is_call) noexcept;
double normal_implied_volatility(double undiscounted_price, double f, double k, double t, bool is_call) noexcept;

// Batch versions. Operands and flags are the pricing kernels' (european.h): an array of any
// element stride, or one value shared by every option (stride 0). Multithreaded above
// kMinImpliedVolsPerThread options (dynamic blocks: the cost per option varies with its branch);
// polls for Ctrl-C once per block (throws Error(kInterrupted)).
// Every slot gets the scalar solver's result (NaN where no volatility exists). With
// ErrorMode::kRaise the first option without an answer is then reported (index >= 0; argument is an
// ImpliedVolArgument, rule says why) for the caller to raise; kNan and kUnchecked report nothing
// (the solver is total, so skipping the checks saves nothing and risks nothing).
enum ImpliedVolArgument : int { kIvPrice = 0, kIvForward, kIvStrike, kIvTime, kNumIvArguments };

struct ImpliedVolInputs {
  Operand price;  // undiscounted (forward) price
  Operand f;      // forward
  Operand k;      // strike
  Operand t;      // time to expiry in years
  FlagOperand is_call;
  std::int64_t size = 0;
};

InvalidInput black_implied_volatility(const ImpliedVolInputs& in, ErrorMode mode, double* out);
InvalidInput normal_implied_volatility(const ImpliedVolInputs& in, ErrorMode mode, double* out);

// Contiguous arrays of length n (is_call: 0 = put, anything else = call); NaN where no answer.
void black_implied_volatility(const double* undiscounted_price, const double* f, const double* k, const double* t,
                              const std::uint8_t* is_call, double* out, std::int64_t n);
void normal_implied_volatility(const double* undiscounted_price, const double* f, const double* k, const double* t,
                               const std::uint8_t* is_call, double* out, std::int64_t n);

// Why one option has no implied volatility (index -1 when it has one): the rule it breaks, checked
// in the order f, k, t, price.
InvalidInput black_implied_volatility_check(double undiscounted_price, double f, double k, double t,
                                            bool is_call) noexcept;
InvalidInput normal_implied_volatility_check(double undiscounted_price, double f, double k, double t,
                                             bool is_call) noexcept;

// Options per thread before a second one joins. A solve costs ~0.3 us, so on an idle machine a few
// hundred would repay a thread's wake-up; measured here (2 cores shared by several builds, load
// ~10), 1 vs 2 threads on the bench workload: 4096 options 1.7 vs 14 ms, 10,000 19 vs 43 ms,
// 30,000 45 vs 43 ms, 100,000 103 vs 93 ms; the wake-up of a descheduled thread dominates below
// ~30,000. (The pricing kernels, ~30x cheaper per option, go parallel from 4,096 per thread.)
inline constexpr std::int64_t kMinImpliedVolsPerThread = 16384;

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

// Levels of Laplace's continued fraction that give the Mills ratio at -w to 2e-16 (w >= 6).
int mills_continued_fraction_depth(double w) noexcept;

// Inverse standard normal CDF, relative accuracy ~1.2e-9 (starting guesses only), of p and of
// ln p (no underflow for tiny p).
double inverse_norm_cdf_approx(double p) noexcept;
double inverse_norm_cdf_from_log(double log_p) noexcept;

}  // namespace detail
}  // namespace fuseflow::finance
