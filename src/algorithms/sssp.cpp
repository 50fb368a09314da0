#include "fuseflow/algorithms/sssp.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr std::size_t kNoBin = std::numeric_limits<std::size_t>::max();
constexpr std::int64_t kMinEdgesPerThread = 1 << 15;
// Buckets past this one share it: caps each thread's bucket list (~24 MB) on long paths.
// Processing a node early is still correct (it is re-pushed whenever its distance drops).
constexpr double kLastBin = 1 << 20;

void validate(const Graph& g, std::int64_t source) {
  const std::int64_t n = g.num_nodes();
  if (source < 0 || source >= n) {
    throw_value_error("source", "must be a node id in [0, num_nodes) = [0, " + std::to_string(n) + "), got " +
                                    std::to_string(source));
  }
  if (!g.has_weights() && g.num_edges() > 0) {
    throw_value_error("g", "sssp needs edge weights; build the graph with weights= (bfs counts hops)");
  }
  const auto w = g.out_weights();
  const std::int64_t m = static_cast<std::int64_t>(w.size());
  std::int64_t first_negative = m;
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) reduction(min : first_negative)
  for (std::int64_t e = 0; e < m; ++e) {
    if (w[e] < 0.0) first_negative = std::min(first_negative, e);
  }
  if (first_negative < m) {
    const auto off = g.out_offsets();
    const auto u = std::upper_bound(off.begin(), off.end(), first_negative) - off.begin() - 1;
    throw_value_error("g", "sssp needs non-negative edge weights, but edge " + std::to_string(u) + " -> " +
                               std::to_string(g.out_targets()[first_negative]) + " has weight " +
                               std::to_string(w[first_negative]));
  }
}

// Bucket width: the largest finite weight over the average degree keeps a bucket's work
// near one relaxation per edge (Meyer & Sanders), and bounds the bucket count by ~E.
double choose_delta(const Graph& g) {
  const auto w = g.out_weights();
  const std::int64_t m = static_cast<std::int64_t>(w.size());
  double max_weight = 0.0;
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) reduction(max : max_weight)
  for (std::int64_t e = 0; e < m; ++e) {
    if (std::isfinite(w[e])) max_weight = std::max(max_weight, w[e]);
  }
  const double average_degree = std::max(1.0, static_cast<double>(m) / static_cast<double>(g.num_nodes()));
  const double delta = max_weight / average_degree;
  return delta > 0.0 ? delta : 1.0;
}

// Atomic dist[v] = min(dist[v], candidate); true when candidate was smaller.
bool relax(double* dist, NodeId v, double candidate) {
  std::atomic_ref<double> slot(dist[v]);
  double current = slot.load(std::memory_order_relaxed);
  while (candidate < current) {
    if (slot.compare_exchange_weak(current, candidate, std::memory_order_relaxed)) return true;
  }
  return false;
}

}  // namespace

Buffer<double> sssp(const Graph& g, std::int64_t source, double delta) {
  validate(g, source);
  const std::int64_t n = g.num_nodes();
  const std::int64_t m = g.num_edges();
  if (!(delta > 0.0)) delta = choose_delta(g);
  Buffer<double> dist_buffer(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
  double* dist = dist_buffer.data();
  dist[source] = 0.0;
  if (m == 0) return dist_buffer;

  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const auto weight = g.out_weights();
  // Sized for one push per edge; grown between sweeps in the rare case re-pushes exceed that.
  Buffer<NodeId> frontier(static_cast<std::size_t>(m) + 1);
  frontier[0] = static_cast<NodeId>(source);
  // Two generations of (bucket index, frontier length), alternating between sweeps.
  std::atomic<std::size_t> bin_index[2] = {0, kNoBin};
  std::atomic<std::int64_t> frontier_size[2] = {1, 0};
  std::atomic<bool> stop{false};
  std::exception_ptr interrupted;

#pragma omp parallel num_threads(threads_for(n + m, kMinEdgesPerThread))
  {
    std::vector<std::vector<NodeId>> local_bins;
    std::size_t sweep = 0;
    while (bin_index[sweep & 1].load() != kNoBin && !stop.load()) {
      const std::size_t current_bin = bin_index[sweep & 1].load();
      std::atomic<std::size_t>& next_bin = bin_index[(sweep + 1) & 1];
      const std::int64_t count = frontier_size[sweep & 1].load();
      const double bin_floor = delta * static_cast<double>(current_bin);
#pragma omp for schedule(dynamic, 64) nowait
      for (std::int64_t i = 0; i < count; ++i) {
        const NodeId u = frontier[i];
        const double du = std::atomic_ref<double>(dist[u]).load(std::memory_order_relaxed);
        if (du < bin_floor) continue;  // settled in an earlier bucket already
        for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
          const double candidate = du + weight[e];
          if (relax(dist, tgt[e], candidate)) {
            const std::size_t bin = static_cast<std::size_t>(std::min(candidate / delta, kLastBin));
            if (bin >= local_bins.size()) local_bins.resize(bin + 1);
            local_bins[bin].push_back(tgt[e]);
          }
        }
      }
      // Lowest non-empty bucket of any thread becomes the next one.
      for (std::size_t b = current_bin; b < local_bins.size(); ++b) {
        if (!local_bins[b].empty()) {
          std::size_t seen = next_bin.load();
          while (b < seen && !next_bin.compare_exchange_weak(seen, b)) {
          }
          break;
        }
      }
#pragma omp barrier
      // Reserve frontier slots, grow the frontier if a bucket got unusually many re-pushes,
      // then copy: three phases so no thread writes past the end.
      const std::size_t chosen = next_bin.load();
      const bool mine = chosen < local_bins.size() && !local_bins[chosen].empty();
      std::int64_t at = 0;
      if (mine) at = frontier_size[(sweep + 1) & 1].fetch_add(static_cast<std::int64_t>(local_bins[chosen].size()));
#pragma omp barrier
#pragma omp single
      {
        bin_index[sweep & 1].store(kNoBin);
        frontier_size[sweep & 1].store(0);
        const auto needed = static_cast<std::size_t>(frontier_size[(sweep + 1) & 1].load());
        if (needed > frontier.size()) frontier = Buffer<NodeId>(std::max(needed, 2 * frontier.size()));
      }
      if (mine) {
        auto& bin = local_bins[chosen];
        std::copy(bin.begin(), bin.end(), frontier.data() + at);
        bin.clear();
      }
      ++sweep;
#pragma omp master
      {
        try {
          check_interrupt();
        } catch (...) {
          interrupted = std::current_exception();
          stop.store(true);
        }
      }
#pragma omp barrier
    }
  }
  if (interrupted) std::rethrow_exception(interrupted);
  return dist_buffer;
}

}  // namespace fuseflow
