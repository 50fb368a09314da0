// bincount and histogram (see histogram.h).
#include "fuseflow/kernels/histogram.h"

#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::kernels {
namespace {

constexpr std::int64_t kChunk = std::int64_t{1} << 16;  // elements between interrupt polls

// Counts bin_of(i) (a bin < bins, or -1: skip) over i < n with per-thread arrays when the bins
// are few next to n, else serially; per-thread arrays are added in thread order (exact: integers).
template <class BinOf>
Buffer<std::int64_t> count_bins(std::int64_t n, std::int64_t bins, BinOf&& bin_of) {
  Buffer<std::int64_t> counts(static_cast<std::size_t>(bins), 0);
  // Counting is cheap per element: a team pays off only for large inputs (a wake-up and a join
  // cost more than counting 100k values, and far more on a loaded machine).
  int threads = threads_for(n, std::int64_t{1} << 19);
  if (bins > n / 4) threads = 1;  // merging per-thread arrays would cost more than the counting
  // Per-thread arrays are made before the region, zeroed: an allocation failing inside it could
  // not raise, and a thread OpenMP does not start (a smaller team than asked) leaves zeros.
  std::vector<Buffer<std::int64_t>> local;
  if (threads > 1) {
    for (int t = 0; t < threads; ++t) local.emplace_back(static_cast<std::size_t>(bins), 0);
  }
  ParallelInterrupt interrupt;
  const std::int64_t chunks = (n + kChunk - 1) / kChunk;
#pragma omp parallel num_threads(threads)
  {
    std::int64_t* target = threads > 1 ? local[static_cast<std::size_t>(omp_get_thread_num())].data() : counts.data();
#pragma omp for schedule(static)
    for (std::int64_t c = 0; c < chunks; ++c) {
      if (interrupt.poll()) continue;
      const std::int64_t end = std::min(n, (c + 1) * kChunk);
      for (std::int64_t i = c * kChunk; i < end; ++i) {
        const std::int64_t b = bin_of(i);
        if (b >= 0) ++target[b];
      }
    }
  }
  interrupt.rethrow();
  if (threads > 1) {
    for (const auto& part : local) {
      for (std::int64_t b = 0; b < bins; ++b) counts[b] += part[b];
    }
  }
  return counts;
}

}  // namespace

template <class I>
std::int64_t bincount_max(const I* x, std::int64_t n) {
  // One vectorisable min/max pass; the position of the first negative is looked up only when
  // there is one (the error path).
  std::int64_t best = 0;
  std::int64_t least = 0;
  const int threads = threads_for(n, std::int64_t{1} << 19);
#pragma omp parallel for num_threads(threads) reduction(max : best) reduction(min : least) schedule(static)
  for (std::int64_t i = 0; i < n; ++i) {
    const auto value = static_cast<std::int64_t>(x[i]);
    best = std::max(best, value);
    least = std::min(least, value);
  }
  if (least < 0) {
    const std::int64_t first_bad = std::find_if(x, x + n, [](I value) { return value < I(0); }) - x;
    throw_value_error("x", "must hold no negative values (bincount), got " +
                               std::to_string(static_cast<std::int64_t>(x[first_bad])) + " at position " +
                               std::to_string(first_bad));
  }
  return best;
}

template <class I>
Buffer<std::int64_t> bincount(const I* x, std::int64_t n, std::int64_t bins) {
  return count_bins(n, bins, [x](std::int64_t i) { return static_cast<std::int64_t>(x[i]); });
}

template <class I>
Buffer<double> bincount_weighted(const I* x, const double* weights, std::int64_t n, std::int64_t bins) {
  Buffer<double> sums(static_cast<std::size_t>(bins), 0.0);
  for (std::int64_t c = 0; c < n; c += kChunk) {
    const std::int64_t end = std::min(n, c + kChunk);
    for (std::int64_t i = c; i < end; ++i) sums[static_cast<std::int64_t>(x[i])] += weights[i];
    check_interrupt();
  }
  return sums;
}

template <class T, class B>
Buffer<std::int64_t> histogram_uniform(const T* x, std::int64_t n, const B* edges, std::int64_t nbins, double denom,
                                       bool narrow) {
  if (nbins <= 0) throw_value_error("bins", "must be a positive integer, got " + std::to_string(nbins));
  const B first = edges[0];
  const B last = edges[nbins];
  const auto guess = [=](B v) -> std::int64_t {
    if (narrow) return static_cast<std::int64_t>(static_cast<float>(v - first) / static_cast<float>(denom) * static_cast<float>(nbins));
    return static_cast<std::int64_t>(static_cast<double>(v - first) / denom * static_cast<double>(nbins));
  };
  return count_bins(n, nbins, [=](std::int64_t i) -> std::int64_t {
    const B v = static_cast<B>(x[i]);
    if (!(v >= first && v <= last)) return -1;  // outside the range, or NaN
    std::int64_t b = guess(v);
    if (b >= nbins) b = nbins - 1;
    if (b < 0) b = 0;
    if (b > 0 && v < edges[b]) --b;
    if (b < nbins - 1 && v >= edges[b + 1]) ++b;
    return b;
  });
}

template <class T>
Buffer<std::int64_t> histogram_edges(const T* x, std::int64_t n, const double* edges, std::int64_t nbins) {
  if (nbins <= 0) throw_value_error("bins", "must hold at least 2 edges");
  for (std::int64_t i = 0; i < nbins; ++i) {
    if (!(edges[i] <= edges[i + 1])) throw_value_error("bins", "must increase monotonically");
  }
  return count_bins(n, nbins, [=](std::int64_t i) -> std::int64_t {
    const auto v = static_cast<double>(x[i]);
    if (!(v >= edges[0] && v <= edges[nbins])) return -1;
    if (v == edges[nbins]) return nbins - 1;  // the closed last bin (NumPy: searchsorted 'right')
    return (std::upper_bound(edges, edges + nbins + 1, v) - edges) - 1;
  });
}

template std::int64_t bincount_max<std::uint8_t>(const std::uint8_t*, std::int64_t);
template std::int64_t bincount_max<std::int32_t>(const std::int32_t*, std::int64_t);
template std::int64_t bincount_max<std::int64_t>(const std::int64_t*, std::int64_t);
template Buffer<std::int64_t> bincount<std::uint8_t>(const std::uint8_t*, std::int64_t, std::int64_t);
template Buffer<std::int64_t> bincount<std::int32_t>(const std::int32_t*, std::int64_t, std::int64_t);
template Buffer<std::int64_t> bincount<std::int64_t>(const std::int64_t*, std::int64_t, std::int64_t);
template Buffer<double> bincount_weighted<std::uint8_t>(const std::uint8_t*, const double*, std::int64_t, std::int64_t);
template Buffer<double> bincount_weighted<std::int32_t>(const std::int32_t*, const double*, std::int64_t, std::int64_t);
template Buffer<double> bincount_weighted<std::int64_t>(const std::int64_t*, const double*, std::int64_t, std::int64_t);
template Buffer<std::int64_t> histogram_uniform<std::uint8_t, double>(const std::uint8_t*, std::int64_t, const double*, std::int64_t, double, bool);
template Buffer<std::int64_t> histogram_uniform<std::int32_t, double>(const std::int32_t*, std::int64_t, const double*, std::int64_t, double, bool);
template Buffer<std::int64_t> histogram_uniform<std::int64_t, double>(const std::int64_t*, std::int64_t, const double*, std::int64_t, double, bool);
template Buffer<std::int64_t> histogram_uniform<double, double>(const double*, std::int64_t, const double*, std::int64_t, double, bool);
template Buffer<std::int64_t> histogram_uniform<float, float>(const float*, std::int64_t, const float*, std::int64_t, double, bool);
template Buffer<std::int64_t> histogram_edges<std::uint8_t>(const std::uint8_t*, std::int64_t, const double*, std::int64_t);
template Buffer<std::int64_t> histogram_edges<std::int32_t>(const std::int32_t*, std::int64_t, const double*, std::int64_t);
template Buffer<std::int64_t> histogram_edges<std::int64_t>(const std::int64_t*, std::int64_t, const double*, std::int64_t);
template Buffer<std::int64_t> histogram_edges<float>(const float*, std::int64_t, const double*, std::int64_t);
template Buffer<std::int64_t> histogram_edges<double>(const double*, std::int64_t, const double*, std::int64_t);

}  // namespace fuseflow::kernels
