// Core numbers on the undirected simple view (nx.core_number(nx.Graph(G)) after dropping
// self-loops, which NetworkX refuses): level-synchronous parallel peeling (as ParK/PKC) on the
// graph's own out- and in-lists, repeats counted once; the same result at any thread count.
#pragma once

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

// core[v] = the largest k such that v belongs to a subgraph where every node has degree >= k.
Buffer<std::int64_t> k_core(const Graph& g);

}  // namespace fuseflow
