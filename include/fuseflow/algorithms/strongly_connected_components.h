// Strongly connected components along edge directions.
//
// Method: (1) trimming, in parallel: a node with no in-edge or no out-edge from another live
// node is a component by itself (a few rounds); (2) forward-backward from a pivot of highest
// in x out degree, with parallel level-synchronous searches: nodes reached both ways form the
// pivot's component, on real graphs the giant one; (3) Tarjan's algorithm (iterative, serial)
// over whatever is left, which is then small. Each step removes whole components only, so the
// next step may ignore edges into removed nodes.
#pragma once

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

// label[v] = the smallest node id in v's strongly connected component (unique, independent of
// the thread count). Self-loops and parallel edges change nothing.
Buffer<std::int64_t> strongly_connected_components(const Graph& g);

}  // namespace fuseflow
