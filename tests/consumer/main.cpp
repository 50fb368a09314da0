// Builds a directed 4-cycle, runs PageRank through the installed C++ API and
// checks the results against values derived by hand: exits non-zero on any mismatch.
#include <cmath>
#include <cstdio>
#include <vector>

#include "fuseflow/algorithms/pagerank.h"
#include "fuseflow/graph/graph.h"

int main() {
  std::vector<std::int64_t> src = {0, 1, 2, 3};
  std::vector<std::int64_t> dst = {1, 2, 3, 0};
  fuseflow::EdgeListView edges;
  edges.src64 = src;
  edges.dst64 = dst;
  auto g = fuseflow::Graph::from_edges(edges, -1);
  fuseflow::PageRankOptions options;
  options.tol = 1e-12;
  auto result = fuseflow::pagerank(*g, options);
  // A directed cycle is symmetric: every node has rank 1/4.
  for (std::size_t i = 0; i < 4; ++i) {
    if (std::fabs(result.rank.data()[i] - 0.25) > 1e-12) {
      std::printf("pagerank[%zu] = %.17g, expected 0.25\n", i, result.rank.data()[i]);
      return 1;
    }
  }
  std::printf("fuseflow consumer: %lld nodes, %lld edges, pagerank ok\n",
              static_cast<long long>(g->num_nodes()), static_cast<long long>(g->num_edges()));
  return 0;
}
