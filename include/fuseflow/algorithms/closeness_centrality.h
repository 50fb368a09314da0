// Closeness and harmonic centrality with NetworkX semantics (unweighted, hop distances).
// Distances are measured TO each node along edge directions (NetworkX reverses a directed
// graph), one BFS over in-edges per node, nodes in parallel.
#pragma once

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

// Closeness of u, with r the nodes that reach u (u included) and S their summed distance to u:
//   (r-1)/S, times (r-1)/(n-1) when wf_improved (Wasserman-Faust, for disconnected graphs);
//   0 when S = 0 or n = 1.
// harmonic: sum over v != u that reach u of 1/d(v, u) (wf_improved is then ignored).
Buffer<double> closeness_centrality(const Graph& g, bool harmonic, bool wf_improved);

}  // namespace fuseflow
