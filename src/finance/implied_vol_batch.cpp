// Batch implied volatility: independent solves over strided operands. The cost per element varies
// (branch, iterations), so blocks are handed out dynamically; Ctrl-C is polled once per block.
#include <omp.h>

#include <algorithm>
#include <cmath>

#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/finance/implied_vol.h"

namespace fuseflow::finance {
namespace {

constexpr std::int64_t kBlock = 256;  // ~80 us of solves: cheap polling, fine load balance

double at(const Operand& op, std::int64_t i) { return op.data[i * op.stride]; }
bool flag_at(const FlagOperand& op, std::int64_t i) { return op.data[i * op.stride] != 0; }

template <class Solve, class Check>
InvalidInput for_each_option(const ImpliedVolInputs& in, ErrorMode mode, double* out, Solve solve, Check check) {
  const std::int64_t n = in.size;
  if (n <= 0) return {};
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  const auto run_block = [&](std::int64_t block) {
    const std::int64_t end = std::min(n, (block + 1) * kBlock);
    for (std::int64_t i = block * kBlock; i < end; ++i) {
      out[i] = solve(at(in.price, i), at(in.f, i), at(in.k, i), at(in.t, i), flag_at(in.is_call, i));
    }
  };
  const int threads = threads_for(n, kMinImpliedVolsPerThread);
  if (threads <= 1) {
    for (std::int64_t block = 0; block < blocks; ++block) {
      check_interrupt();
      run_block(block);
    }
  } else {
    ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic)
    for (std::int64_t block = 0; block < blocks; ++block) {
      if (interrupt.poll()) continue;
      run_block(block);
    }
    interrupt.rethrow();
  }
  if (mode != ErrorMode::kRaise) return {};
  // Only options without an answer come out NaN: the first NaN is the first offender.
  for (std::int64_t i = 0; i < n; ++i) {
    if (!std::isnan(out[i])) continue;
    InvalidInput bad = check(at(in.price, i), at(in.f, i), at(in.k, i), at(in.t, i), flag_at(in.is_call, i));
    if (bad.index < 0) bad = {0, kIvPrice, "no implied volatility found (a fuseflow bug: please report it)", at(in.price, i)};
    bad.index = i;
    return bad;
  }
  return {};
}

InvalidInput reject(int argument, const char* rule, double value) { return {0, argument, rule, value}; }

// f, k (> 0 and finite for Black; finite for Bachelier) and t (> 0, finite), in that order.
InvalidInput check_common(double f, double k, double t, bool positive) {
  if (!std::isfinite(f)) return reject(kIvForward, "must be finite", f);
  if (positive && !(f > 0.0)) return reject(kIvForward, "must be > 0", f);
  if (!std::isfinite(k)) return reject(kIvStrike, "must be finite", k);
  if (positive && !(k > 0.0)) return reject(kIvStrike, "must be > 0", k);
  if (!std::isfinite(t)) return reject(kIvTime, "must be finite", t);
  if (!(t > 0.0)) return reject(kIvTime, "must be > 0 (no volatility at expiry)", t);
  return {};
}

// The rules both models share: f, k, t (check_common) and a finite price not below intrinsic.
InvalidInput check_common_and_price(double price, double f, double k, double t, bool is_call, bool black) {
  const InvalidInput bad = check_common(f, k, t, black);
  if (bad.index >= 0) return bad;
  if (!std::isfinite(price)) return reject(kIvPrice, "must be finite", price);
  if (price < (is_call ? std::fmax(f - k, 0.0) : std::fmax(k - f, 0.0))) {
    return reject(kIvPrice,
                  is_call ? "is below the intrinsic value max(F - K, 0): no volatility reproduces it"
                          : "is below the intrinsic value max(K - F, 0): no volatility reproduces it",
                  price);
  }
  return {};
}

}  // namespace

InvalidInput black_implied_volatility_check(double price, double f, double k, double t, bool is_call) noexcept {
  const InvalidInput bad = check_common_and_price(price, f, k, t, is_call, true);
  if (bad.index >= 0) return bad;
  if (price > (is_call ? f : k)) {
    return reject(kIvPrice,
                  is_call ? "is above the upper bound F (a call is worth less than the forward at any volatility)"
                          : "is above the upper bound K (a put is worth less than the strike at any volatility)",
                  price);
  }
  return {};
}

InvalidInput normal_implied_volatility_check(double price, double f, double k, double t, bool is_call) noexcept {
  return check_common_and_price(price, f, k, t, is_call, false);
}

InvalidInput black_implied_volatility(const ImpliedVolInputs& in, ErrorMode mode, double* out) {
  return for_each_option(
      in, mode, out,
      [](double p, double f, double k, double t, bool c) { return black_implied_volatility(p, f, k, t, c); },
      black_implied_volatility_check);
}

InvalidInput normal_implied_volatility(const ImpliedVolInputs& in, ErrorMode mode, double* out) {
  return for_each_option(
      in, mode, out,
      [](double p, double f, double k, double t, bool c) { return normal_implied_volatility(p, f, k, t, c); },
      normal_implied_volatility_check);
}

namespace {
ImpliedVolInputs contiguous(const double* price, const double* f, const double* k, const double* t,
                            const std::uint8_t* is_call, std::int64_t n) {
  return {{price, 1}, {f, 1}, {k, 1}, {t, 1}, {is_call, 1}, n};
}
}  // namespace

void black_implied_volatility(const double* price, const double* f, const double* k, const double* t,
                              const std::uint8_t* is_call, double* out, std::int64_t n) {
  black_implied_volatility(contiguous(price, f, k, t, is_call, n), ErrorMode::kNan, out);
}

void normal_implied_volatility(const double* price, const double* f, const double* k, const double* t,
                               const std::uint8_t* is_call, double* out, std::int64_t n) {
  normal_implied_volatility(contiguous(price, f, k, t, is_call, n), ErrorMode::kNan, out);
}

}  // namespace fuseflow::finance
