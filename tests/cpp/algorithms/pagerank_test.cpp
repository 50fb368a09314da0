#include "fuseflow/algorithms/pagerank.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/graph/rmat.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

// Serial push-style reference written independently of the pull implementation.
std::vector<double> serial_pagerank(const testing::EdgeList& edges, std::int64_t n, double d, int iters) {
  std::vector<double> r(n, 1.0 / n), deg(n, 0.0);
  for (std::size_t e = 0; e < edges.src.size(); ++e) deg[edges.src[e]] += 1;
  for (int it = 0; it < iters; ++it) {
    std::vector<double> next(n, 0.0);
    double dangling = 0.0;
    for (std::int64_t u = 0; u < n; ++u)
      if (deg[u] == 0) dangling += r[u];
    for (std::size_t e = 0; e < edges.src.size(); ++e) next[edges.dst[e]] += r[edges.src[e]] / deg[edges.src[e]];
    for (std::int64_t v = 0; v < n; ++v) next[v] = (1 - d) / n + d * (next[v] + dangling / n);
    r = next;
  }
  return r;
}

TEST(PageRankTest, MatchesSerialReference) {
  auto edges = testing::rmat_edges(10, 4, 3);
  auto g = testing::build(edges);
  PageRankOptions o;
  o.tol = 0;
  o.max_iter = 15;
  auto got = pagerank(*g, o);
  EXPECT_EQ(got.iterations, 15);
  auto want = serial_pagerank(edges, 1 << 10, 0.85, 15);
  double sum = 0;
  for (std::int64_t v = 0; v < g->num_nodes(); ++v) {
    EXPECT_NEAR(got.rank[v], want[v], 1e-13);
    sum += got.rank[v];
  }
  EXPECT_NEAR(sum, 1.0, 1e-12);
}

TEST(PageRankTest, DeterministicAcrossThreads) {
  auto g = testing::build(testing::rmat_edges(13, 16, 9));
  PageRankOptions o;
  o.tol = 0;
  o.max_iter = 8;
  set_num_threads(1);
  auto a = pagerank(*g, o);
  set_num_threads(2);
  auto b = pagerank(*g, o);
  set_num_threads(0);
  for (std::int64_t v = 0; v < g->num_nodes(); ++v) ASSERT_EQ(a.rank[v], b.rank[v]);
}

TEST(PageRankTest, RejectsBadOptions) {
  std::vector<std::int64_t> s{0, 1}, t{1, 0};
  EdgeListView view;
  view.src64 = s;
  view.dst64 = t;
  auto g = Graph::from_edges(view, -1);
  PageRankOptions o;
  o.damping = 1.0;
  EXPECT_THROW(pagerank(*g, o), Error);
  o = {};
  o.max_iter = -1;
  EXPECT_THROW(pagerank(*g, o), Error);
  o = {};
  o.tol = -1;
  EXPECT_THROW(pagerank(*g, o), Error);
  std::vector<double> p{1.0};
  o = {};
  o.personalization = p;
  EXPECT_THROW(pagerank(*g, o), Error);
}

}  // namespace
}  // namespace fuseflow
