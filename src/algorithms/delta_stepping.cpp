#include "fuseflow/algorithms/delta_stepping.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <limits>

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

double delta_for(double max_weight, std::int64_t max_degree) {
  // Narrow buckets: the hubs' many light edges make distances far shorter than the average
  // degree suggests, and wide buckets then re-relax most edges (R-MAT 20, weights U(0,1):
  // max_w / avg_degree took ~5x longer than this); narrow buckets only cost cheap serial sweeps.
  const double delta = max_weight / static_cast<double>(std::max<std::int64_t>(max_degree, 1));
  return delta > 0.0 ? delta : 1.0;
}

void delta_stepping(const RelaxEdges& edges, double* dist, const std::vector<NodeId>& seeds, double delta) {
  std::vector<NodeId> frontier;
  double base = std::numeric_limits<double>::infinity();
  for (NodeId s : seeds) {
    if (dist[s] > -std::numeric_limits<double>::infinity()) base = std::min(base, dist[s]);
  }
  if (!std::isfinite(base) || edges.num_edges == 0) return;
  const EdgeOffset* off = edges.offsets;
  const NodeId* tgt = edges.neighbours;
  const double* weight = edges.weights;
  const EdgeOffset* ids = edges.weight_ids;
  const std::uint8_t* keep = edges.keep;
  const EdgeOffset* keep_ids = edges.keep_ids;
  const int max_threads = threads_for(edges.num_nodes + edges.num_edges, kMinEdgesPerThread);
  // bins[t][b]: nodes thread t pushed into bucket b (pushed again whenever their distance drops).
  std::vector<std::vector<std::vector<NodeId>>> bins(static_cast<std::size_t>(max_threads));

  // A distance's bucket, counted from the lowest seed's. The settled test below uses this same
  // function, never delta * bucket: (d - base) / delta can round down past the bucket's floor, and
  // a node pushed into bucket b would then look settled in bucket b and never be relaxed.
  auto bin_of = [delta, base](double d) { return static_cast<std::size_t>(std::min((d - base) / delta, kLastBin)); };
  for (NodeId s : seeds) {
    if (!std::isfinite(dist[s])) continue;
    const std::size_t b = bin_of(dist[s]);
    if (b >= bins[0].size()) bins[0].resize(b + 1);
    bins[0][b].push_back(s);
  }
  std::size_t current_bin = 0;
  while (bins[0].size() > current_bin && bins[0][current_bin].empty()) ++current_bin;
  if (current_bin < bins[0].size()) frontier.swap(bins[0][current_bin]);

  // Relaxes the edges of frontier[begin, end) from thread slot t.
  auto relax_range = [&](std::size_t begin, std::size_t end, std::size_t t, std::size_t bin) {
    auto& local_bins = bins[t];
    for (std::size_t i = begin; i < end; ++i) {
      const NodeId u = frontier[i];
      const double du = std::atomic_ref<double>(dist[u]).load(std::memory_order_relaxed);
      if (bin_of(du) < bin) continue;  // settled in an earlier bucket already
      for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
        if (keep != nullptr && keep[keep_ids != nullptr ? keep_ids[e] : e] == 0) continue;
        const double candidate = du + weight[ids != nullptr ? ids[e] : e];
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
}

}  // namespace fuseflow
