// Single-source shortest paths along out-edges with non-negative weights (delta-stepping,
// Meyer & Sanders, with GAP's thread-local bins).
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

// dist[v] = length of the lightest path source -> v, +inf when unreachable. Of parallel edges
// the lightest counts. Throws ValueError naming `source` (out of range) or `g` (no weights,
// or a negative or NaN weight; a +inf weight is allowed and reaches nothing). delta <= 0
// picks the bucket width from the weights and degree.
// The result is the unique fixed point of dist[v] = min(dist[u] + w(u, v)), so it does not
// depend on the thread count.
Buffer<double> sssp(const Graph& g, std::int64_t source, double delta = 0.0);

}  // namespace fuseflow
