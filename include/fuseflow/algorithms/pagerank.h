// PageRank by power iteration, pulling over in-edges (CSC), float64.
#pragma once

#include <cstdint>
#include <span>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct PageRankOptions {
  double damping = 0.85;
  double tol = 1e-6;            // stop when the L1 change of an iteration is <= tol; 0 runs max_iter
  std::int64_t max_iter = 100;
  std::span<const double> personalization;  // empty: uniform; else length num_nodes, normalised here
};

struct PageRankResult {
  Buffer<double> rank;
  std::int64_t iterations = 0;
  double last_delta = 0.0;  // L1 change of the last iteration run
};

// Runs over Graph::degree_ordered_in_edges() (built on the first call, cached on the graph).
// Edges count with their multiplicity; weights are ignored. Dangling nodes' rank is spread
// like the teleport (uniform or personalization). Deterministic at any thread count.
PageRankResult pagerank(const Graph& g, const PageRankOptions& options);

}  // namespace fuseflow
