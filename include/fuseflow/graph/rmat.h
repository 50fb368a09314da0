// R-MAT (recursive matrix) edge generator, as used by Graph500 and GAP for synthetic
// power-law graphs. Deterministic for a seed at any thread count: each edge draws from its
// own counter-based random stream.
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"

namespace fuseflow {

struct RmatEdges {
  Buffer<std::int32_t> src, dst;
};

// 2^scale nodes, edge_factor * 2^scale edges; quadrant probabilities a, b, c (d = 1-a-b-c).
// scramble relabels nodes by a seeded permutation so high degree is not tied to low ids.
RmatEdges generate_rmat(int scale, std::int64_t edge_factor, double a, double b, double c, std::uint64_t seed,
                        bool scramble);

}  // namespace fuseflow
