#include "fuseflow/algorithms/clustering.h"

#include "fuseflow/algorithms/triangle_count.h"

namespace fuseflow {

Buffer<double> clustering(const Graph& g) {
  const TriangleCounts t = triangle_count(g);
  const std::int64_t n = g.num_nodes();
  Buffer<double> c(static_cast<std::size_t>(n));
  for (std::int64_t v = 0; v < n; ++v) {
    const double d = static_cast<double>(t.degree[v]);
    c[v] = t.degree[v] < 2 ? 0.0 : 2.0 * static_cast<double>(t.per_node[v]) / (d * (d - 1.0));
  }
  return c;
}

}  // namespace fuseflow
