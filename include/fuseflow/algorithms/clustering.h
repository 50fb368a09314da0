// Local clustering coefficient on the undirected simple view (nx.clustering(nx.Graph(G))).
#pragma once

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

// c[v] = 2 T(v) / (d(v) (d(v) - 1)) with T(v) the triangles through v and d(v) its degree in the
// undirected simple view; 0 when d(v) < 2.
Buffer<double> clustering(const Graph& g);

}  // namespace fuseflow
