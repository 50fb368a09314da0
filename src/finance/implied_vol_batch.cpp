// Batch implied volatility: independent solves over contiguous arrays. The cost per element varies
// (branch, iterations), so blocks are handed out dynamically; Ctrl-C is polled once per block.
#include <omp.h>

#include <algorithm>

#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/finance/implied_vol.h"

namespace fuseflow::finance {
namespace {

constexpr std::int64_t kBlock = 256;  // ~50-100 us of solves: cheap polling, fine load balance
// One solve costs ~0.2-0.5 us; below ~8 blocks per thread a thread wake-up is not worth it.
constexpr std::int64_t kMinPerThread = 2048;

template <class Solve>
void for_each_option(const double* price, const double* f, const double* k, const double* t,
                     const std::uint8_t* is_call, double* out, std::int64_t n, Solve solve) {
  if (n <= 0) return;
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  const auto run_block = [&](std::int64_t block) {
    const std::int64_t end = std::min(n, (block + 1) * kBlock);
    for (std::int64_t i = block * kBlock; i < end; ++i) out[i] = solve(price[i], f[i], k[i], t[i], is_call[i] != 0);
  };
  const int threads = threads_for(n, kMinPerThread);
  if (threads <= 1) {
    for (std::int64_t block = 0; block < blocks; ++block) {
      check_interrupt();
      run_block(block);
    }
    return;
  }
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic)
  for (std::int64_t block = 0; block < blocks; ++block) {
    if (interrupt.poll()) continue;
    run_block(block);
  }
  interrupt.rethrow();
}

}  // namespace

void black_implied_volatility(const double* undiscounted_price, const double* f, const double* k, const double* t,
                              const std::uint8_t* is_call, double* out, std::int64_t n) {
  for_each_option(undiscounted_price, f, k, t, is_call, out, n,
                  [](double p, double ff, double kk, double tt, bool c) { return black_implied_volatility(p, ff, kk, tt, c); });
}

void normal_implied_volatility(const double* undiscounted_price, const double* f, const double* k, const double* t,
                               const std::uint8_t* is_call, double* out, std::int64_t n) {
  for_each_option(undiscounted_price, f, k, t, is_call, out, n,
                  [](double p, double ff, double kk, double tt, bool c) { return normal_implied_volatility(p, ff, kk, tt, c); });
}

}  // namespace fuseflow::finance
