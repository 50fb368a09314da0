// Graphs shared by the C++ tests.
#pragma once

#include <memory>

#include "fuseflow/graph/graph.h"
#include "fuseflow/graph/rmat.h"

namespace fuseflow::testing {

struct RmatGraph {
  RmatEdges edges;
  std::shared_ptr<const Graph> graph;
};

// R-MAT with Graph500 quadrant probabilities and scrambled ids.
inline RmatGraph rmat_graph(int scale, std::int64_t edge_factor, std::uint64_t seed) {
  RmatGraph out{generate_rmat(scale, edge_factor, 0.57, 0.19, 0.19, seed, true), nullptr};
  EdgeListView view;
  view.src32 = out.edges.src.span();
  view.dst32 = out.edges.dst.span();
  out.graph = Graph::from_edges(view, std::int64_t{1} << scale);
  return out;
}

}  // namespace fuseflow::testing
