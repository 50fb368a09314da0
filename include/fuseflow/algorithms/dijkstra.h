// Dijkstra's algorithm from one source along out-edges, with parents for path reconstruction
// (serial, binary heap; sssp() is the parallel distance-only kernel).
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/graph/graph_mask.h"

namespace fuseflow {

struct ShortestPaths {
  Buffer<double> dist;           // +inf when unreached
  Buffer<std::int64_t> parent;   // predecessor on a lightest path; -1 for the source and unreached
};

// target >= 0 stops once target is settled: then only settled nodes have their final distance
// and parent, the others read +inf / -1. Of equally light paths the first found is kept.
// Throws ValueError naming `source`/`target` (not a node id) or `g` (no weights, or a weight
// that is negative or NaN).
ShortestPaths dijkstra(const Graph& g, std::int64_t source, std::int64_t target = -1);

// The same search over the subgraph `mask` keeps, on g's own arrays (no cut): source, target,
// dist and parents in the subgraph's node ids (kept nodes renumbered in id order), equal to
// dijkstra on Graph::subgraph(g, mask...). Only kept edges' weights are checked.
// settled_out_edges is the base out-degree sum of the settled nodes, which Graph.subgraph views
// charge against a cut.
struct MaskedShortestPaths {
  ShortestPaths paths;
  std::int64_t settled_out_edges = 0;
};
MaskedShortestPaths dijkstra(const Graph& g, const GraphMask& mask, std::int64_t source, std::int64_t target = -1);

}  // namespace fuseflow
