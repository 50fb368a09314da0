// Betweenness centrality (Brandes 2001) over the directed simple view: shortest paths follow
// out-edges, parallel edges count once (the lightest when weighted), self-loops never lie on a
// shortest path, as in nx.DiGraph(G). For undirected betweenness build the graph with both
// directions: normalized values then equal NetworkX's for nx.Graph, unnormalized ones are twice
// NetworkX's (which counts each unordered pair once).
//
// Parallel over sources: each thread runs whole single-source searches with its own scratch
// arrays and its own accumulator, and the accumulators are summed at the end (in thread order,
// so sums may differ in the last bits between thread counts).
#pragma once

#include <cstdint>
#include <span>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct BetweennessOptions {
  std::span<const std::int64_t> sources;  // empty and !use_sources: every node (exact)
  bool use_sources = false;               // true: only `sources` (distinct node ids, at least one)
  bool weighted = false;                  // Dijkstra on the weights (all finite and > 0) instead of BFS
  bool normalized = true;
};

// Rescaled exactly as networkx 3.6 betweenness_centrality(endpoints=False): exact runs are
// divided by (n-1)(n-2) when normalized; runs over k sources scale source nodes by
// 1/((k-1)(n-2)) and the others by 1/(k(n-2)) (unnormalized: (n-1)/(k-1) and (n-1)/k), and a
// source node gets NaN when k = 1 (0/0: no data). No rescaling when n < 3.
// Throws ValueError naming `sources` (out of range, repeated, empty) or `g` (weighted without
// weights, or a weight that is not finite and > 0).
Buffer<double> betweenness_centrality(const Graph& g, const BetweennessOptions& options);

}  // namespace fuseflow
