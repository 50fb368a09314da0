// PageRank by power iteration, pulling over in-edges (CSC), float64.
#pragma once

#include <cstdint>
#include <limits>
#include <span>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct PageRankOptions {
  double damping = 0.85;        // in (0, 1)
  double tol = 1e-6;            // finite, >= 0: stop when the L1 change of an iteration is <= tol;
                                // 0 never stops early (runs exactly max_iter iterations)
  std::int64_t max_iter = 100;  // >= 0
  // Empty: uniform. Else one finite, non-negative value per node, not all zero; normalised
  // here after scaling by the largest value, so any finite magnitudes work ([1e308, 1e308]
  // gives the same teleport as [1, 1]).
  std::span<const double> personalization;
};

struct PageRankResult {
  Buffer<double> rank;
  std::int64_t iterations = 0;  // iterations run
  // L1 change sum_v |rank_new[v] - rank_old[v]| of the last iteration (NetworkX's err);
  // +inf when no iteration ran.
  double last_delta = std::numeric_limits<double>::infinity();
  // last_delta <= tol: the stopping rule was met (false when max_iter ran out first). With
  // tol = 0 only an exact fixed point counts.
  bool converged = false;
};

// Runs over Graph::degree_ordered_in_edges() (built on the first call, cached on the graph).
// Edges count with their multiplicity; weights are ignored. Dangling nodes' rank is spread
// like the teleport (uniform or personalization). Deterministic at any thread count.
// Throws ValueError naming `damping`, `tol`, `max_iter` or `personalization` when one breaks
// its rule above; never reports non-convergence itself (the caller reads `converged`).
PageRankResult pagerank(const Graph& g, const PageRankOptions& options);

}  // namespace fuseflow
