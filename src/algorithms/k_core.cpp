#include "fuseflow/algorithms/k_core.h"

#include <algorithm>

#include "fuseflow/algorithms/simple_view.h"
#include "fuseflow/core/interrupt.h"

namespace fuseflow {

Buffer<std::int64_t> k_core(const Graph& g) {
  const std::int64_t n = g.num_nodes();
  Buffer<std::int64_t> core(static_cast<std::size_t>(n));
  if (n == 0) return core;
  const SimpleAdjacency adj = simple_undirected_unsorted(g);  // built in parallel; the peel is serial

  // Nodes sorted by current degree (counting sort): order[bin_start[d] ..) hold degree d. When
  // a neighbour's degree drops by one it swaps with the first node of its bin and the bin
  // start moves right, so the array stays sorted at O(1) per edge.
  std::int64_t max_degree = 0;
  for (std::int64_t v = 0; v < n; ++v) {
    core[v] = adj.degree(v);
    max_degree = std::max(max_degree, core[v]);
  }
  Buffer<std::int64_t> bin_start(static_cast<std::size_t>(max_degree + 2), 0);
  for (std::int64_t v = 0; v < n; ++v) ++bin_start[core[v] + 1];
  for (std::int64_t d = 0; d <= max_degree; ++d) bin_start[d + 1] += bin_start[d];
  Buffer<NodeId> order(static_cast<std::size_t>(n));
  Buffer<std::int64_t> position(static_cast<std::size_t>(n));
  {
    Buffer<std::int64_t> fill(static_cast<std::size_t>(max_degree + 1));
    std::copy_n(bin_start.data(), max_degree + 1, fill.data());
    for (std::int64_t v = 0; v < n; ++v) {
      position[v] = fill[core[v]]++;
      order[position[v]] = static_cast<NodeId>(v);
    }
  }
  for (std::int64_t i = 0; i < n; ++i) {
    if ((i & 65535) == 0) check_interrupt();
    const NodeId v = order[i];
    for (EdgeOffset e = adj.offsets[v]; e < adj.offsets[v + 1]; ++e) {
      const NodeId u = adj.targets[e];
      if (core[u] <= core[v]) continue;  // already peeled, or at v's level
      const std::int64_t du = core[u];
      const std::int64_t first = bin_start[du];
      const NodeId w = order[first];
      if (w != u) {  // move u to the front of its bin
        order[position[u]] = w;
        position[w] = position[u];
        order[first] = u;
        position[u] = first;
      }
      ++bin_start[du];
      --core[u];
    }
  }
  return core;
}

}  // namespace fuseflow
