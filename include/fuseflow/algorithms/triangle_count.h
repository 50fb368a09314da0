// Triangle counting on the undirected simple view (nx.Graph(G) semantics: edge direction
// ignored, parallel edges merged, self-loops dropped). Each edge is oriented from the lower to
// the higher (degree, id) rank, so every triangle is found exactly once, from its lowest-ranked
// corner, by intersecting two sorted out-lists; the orientation also bounds every out-list by
// sqrt(2m), which keeps hubs cheap on power-law graphs. A graph without hubs (every node at most
// 64 out- plus in-edges, as a road network) is oriented by id instead, straight from the
// multigraph's lists, without building the sorted simple view first.
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct TriangleCounts {
  Buffer<std::int64_t> per_node;  // triangles through each node (as nx.triangles)
  Buffer<std::int64_t> degree;    // degree in the undirected simple view
  std::int64_t total = 0;         // distinct triangles: per_node.sum() / 3
};

// Exact integer counts: the result does not depend on the thread count.
TriangleCounts triangle_count(const Graph& g);

}  // namespace fuseflow
