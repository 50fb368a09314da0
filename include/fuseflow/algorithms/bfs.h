// Breadth-first search from one source along out-edges, direction-optimising (Beamer et al.):
// top-down steps push from a frontier queue, bottom-up steps let unvisited nodes look for a
// parent among their in-edges when the frontier is large.
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/graph/graph_mask.h"

namespace fuseflow {

struct BfsResult {
  Buffer<std::int64_t> level;   // hops from the source; -1 when unreachable
  Buffer<std::int64_t> parent;  // empty unless asked for; -1 for the source and unreachable nodes
  // Masked searches only: the base out-degrees of the reached nodes (the edges a search examines
  // at most), which Graph.subgraph views charge against the cost of cutting.
  std::int64_t reached_out_edges = 0;
};

// Throws ValueError naming `source` when it is not in [0, num_nodes). Levels are unique; the
// parent of v is its smallest-id in-neighbour one level closer to the source, so parents are
// deterministic as well.
BfsResult bfs(const Graph& g, std::int64_t source, bool want_parents);

// The same search over the subgraph `mask` keeps, on g's own arrays (no cut): `source` and the
// results are in the subgraph's node ids (the kept nodes renumbered in id order), so the result
// equals bfs(*Graph::subgraph(g, mask...), source, want_parents). Dropped nodes cost nothing per
// edge; an edge mask costs a byte read per edge examined and builds g's in_user_edge_ids() when
// a bottom-up step or the parents read in-edges.
BfsResult bfs(const Graph& g, const GraphMask& mask, std::int64_t source, bool want_parents);

}  // namespace fuseflow
