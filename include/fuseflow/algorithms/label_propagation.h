// Community detection by label propagation over both edge directions.
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct LabelPropagationResult {
  Buffer<std::int64_t> labels;
  std::int64_t iterations = 0;  // sweeps run (stops early when a sweep changes no label)
  // Nodes another sweep would re-examine: a neighbour's label changed since they last voted,
  // or their chunk sat the last sweep out. 0 means converged: no label can change any more.
  std::int64_t pending = 0;
  bool converged = false;  // pending == 0 (false when max_iter ran out first)
};

// Every node starts with its own id as label; a sweep gives each active node the label most
// frequent among its in- and out-neighbours (edges count with multiplicity, self-loops and
// weights are ignored). A node keeps its label when that label is among the most frequent;
// other ties go to the label with the smallest seeded hash. Nodes are swept in fixed chunks
// of the graph (independent of the thread count): inside a chunk updates are seen at once
// (asynchronous), across chunks at the next sweep, so the same seed gives the same labels
// at any thread count. From the fifth sweep on, each chunk skips a seeded half of the sweeps
// so that neighbours in different chunks cannot keep swapping labels. Throws ValueError naming
// `max_iter` when it is negative; never reports non-convergence itself (see `converged`).
LabelPropagationResult label_propagation(const Graph& g, std::int64_t max_iter, std::uint64_t seed);

}  // namespace fuseflow
