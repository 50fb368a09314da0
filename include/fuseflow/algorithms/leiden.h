// Leiden community detection (Traag, Waltman & van Eck 2019): Louvain's local moving and
// contraction, with a refinement phase between them so that every community is connected.
//
// One iteration, repeated over contraction levels:
//   1. fast local moving: a queue of nodes (initially all, in a seeded random order); a node
//      that moves re-queues its neighbours outside its new community. A node may also leave
//      for an empty community.
//   2. refinement: inside each community C, every node starts as its own refined community;
//      a still-singleton node v that is well connected to C (w(v, C - v) >= resolution k_v
//      (K_C - k_v) / 2m) may merge into a well-connected refined community T of C that it has
//      an edge to, chosen with probability proportional to exp(gain / 0.01) among the choices
//      of gain >= 0 (staying alone is one, with gain 0); gains in units of edge weight, as
//      igraph's randomness 0.01. Merges follow edges, so refined communities are connected.
//   3. contraction along the refined partition; each contracted node starts in the community
//      of (1). When refinement merges nothing, contraction follows (1) instead (as Louvain).
// The level loop ends when (1) leaves every node of a level in its own community: the
// communities are then the refined ones, connected. `iterations` repeats the whole procedure
// from the partition found (igraph's n_iterations; < 0: until an iteration moves no node, at most 1000).
// A last pass splits any community that is not connected into its components (it can only
// happen when the level cap is hit; splitting never lowers modularity).
//
// Determinism: every random choice (visiting orders, the merges of (2)) is drawn from one
// splitmix64 stream seeded by `seed`, and the phases run serially, so the result depends on
// the seed alone, never on the thread count.
#pragma once

#include <cstdint>

#include "fuseflow/algorithms/louvain.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

// Reads the graph as louvain does (undirected, parallel edges add up, a self-loop adds 2w to
// A_ii); returns labels numbered by their smallest node, the modularity at `resolution`, and
// the contraction levels performed (over all iterations). ValueError naming `resolution`,
// `iterations` (0) or `g` (use_weights without weights, a negative weight).
LouvainResult leiden(const Graph& g, double resolution, std::uint64_t seed, bool use_weights,
                     std::int64_t iterations = 2);

}  // namespace fuseflow
