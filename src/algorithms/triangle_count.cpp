#include "fuseflow/algorithms/triangle_count.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "fuseflow/algorithms/simple_view.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr std::int64_t kMinWorkPerThread = 1 << 13;
constexpr std::int64_t kShortList = 16;

}  // namespace

TriangleCounts triangle_count(const Graph& g) {
  const std::int64_t n = g.num_nodes();
  const SimpleAdjacency adj = simple_undirected(g);
  TriangleCounts result;
  result.per_node = Buffer<std::int64_t>(static_cast<std::size_t>(n), 0);
  result.degree = Buffer<std::int64_t>(static_cast<std::size_t>(n));
  for (std::int64_t v = 0; v < n; ++v) result.degree[v] = adj.degree(v);
  if (n == 0) return result;
  const int threads = threads_for(n + adj.offsets[n], kMinWorkPerThread);

  // Rank = position in (degree, id) order, by a counting sort on degree (stable in id).
  std::int64_t max_degree = 0;
  for (std::int64_t v = 0; v < n; ++v) max_degree = std::max(max_degree, result.degree[v]);
  Buffer<std::int64_t> start(static_cast<std::size_t>(max_degree + 2), 0);
  for (std::int64_t v = 0; v < n; ++v) ++start[result.degree[v] + 1];
  for (std::int64_t d = 0; d <= max_degree; ++d) start[d + 1] += start[d];
  Buffer<NodeId> rank(static_cast<std::size_t>(n)), node_of(static_cast<std::size_t>(n));
  for (std::int64_t v = 0; v < n; ++v) {
    const std::int64_t r = start[result.degree[v]]++;
    rank[v] = static_cast<NodeId>(r);
    node_of[r] = static_cast<NodeId>(v);
  }

  // Oriented lists in rank space: up[r] = the higher ranks among r's neighbours, ascending.
  // Every triangle r < s < t is then found once, at r, as t in both up[r] and up[s];
  // the orientation bounds each list by sqrt(2m), so hubs cost little.
  Buffer<EdgeOffset> off(static_cast<std::size_t>(n + 1), 0);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1024)
  for (std::int64_t r = 0; r < n; ++r) {
    const NodeId u = node_of[r];
    std::int64_t k = 0;
    for (EdgeOffset e = adj.offsets[u]; e < adj.offsets[u + 1]; ++e) k += rank[adj.targets[e]] > r;
    off[r + 1] = k;
  }
  for (std::int64_t r = 0; r < n; ++r) off[r + 1] += off[r];
  Buffer<NodeId> up(static_cast<std::size_t>(std::max<EdgeOffset>(off[n], 1)));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1024)
  for (std::int64_t r = 0; r < n; ++r) {
    const NodeId u = node_of[r];
    EdgeOffset at = off[r];
    for (EdgeOffset e = adj.offsets[u]; e < adj.offsets[u + 1]; ++e) {
      if (rank[adj.targets[e]] > r) up[at++] = rank[adj.targets[e]];
    }
    sort_ids(up.data() + off[r], up.data() + at);
  }

  // Per-thread counts (no atomics on the hubs every triangle touches), summed at the end in
  // thread order: integer sums, so the result is exact at any thread count. Allocated before
  // the region: nothing may throw inside it.
  // Lists up to kShortList ids are intersected by a merge of the two sorted lists; longer ones
  // mark their members in a per-thread array of n entries, allocated only if some list is that
  // long (not on a road grid, where they would be 16 MB per thread of fresh pages for nothing).
  std::int64_t longest = 0;
  for (std::int64_t r = 0; r < n; ++r) longest = std::max<std::int64_t>(longest, off[r + 1] - off[r]);
  std::vector<Buffer<std::int64_t>> local;
  std::vector<Buffer<NodeId>> marks;  // marks[t][x] == r: rank x is in up[r] (no clearing needed)
  for (int t = 0; t < threads; ++t) {
    local.emplace_back(static_cast<std::size_t>(n), 0);
    if (longest > kShortList) marks.emplace_back(static_cast<std::size_t>(n), -1);
  }
  std::int64_t total = 0;
  ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads) reduction(+ : total)
  {
    std::int64_t* counts = local[omp_get_thread_num()].data();
#pragma omp for schedule(dynamic, 64)
    for (std::int64_t r = 0; r < n; ++r) {
      if ((r & 63) == 0 && interrupt.poll()) continue;
      if (interrupt.stopped()) continue;
      std::int64_t found_r = 0;
      const EdgeOffset r_end = off[r + 1];
      if (r_end - off[r] <= kShortList) {
        for (EdgeOffset e = off[r]; e < r_end; ++e) {
          const NodeId s = up[e];
          // Members of up[s] (all ranked above s) also in up[r] after s: one triangle each.
          std::int64_t found_s = 0;
          EdgeOffset a = e + 1, j = off[s];
          const EdgeOffset s_end = off[s + 1];
          while (a < r_end && j < s_end) {
            if (up[a] < up[j]) {
              ++a;
            } else if (up[j] < up[a]) {
              ++j;
            } else {
              ++counts[up[j]];
              ++found_s;
              ++a;
              ++j;
            }
          }
          counts[s] += found_s;
          found_r += found_s;
        }
        counts[r] += found_r;
        total += found_r;
        continue;
      }
      NodeId* mark = marks[omp_get_thread_num()].data();
      for (EdgeOffset e = off[r]; e < r_end; ++e) mark[up[e]] = static_cast<NodeId>(r);
      for (EdgeOffset e = off[r]; e < r_end; ++e) {
        const NodeId s = up[e];
        // Members of up[s] (all ranked above s) that are marked as in up[r]: one triangle each.
        std::int64_t found_s = 0;
        for (EdgeOffset j = off[s]; j < off[s + 1]; ++j) {
          const NodeId t = up[j];
          const bool hit = mark[t] == r;
          counts[t] += hit;
          found_s += hit;
        }
        counts[s] += found_s;
        found_r += found_s;
      }
      counts[r] += found_r;
      total += found_r;
    }
  }
  interrupt.rethrow();
  for (const auto& c : local) {
    for (std::int64_t r = 0; r < n; ++r) result.per_node[node_of[r]] += c[r];
  }
  result.total = total;
  return result;
}

}  // namespace fuseflow
