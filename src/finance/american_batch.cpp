// Batch entry points of the American kernels: one option per slot, independent, so a dynamic
// OpenMP schedule over blocks (QD-FP costs vary with the regime; the fallback tree is ~100x a
// QD-FP price) with Ctrl-C polled once per block.
#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/finance/american.h"

namespace fuseflow::finance {
namespace {

// Options per block: a QD-FP price costs a few microseconds, so a block is ~1 ms of work.
constexpr std::int64_t kBlock = 256;
// Threads start paying off at a few hundred QD-FP prices (a thread wake-up is ~microseconds).
constexpr std::int64_t kMinOptionsPerThread = 64;

template <class PriceOne>
void run_blocks(std::size_t n, std::int64_t block, int threads, PriceOne&& price_one) {
  const auto total = static_cast<std::int64_t>(n);
  const std::int64_t blocks = (total + block - 1) / block;
  ParallelInterrupt interrupt;
#pragma omp parallel for schedule(dynamic) num_threads(threads)
  for (std::int64_t b = 0; b < blocks; ++b) {
    if (interrupt.poll()) continue;
    const std::int64_t end = std::min(total, (b + 1) * block);
    for (std::int64_t i = b * block; i < end; ++i) price_one(static_cast<std::size_t>(i));
  }
  interrupt.rethrow();
}

}  // namespace

void american_price_batch(AmericanMethod method, const double* s, const double* k, const double* t, const double* r,
                          const double* q, const double* sigma, const std::uint8_t* is_call, double* out,
                          std::size_t n) {
  const int threads = std::max(1, threads_for(static_cast<std::int64_t>(n), kMinOptionsPerThread));
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
