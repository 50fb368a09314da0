// Depth-first search from one source along out-edges (iterative, serial: DFS order is
// inherently sequential).
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct DfsResult {
  Buffer<std::int64_t> preorder;  // nodes reached, in the order they were first visited
  Buffer<std::int64_t> parent;    // the node v was discovered from; -1 for the source and unreached
};

// Neighbours are taken in out-edge order (the order edges were given), so the preorder equals
// nx.dfs_preorder_nodes on an nx.DiGraph built from the same edge list, and parents equal
// nx.dfs_predecessors. Throws ValueError naming `source` when it is not a node id.
DfsResult dfs(const Graph& g, std::int64_t source);

}  // namespace fuseflow
