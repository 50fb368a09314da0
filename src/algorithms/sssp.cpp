#include "fuseflow/algorithms/sssp.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/progress.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr std::size_t kNoBin = std::numeric_limits<std::size_t>::max();
constexpr std::int64_t kMinEdgesPerThread = 1 << 15;
// Buckets past this one share it: caps each thread's bucket list (~24 MB) on long paths.
// Processing a node early is still correct (it is re-pushed whenever its distance drops).
constexpr double kLastBin = 1 << 20;

std::string show(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

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
    if (!(w[e] >= 0.0)) first_negative = std::min(first_negative, e);  // negative or NaN
  }
  if (first_negative < m) {
    const auto off = g.out_offsets();
    const auto u = std::upper_bound(off.begin(), off.end(), first_negative) - off.begin() - 1;
    throw_value_error("g", "sssp needs non-negative edge weights, but edge " + std::to_string(u) + " -> " +
                               std::to_string(g.out_targets()[first_negative]) + " has weight " +
                               show(w[first_negative]) +
                               " (weights must be >= 0 and not NaN; +inf is an unusable edge)");
  }
}

// Bucket width: the largest finite weight over the largest out-degree. On power-law graphs
// the hubs' many light edges make distances far shorter than the average degree suggests, and
// wide buckets then re-relax most edges (R-MAT 20, weights U(0,1): max_w / avg_degree took
// ~5x longer than this); narrow buckets only cost cheap serial sweeps.
double choose_delta(const Graph& g) {
  const auto w = g.out_weights();
  const auto degree = g.out_degree();
  const std::int64_t m = static_cast<std::int64_t>(w.size());
  const std::int64_t n = g.num_nodes();
  double max_weight = 0.0;
  std::int64_t max_degree = 1;
#pragma omp parallel num_threads(threads_for(m, kMinEdgesPerThread))
  {
#pragma omp for reduction(max : max_weight) schedule(static) nowait
    for (std::int64_t e = 0; e < m; ++e) {
      if (std::isfinite(w[e])) max_weight = std::max(max_weight, w[e]);
    }
#pragma omp for reduction(max : max_degree) schedule(static)
    for (std::int64_t v = 0; v < n; ++v) max_degree = std::max(max_degree, degree[v]);
  }
  const double delta = max_weight / static_cast<double>(max_degree);
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
  const int max_threads = threads_for(n + m, kMinEdgesPerThread);
  // bins[t][b]: nodes thread t pushed into bucket b (pushed again whenever their distance drops).
  std::vector<std::vector<std::vector<NodeId>>> bins(static_cast<std::size_t>(max_threads));
  std::vector<NodeId> frontier{static_cast<NodeId>(source)};
  std::size_t current_bin = 0;

  // A distance's bucket. The settled test below uses this same function, never delta * bucket:
  // d / delta can round down past the bucket's floor (d < delta * floor(d / delta)), and a node
  // pushed into bucket b would then look settled in bucket b and never be relaxed.
  auto bin_of = [delta](double d) { return static_cast<std::size_t>(std::min(d / delta, kLastBin)); };

  // Relaxes the out-edges of frontier[begin, end) from thread slot t.
  auto relax_range = [&](std::size_t begin, std::size_t end, std::size_t t, std::size_t bin) {
    auto& local_bins = bins[t];
    for (std::size_t i = begin; i < end; ++i) {
      const NodeId u = frontier[i];
      const double du = std::atomic_ref<double>(dist[u]).load(std::memory_order_relaxed);
      if (bin_of(du) < bin) continue;  // settled in an earlier bucket already
      for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
        const double candidate = du + weight[e];
        if (relax(dist, tgt[e], candidate)) {
          const std::size_t target_bin = bin_of(candidate);
          if (target_bin >= local_bins.size()) local_bins.resize(target_bin + 1);
          local_bins[target_bin].push_back(tgt[e]);
        }
      }
    }
  };

  // Progress: frontier nodes scanned (a node is scanned again when its distance drops, so
  // there is no total to show), once per sweep.
  ProgressCounter* progress = current_progress();
  if (progress) progress->begin_stage(0, 0);
  while (!frontier.empty()) {
    check_interrupt();
    if (progress) progress->advance(static_cast<std::int64_t>(frontier.size()));
    // Small sweeps (the start and end of a search, sparse buckets) run serially: a parallel
    // sweep costs thread wake-ups and a barrier, which dominate when there is little work.
    std::int64_t work = 0;
    for (NodeId u : frontier) work += off[u + 1] - off[u];
    const int threads = std::min(max_threads, threads_for(work, kMinEdgesPerThread));
    if (threads <= 1) {
      relax_range(0, frontier.size(), 0, current_bin);
    } else {
      const auto count = static_cast<std::int64_t>(frontier.size());
#pragma omp parallel num_threads(threads)
      {
        const auto t = static_cast<std::size_t>(omp_get_thread_num());
#pragma omp for schedule(dynamic, 64)
        for (std::int64_t i = 0; i < count; ++i) relax_range(static_cast<std::size_t>(i), static_cast<std::size_t>(i) + 1, t, current_bin);
      }
    }
    // The lowest non-empty bucket of any thread (>= the current one) is processed next.
    std::size_t next_bin = kNoBin;
    for (auto& local_bins : bins) {
      for (std::size_t b = current_bin; b < local_bins.size() && b < next_bin; ++b) {
        if (!local_bins[b].empty()) {
          next_bin = b;
          break;
        }
      }
    }
    frontier.clear();
    if (next_bin == kNoBin) break;
    for (auto& local_bins : bins) {
      if (next_bin < local_bins.size()) {
        frontier.insert(frontier.end(), local_bins[next_bin].begin(), local_bins[next_bin].end());
        local_bins[next_bin].clear();
      }
    }
    current_bin = next_bin;
  }
  return dist_buffer;
}

}  // namespace fuseflow
