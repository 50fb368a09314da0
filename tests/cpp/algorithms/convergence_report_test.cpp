// What the iterative algorithms report about how they stopped (issue 16): iteration counts,
// residuals and the converged flag that the Python wrappers turn into ConvergenceWarning.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "fuseflow/algorithms/label_propagation.h"
#include "fuseflow/algorithms/pagerank.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

// Serial power iteration (push over the edge list); returns the L1 change of every iteration.
std::vector<double> serial_changes(const testing::EdgeList& e, double d, int iterations) {
  const std::int64_t n = e.n;
  std::vector<double> r(n, 1.0 / n), deg(n, 0.0), changes;
  for (std::int32_t u : e.src) deg[u] += 1;
  for (int it = 0; it < iterations; ++it) {
    std::vector<double> next(n, 0.0);
    double dangling = 0.0;
    for (std::int64_t u = 0; u < n; ++u) dangling += deg[u] == 0 ? r[u] : 0.0;
    for (std::size_t i = 0; i < e.src.size(); ++i) next[e.dst[i]] += r[e.src[i]] / deg[e.src[i]];
    double change = 0.0;
    for (std::int64_t v = 0; v < n; ++v) {
      next[v] = (1 - d) / n + d * (next[v] + dangling / n);
      change += std::fabs(next[v] - r[v]);
    }
    changes.push_back(change);
    r = next;
  }
  return changes;
}

TEST(PageRankConvergence, LastDeltaIsTheL1ChangeOfTheLastIteration) {
  const auto e = testing::rmat_edges(11, 4, 5);
  const auto g = testing::build(e);
  const auto changes = serial_changes(e, 0.85, 30);
  for (int k : {1, 2, 9, 30}) {
    PageRankOptions o;
    o.tol = 0;
    o.max_iter = k;
    const auto r = pagerank(*g, o);
    EXPECT_EQ(r.iterations, k);
    // Relative to the change, plus rounding of the n ranks once the change is tiny.
    EXPECT_NEAR(r.last_delta, changes[k - 1], 1e-10 * changes[k - 1] + 1e-15);
    EXPECT_FALSE(r.converged);  // tol = 0: only an exact fixed point would count
  }
}

TEST(PageRankConvergence, StopsAtTheFirstIterationWithinTol) {
  const auto e = testing::rmat_edges(11, 4, 6);
  const auto g = testing::build(e);
  const auto changes = serial_changes(e, 0.85, 200);
  PageRankOptions o;
  o.tol = 1e-9;
  o.max_iter = 200;
  const auto r = pagerank(*g, o);
  ASSERT_TRUE(r.converged);
  std::int64_t first = 0;
  while (changes[first] > o.tol) ++first;
  EXPECT_EQ(r.iterations, first + 1);
  EXPECT_LE(r.last_delta, o.tol);

  o.max_iter = r.iterations - 1;  // one short: reported as not converged
  const auto short_run = pagerank(*g, o);
  EXPECT_FALSE(short_run.converged);
  EXPECT_EQ(short_run.iterations, r.iterations - 1);
  EXPECT_GT(short_run.last_delta, o.tol);
}

TEST(PageRankConvergence, NoIterationIsInfiniteResidual) {
  const auto g = testing::build(testing::random_edges(50, 100, 5, 1));
  PageRankOptions o;
  o.max_iter = 0;
  const auto r = pagerank(*g, o);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_TRUE(std::isinf(r.last_delta));
  EXPECT_FALSE(r.converged);
}

TEST(PageRankConvergence, EmptyGraphIsConverged) {
  const auto g = testing::build(testing::EdgeList{});
  const auto r = pagerank(*g, PageRankOptions{});
  EXPECT_EQ(r.rank.size(), 0u);
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.last_delta, 0.0);
}

// Labels after k sweeps equal the converged labels once k reaches the reported count, and the
// run one sweep short is reported as unconverged (multi-chunk graph, 1 and 2 threads).
TEST(LabelPropagationConvergence, ConvergedExactlyAtTheReportedSweep) {
  const auto e = testing::rmat_edges(13, 8, 12);
  const auto g = testing::build(e);
  ASSERT_GT(g->balanced_chunks(false).size(), 3u);
  testing::at_thread_counts([&](int) {
    const auto full = label_propagation(*g, 100000, 5);
    ASSERT_TRUE(full.converged);
    EXPECT_EQ(full.pending, 0);
    ASSERT_GT(full.iterations, 2);
    const auto exact = label_propagation(*g, full.iterations, 5);
    EXPECT_TRUE(exact.converged);
    EXPECT_EQ(exact.iterations, full.iterations);
    const auto short_run = label_propagation(*g, full.iterations - 1, 5);
    EXPECT_FALSE(short_run.converged);
    EXPECT_GT(short_run.pending, 0);
    EXPECT_EQ(short_run.iterations, full.iterations - 1);
  });
}

TEST(LabelPropagationConvergence, ZeroSweepsLeaveEveryNodePending) {
  const auto g = testing::build(testing::random_edges(40, 80, 5, 3));
  const auto r = label_propagation(*g, 0, 1);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(r.pending, 40);
  EXPECT_FALSE(r.converged);
  const auto empty = label_propagation(*testing::build(testing::EdgeList{}), 0, 1);
  EXPECT_TRUE(empty.converged);
}

}  // namespace
}  // namespace fuseflow
