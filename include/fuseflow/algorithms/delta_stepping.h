// Delta-stepping (Meyer & Sanders, with GAP's thread-local bins) over one adjacency: the engine of
// ff.algorithms.sssp and of min-plus fixpoint loops written in the DSL (src/exec/min_plus_loop.cpp).
#pragma once

#include <cstdint>
#include <vector>

#include "fuseflow/graph/graph.h"

namespace fuseflow {

// The edges a node relaxes: neighbours[offsets[u] .. offsets[u+1]) with the weight of position p
// at weights[weight_ids ? weight_ids[p] : p]. Weights must be >= 0 and not NaN (+inf reaches
// nothing); the caller checks.
struct RelaxEdges {
  const EdgeOffset* offsets = nullptr;
  const NodeId* neighbours = nullptr;
  const double* weights = nullptr;
  const EdgeOffset* weight_ids = nullptr;
  std::int64_t num_nodes = 0;
  std::int64_t num_edges = 0;
  // Optional edge mask: position p relaxes only when keep[keep_ids ? keep_ids[p] : p] != 0.
  const std::uint8_t* keep = nullptr;
  const EdgeOffset* keep_ids = nullptr;
};

// The bucket width GAP's rule picks from the largest finite weight and the largest degree.
double delta_for(double max_weight, std::int64_t max_degree);

// Lowers dist to the fixed point of dist[v] = min(dist[v], dist[u] + w(u, v)) over the nodes
// that relax: the seeds, then every node whose distance drops (as a synchronous Bellman-Ford
// whose first frontier is `seeds` would, and with the same result: rounding is monotone, so the
// fixed point does not depend on the order of relaxations nor on the thread count). dist must
// hold no NaN; -inf marks a node outside the graph being searched (a masked subgraph's dropped
// nodes): no candidate is below it, so it is never relaxed nor scanned. Seeds with dist +inf or
// -inf are skipped.
void delta_stepping(const RelaxEdges& edges, double* dist, const std::vector<NodeId>& seeds, double delta);

}  // namespace fuseflow
