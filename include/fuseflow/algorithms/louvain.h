// Louvain community detection (Blondel et al. 2008): local moving of single nodes between
// communities by modularity gain, then contraction of each community into one node, repeated
// until no move improves modularity; then one refinement round of single-node moves on the
// input graph from the final partition (it raised modularity by 3-4% on R-MAT 14).
//
// Determinism: nodes are visited in an order drawn from `seed` (a splitmix64 stream, Fisher-
// Yates), moves are made one at a time, and ties go to the lowest community id; the local
// moving and contraction run serially, so the result depends on the seed only, never on the
// thread count (the undirected view is built in parallel, with an order-independent result).
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct LouvainResult {
  Buffer<std::int64_t> labels;  // community ids 0..C-1, numbered by their smallest node
  double modularity = 0.0;      // of `labels` on the input graph, at the given resolution
  std::int64_t levels = 0;      // contraction levels performed
};

// The graph is read as undirected: each edge u -> v of weight w adds w to A[u][v] and to
// A[v][u] (parallel edges add up, a self-loop adds 2w to A[u][u], as igraph and NetworkX
// count it). Modularity Q = 1/(2m) sum_ij (A_ij - resolution k_i k_j / (2m)) [c_i == c_j].
// use_weights: the graph's weights (must be >= 0), else 1 per edge. A graph without edges
// gives singletons and modularity 0. ValueError naming `resolution` (not finite and > 0) or
// `g` (use_weights without weights, a negative weight).
LouvainResult louvain(const Graph& g, double resolution, std::uint64_t seed, bool use_weights);

}  // namespace fuseflow
