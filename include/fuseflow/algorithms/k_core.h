// Core numbers on the undirected simple view (nx.core_number(nx.Graph(G)) after dropping
// self-loops, which NetworkX refuses): peeling level by level (as ParK; parallel degree count
// and level scans) on the graph's own lists, repeats counted once; same at any thread count.
#pragma once

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

// core[v] = the largest k such that v belongs to a subgraph where every node has degree >= k.
Buffer<std::int64_t> k_core(const Graph& g);

}  // namespace fuseflow
