// Single-source shortest paths with negative weights allowed (queue-based Bellman-Ford, serial),
// with negative-cycle detection.
#pragma once

#include <cstdint>

#include "fuseflow/algorithms/dijkstra.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

// dist/parent as dijkstra (lightest paths; the first found of equal ones). Throws ValueError
// naming `source` (not a node id) or `g`: no weights, a NaN weight, or a negative cycle reachable
// from the source (the message lists the cycle's nodes, as "g: negative cycle reachable from
// source 0: 3 -> 5 -> 3").
ShortestPaths bellman_ford(const Graph& g, std::int64_t source);

}  // namespace fuseflow
