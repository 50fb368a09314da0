// A* search for one lightest path source -> target along out-edges (Hart, Nilsson & Raphael
// 1968), with the heuristic given as data so the search runs at native speed: either a lower
// bound per node (h[v] <= distance v -> target) or node coordinates, h(v) = the Euclidean
// distance from v to the target (admissible when every edge weighs at least the distance
// between its endpoints, as on a grid or road graph whose weights are lengths).
//
// The search keeps no closed set: a node reached again by a lighter path is expanded again,
// so an admissible but inconsistent heuristic still gives a lightest path (a consistent one,
// h[u] <= w(u, v) + h[v] on every edge, expands each node once). check_heuristic verifies
// consistency on every edge first (O(m), parallel), which with h[target] == 0 also proves
// admissibility; without it an inadmissible heuristic can return a longer path (never a crash).
#pragma once

#include <cstdint>
#include <span>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct AstarResult {
  Buffer<std::int64_t> path;  // source .. target inclusive; empty when target is unreachable
  double length = 0.0;        // +inf when unreachable
  std::int64_t expanded = 0;  // heap pops that expanded a node (re-expansions counted)
};

struct AstarHeuristic {
  enum class Kind { kNone, kLowerBound, kCoordinates };
  Kind kind = Kind::kNone;              // kNone: h = 0 (Dijkstra)
  std::span<const double> lower_bound;  // kLowerBound: n entries
  std::span<const double> coordinates;  // kCoordinates: n * dim entries (row per node)
  std::int64_t dim = 0;
  bool check = true;
};

// Weights: the graph's (>= 0, ValueError naming `g` otherwise), or 1 per edge on a graph
// without weights. ValueError naming `source`
// / `target` (not a node id), `heuristic` (wrong length, an entry not finite or < 0, not 0 at
// the target, or, when checked, an edge where it is not consistent) or `coordinates` (wrong
// length, dim < 1, an entry not finite, or inconsistent on an edge when checked).
AstarResult astar(const Graph& g, std::int64_t source, std::int64_t target, const AstarHeuristic& heuristic);

}  // namespace fuseflow
