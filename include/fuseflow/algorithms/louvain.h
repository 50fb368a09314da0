// Louvain community detection (Blondel et al. 2008): local moving of single nodes between
// communities by modularity gain, then contraction of each community into one node, repeated
// until no move improves modularity; then one refinement round of single-node moves on the
// input graph from the final partition (it raised modularity by 3-4% on R-MAT 14).
//
// Parallel and deterministic: local moving sweeps fixed id ranges of 16384 nodes ("slabs"),
// the even ones concurrently, then the odd ones; inside a slab nodes move one at a time in an
// order drawn from `seed` (runs of 256 consecutive ids, each shuffled by a splitmix64 stream)
// and ties go to the lowest community id; a slab sees other slabs' nodes and the community
// totals as they were when the half-sweep began, and the totals' changes are added in slab
// order. So the result depends on the seed only, never on the thread count; a graph of at most
// 16384 nodes is plain serial Louvain. A level's sweeps stop when one moved < 1% of its nodes,
// raised modularity by < 1e-7, or moved > 0.9x the nodes of the sweep before (stale views).
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
