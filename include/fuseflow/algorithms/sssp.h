// Single-source shortest paths along out-edges with non-negative weights (delta-stepping,
// Meyer & Sanders, with GAP's thread-local bins).
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/graph/graph_mask.h"

namespace fuseflow {

// dist[v] = length of the lightest path source -> v, +inf when unreachable. Of parallel edges
// the lightest counts. Throws ValueError naming `source` (out of range) or `g` (no weights,
// or a negative or NaN weight; a +inf weight is allowed and reaches nothing). delta <= 0
// picks the bucket width from the weights and degree.
// The result is the unique fixed point of dist[v] = min(dist[u] + w(u, v)), so it does not
// depend on the thread count.
Buffer<double> sssp(const Graph& g, std::int64_t source, double delta = 0.0);

// The same distances over the subgraph `mask` keeps, on g's own arrays (no cut): `source` and
// dist are in the subgraph's node ids (kept nodes renumbered in id order), equal to sssp on
// Graph::subgraph(g, mask...). Only kept edges' weights are checked. reached_out_edges is the
// base out-degree sum of the reached nodes, which Graph.subgraph views charge against a cut.
struct MaskedSssp {
  Buffer<double> dist;
  std::int64_t reached_out_edges = 0;
};
MaskedSssp sssp(const Graph& g, const GraphMask& mask, std::int64_t source, double delta = 0.0);

}  // namespace fuseflow
