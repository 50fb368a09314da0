#include "fuseflow/algorithms/transitivity.h"

#include "fuseflow/algorithms/triangle_count.h"

namespace fuseflow {

double transitivity(const Graph& g) {
  const TriangleCounts t = triangle_count(g);
  if (t.total == 0) return 0.0;
  // Both sums are exact integers; the division is the only rounding.
  std::int64_t closed = 0, triples = 0;
  for (std::int64_t v = 0; v < g.num_nodes(); ++v) {
    closed += t.per_node[v];
    triples += t.degree[v] * (t.degree[v] - 1) / 2;
  }
  return static_cast<double>(closed) / static_cast<double>(triples);
}

}  // namespace fuseflow
