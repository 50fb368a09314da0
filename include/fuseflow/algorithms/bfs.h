// Breadth-first search from one source along out-edges, direction-optimising (Beamer et al.):
// top-down steps push from a frontier queue, bottom-up steps let unvisited nodes look for a
// parent among their in-edges when the frontier is large.
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct BfsResult {
  Buffer<std::int64_t> level;   // hops from the source; -1 when unreachable
  Buffer<std::int64_t> parent;  // empty unless asked for; -1 for the source and unreachable nodes
};

// Throws ValueError naming `source` when it is not in [0, num_nodes). Levels are unique; the
// parent of v is its smallest-id in-neighbour one level closer to the source, so parents are
// deterministic as well.
BfsResult bfs(const Graph& g, std::int64_t source, bool want_parents);

}  // namespace fuseflow
