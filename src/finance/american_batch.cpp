// Batch entry points of the American kernels: one option per slot, independent, so a dynamic
// OpenMP schedule over blocks (QD-FP costs vary with the regime; the fallback tree is ~100x a
// QD-FP price) with Ctrl-C polled once per block.
#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/finance/american.h"

namespace fuseflow::finance {
namespace {

// Options per block: a QD-FP price costs a few microseconds, so a block is ~1 ms of work.
constexpr std::int64_t kBlock = 256;
// Threads start paying off at a few hundred QD-FP prices (a thread wake-up is ~microseconds).
constexpr std::int64_t kMinAmericanPerThread = 64;

template <class PriceOne>
void run_blocks(std::size_t n, std::int64_t block, int threads, PriceOne&& price_one) {
  const auto total = static_cast<std::int64_t>(n);
  const std::int64_t blocks = (total + block - 1) / block;
  if (threads <= 1) {  // no parallel region for small batches (one option included)
    for (std::int64_t b = 0; b < blocks; ++b) {
      if (b > 0) check_interrupt();
      const std::int64_t end = std::min(total, (b + 1) * block);
      for (std::int64_t i = b * block; i < end; ++i) price_one(static_cast<std::size_t>(i));
    }
    return;
  }
  ParallelInterrupt interrupt;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (std::int64_t b = 0; b < blocks; ++b) {
    if (interrupt.poll()) continue;
    const std::int64_t end = std::min(total, (b + 1) * block);
    for (std::int64_t i = b * block; i < end; ++i) price_one(static_cast<std::size_t>(i));
  }
  interrupt.rethrow();
}

// Gathers option i's six inputs from strided/shared operands.
struct Gather {
  const EuropeanInputs& in;
  double value(int j, std::int64_t i) const { return in.args[j].data[i * in.args[j].stride]; }
  bool is_call(std::int64_t i) const { return in.is_call.data[i * in.is_call.stride] != 0; }
};

InvalidInput first_invalid(const EuropeanInputs& in) {
  const Gather g{in};
  for (std::int64_t i = 0; i < in.size; ++i) {
    double values[kNumArguments];
    for (int j = 0; j < kNumArguments; ++j) values[j] = g.value(j, i);
    if (!detail::valid_inputs(values[kSpot], values[kStrike], values[kTime], values[kRate], values[kDividend],
                              values[kVol])) {
      return check_option(Model::kBlackScholes, values, i);
    }
  }
  return {};
}

}  // namespace

InvalidInput american_price_checked(AmericanMethod method, const EuropeanInputs& in, ErrorMode mode, double* out) {
  if (mode == ErrorMode::kRaise) {
    const InvalidInput bad = first_invalid(in);
    if (bad.index >= 0) return bad;
  }
  const Gather g{in};
  const int threads = std::max(1, threads_for(in.size, kMinAmericanPerThread));
  run_blocks(static_cast<std::size_t>(in.size), kBlock, threads, [&](std::size_t idx) {
    const auto i = static_cast<std::int64_t>(idx);
    out[idx] = american_price(method, g.value(kSpot, i), g.value(kStrike, i), g.value(kTime, i), g.value(kRate, i),
                              g.value(kDividend, i), g.value(kVol, i), g.is_call(i));
  });
  return {};
}

InvalidInput american_binomial_checked(const EuropeanInputs& in, std::int64_t steps, ErrorMode mode, double* out) {
  if (steps < 1 || steps > kMaxBinomialSteps)
    throw_value_error("steps",
                      "must be in [1, " + std::to_string(kMaxBinomialSteps) + "], got " + std::to_string(steps));
  if (mode == ErrorMode::kRaise) {
    const InvalidInput bad = first_invalid(in);
    if (bad.index >= 0) return bad;
  }
  const Gather g{in};
  const std::int64_t block = steps >= 2000 ? 1 : std::max<std::int64_t>(1, 4000000 / (steps * steps + 1));
  const int threads = std::max(1, threads_for(in.size, steps >= 100 ? 1 : 16));
  std::vector<double> rows(static_cast<std::size_t>(threads) * static_cast<std::size_t>(steps + 1));
  run_blocks(static_cast<std::size_t>(in.size), block, threads, [&](std::size_t idx) {
    const auto i = static_cast<std::int64_t>(idx);
    double* work = rows.data() + static_cast<std::size_t>(omp_get_thread_num()) * static_cast<std::size_t>(steps + 1);
    out[idx] = american_binomial(g.value(kSpot, i), g.value(kStrike, i), g.value(kTime, i), g.value(kRate, i),
                                 g.value(kDividend, i), g.value(kVol, i), g.is_call(i), steps, work);
  });
  return {};
}

void american_price_batch(AmericanMethod method, const double* s, const double* k, const double* t, const double* r,
                          const double* q, const double* sigma, const std::uint8_t* is_call, double* out,
                          std::size_t n) {
  const int threads = std::max(1, threads_for(static_cast<std::int64_t>(n), kMinAmericanPerThread));
  run_blocks(n, kBlock, threads, [&](std::size_t i) {
    out[i] = american_price(method, s[i], k[i], t[i], r[i], q[i], sigma[i], is_call[i] != 0);
  });
}

void american_binomial_batch(const double* s, const double* k, const double* t, const double* r, const double* q,
                             const double* sigma, const std::uint8_t* is_call, std::int64_t steps, double* out,
                             std::size_t n) {
  if (steps < 1 || steps > kMaxBinomialSteps)
    throw_value_error("steps", "must be in [1, " + std::to_string(kMaxBinomialSteps) + "]");
  // One tree row per thread, allocated before the region (no exception may leave it). One tree
  // is O(steps^2): blocks of one option when trees are large, so Ctrl-C is seen between trees.
  const std::int64_t block = steps >= 2000 ? 1 : std::max<std::int64_t>(1, 4000000 / (steps * steps + 1));
  const std::int64_t min_per_thread = steps >= 100 ? 1 : 16;
  const int threads = std::max(1, threads_for(static_cast<std::int64_t>(n), min_per_thread));
  std::vector<double> rows(static_cast<std::size_t>(threads) * static_cast<std::size_t>(steps + 1));
  run_blocks(n, block, threads, [&](std::size_t i) {
    double* work = rows.data() + static_cast<std::size_t>(omp_get_thread_num()) * static_cast<std::size_t>(steps + 1);
    out[i] = american_binomial(s[i], k[i], t[i], r[i], q[i], sigma[i], is_call[i] != 0, steps, work);
  });
}

}  // namespace fuseflow::finance
