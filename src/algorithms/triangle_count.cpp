#include "fuseflow/algorithms/triangle_count.h"

#include <algorithm>
#include <atomic>

#include "fuseflow/algorithms/simple_view.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr std::int64_t kMinWorkPerThread = 1 << 13;

void add(std::int64_t* counts, NodeId v, std::int64_t k) {
  std::atomic_ref<std::int64_t>(counts[v]).fetch_add(k, std::memory_order_relaxed);
}

}  // namespace

TriangleCounts triangle_count(const Graph& g) {
  const std::int64_t n = g.num_nodes();
  const SimpleAdjacency adj = simple_undirected(g);
  TriangleCounts result;
  result.per_node = Buffer<std::int64_t>(static_cast<std::size_t>(n), 0);
  result.degree = Buffer<std::int64_t>(static_cast<std::size_t>(n));
  for (std::int64_t v = 0; v < n; ++v) result.degree[v] = adj.degree(v);
  if (n == 0) return result;

  // Oriented lists: neighbours of higher rank, kept in ascending id order (a filtered copy of
  // the sorted list), so intersections stay merges of sorted lists.
  auto higher = [&](NodeId u, NodeId v) {
    const std::int64_t du = adj.degree(u), dv = adj.degree(v);
    return dv > du || (dv == du && v > u);
  };
  const int threads = threads_for(n + adj.offsets[n], kMinWorkPerThread);
  Buffer<EdgeOffset> off(static_cast<std::size_t>(n + 1), 0);
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1024)
  for (std::int64_t u = 0; u < n; ++u) {
    std::int64_t k = 0;
    for (EdgeOffset e = adj.offsets[u]; e < adj.offsets[u + 1]; ++e) k += higher(static_cast<NodeId>(u), adj.targets[e]);
    off[u + 1] = k;
  }
  for (std::int64_t u = 0; u < n; ++u) off[u + 1] += off[u];
  Buffer<NodeId> up(static_cast<std::size_t>(std::max<EdgeOffset>(off[n], 1)));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1024)
  for (std::int64_t u = 0; u < n; ++u) {
    EdgeOffset at = off[u];
    for (EdgeOffset e = adj.offsets[u]; e < adj.offsets[u + 1]; ++e) {
      if (higher(static_cast<NodeId>(u), adj.targets[e])) up[at++] = adj.targets[e];
    }
  }

  std::int64_t* counts = result.per_node.data();
  std::int64_t total = 0;
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 64) reduction(+ : total)
  for (std::int64_t u = 0; u < n; ++u) {
    if ((u & 63) == 0 && interrupt.poll()) continue;
    if (interrupt.stopped()) continue;
    std::int64_t found_u = 0;
    for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
      const NodeId v = up[e];
      // Common higher neighbours w of u and v: triangle u < v < w in rank order.
      EdgeOffset i = off[u], j = off[v];
      const EdgeOffset i_end = off[u + 1], j_end = off[v + 1];
      std::int64_t found_v = 0;
      while (i < i_end && j < j_end) {
        const NodeId a = up[i], b = up[j];
        if (a < b) {
          ++i;
        } else if (b < a) {
          ++j;
        } else {
          add(counts, a, 1);
          ++found_v;
          ++i;
          ++j;
        }
      }
      if (found_v) add(counts, v, found_v);
      found_u += found_v;
    }
    if (found_u) add(counts, static_cast<NodeId>(u), found_u);
    total += found_u;
  }
  interrupt.rethrow();
  result.total = total;
  return result;
}

}  // namespace fuseflow
