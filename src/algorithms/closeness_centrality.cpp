#include "fuseflow/algorithms/closeness_centrality.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {

Buffer<double> closeness_centrality(const Graph& g, bool harmonic, bool wf_improved) {
  const std::int64_t n = g.num_nodes();
  Buffer<double> c(static_cast<std::size_t>(n), 0.0);
  if (n == 0) return c;
  const auto off = g.in_offsets();
  const auto src = g.in_sources();
  const int threads = static_cast<int>(
      std::min<std::int64_t>(threads_for(n * (n + g.num_edges()), 1 << 16), n));
  // Scratch per thread, allocated before the region (no allocation may throw inside it).
  std::vector<std::vector<std::int32_t>> levels(static_cast<std::size_t>(threads),
                                                std::vector<std::int32_t>(static_cast<std::size_t>(n), -1));
  std::vector<std::vector<NodeId>> queues(static_cast<std::size_t>(threads));
  for (auto& q : queues) q.reserve(static_cast<std::size_t>(n));
  ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads)
  {
    const int me = omp_get_thread_num();
    std::vector<std::int32_t>& level = levels[me];
    std::vector<NodeId>& queue = queues[me];
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t u = 0; u < n; ++u) {
      if (interrupt.poll()) continue;
      queue.clear();
      queue.push_back(static_cast<NodeId>(u));
      level[u] = 0;
      std::int64_t total = 0;
      double inverse_sum = 0.0;
      for (std::size_t head = 0; head < queue.size(); ++head) {
        const NodeId v = queue[head];
        for (EdgeOffset e = off[v]; e < off[v + 1]; ++e) {
          const NodeId w = src[e];
          if (level[w] >= 0) continue;
          level[w] = level[v] + 1;
          total += level[w];
          inverse_sum += 1.0 / level[w];
          queue.push_back(w);
        }
      }
      for (const NodeId v : queue) level[v] = -1;
      if (harmonic) {
        c[u] = inverse_sum;
      } else if (total > 0 && n > 1) {
        const double reached = static_cast<double>(queue.size()) - 1.0;
        // The same operations in the same order as NetworkX, for bitwise-close results.
        double value = reached / static_cast<double>(total);
        if (wf_improved) value *= reached / static_cast<double>(n - 1);
        c[u] = value;
      }
    }
  }
  interrupt.rethrow();
  return c;
}

}  // namespace fuseflow
