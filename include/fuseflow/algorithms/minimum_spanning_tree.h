// Minimum spanning forest of the undirected view (Kruskal: edges sorted in parallel, then a
// serial union-find sweep). Self-loops are never taken; of parallel edges the lightest can be.
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

// User edge indices (the order edges were given) of the chosen edges, in the order Kruskal
// took them: by weight, ties by edge index, so the forest is unique. An unweighted graph has
// all weights 1 (any spanning forest). n - (number of components) edges. Throws ValueError
// naming `g` when a weight is NaN.
Buffer<std::int64_t> minimum_spanning_tree(const Graph& g);

}  // namespace fuseflow
