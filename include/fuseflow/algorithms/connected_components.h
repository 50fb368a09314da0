// Weakly connected components (Afforest: sampled linking, then the rest of the edges only for
// nodes outside the largest component). Edge direction is ignored.
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

// label[v] = the smallest node id in v's component (so results are unique and independent of
// the thread count). Self-loops and parallel edges change nothing.
Buffer<std::int64_t> connected_components(const Graph& g);

}  // namespace fuseflow
