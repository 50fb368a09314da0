// Global transitivity on the undirected simple view (nx.transitivity(nx.Graph(G))).
#pragma once

#include "fuseflow/graph/graph.h"

namespace fuseflow {

// 3 x triangles / connected triples = sum T(v) / sum d(v)(d(v)-1)/2; 0 when there is no triangle.
double transitivity(const Graph& g);

}  // namespace fuseflow
