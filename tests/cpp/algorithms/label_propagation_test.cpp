#include "fuseflow/algorithms/label_propagation.h"

#include <gtest/gtest.h>

#include <map>

#include "fuseflow/core/error.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

using testing::EdgeList;

// Serial verifier of the fixed point: at convergence each node's label is among the most
// frequent labels of its neighbours (both directions, with multiplicity, no self-loops).
void expect_converged(const EdgeList& e, const Buffer<std::int64_t>& labels) {
  std::vector<std::map<std::int64_t, int>> counts(static_cast<std::size_t>(e.n));
  for (std::size_t i = 0; i < e.src.size(); ++i) {
    if (e.src[i] == e.dst[i]) continue;
    ++counts[e.src[i]][labels[e.dst[i]]];
    ++counts[e.dst[i]][labels[e.src[i]]];
  }
  for (std::int64_t v = 0; v < e.n; ++v) {
    if (counts[v].empty()) {
      EXPECT_EQ(labels[v], v);
      continue;
    }
    int best = 0;
    for (auto [label, c] : counts[v]) best = std::max(best, c);
    EXPECT_EQ(counts[v][labels[v]], best) << "node " << v;
  }
}

TEST(LabelPropagation, ConvergesToAFixedPoint) {
  const EdgeList e = testing::rmat_edges(12, 8, 2);
  const auto r = label_propagation(*testing::build(e), 10000, 7);
  EXPECT_LT(r.iterations, 10000);
  expect_converged(e, r.labels);
}

TEST(LabelPropagation, SameSeedSameLabelsAtAnyThreadCount) {
  const EdgeList e = testing::rmat_edges(14, 8, 4);
  const auto g = testing::build(e);
  set_num_threads(1);
  const auto reference = label_propagation(*g, 20, 99);
  testing::at_thread_counts([&](int threads) {
    const auto r = label_propagation(*g, 20, 99);
    ASSERT_EQ(r.iterations, reference.iterations);
    for (std::int64_t v = 0; v < e.n; ++v) ASSERT_EQ(r.labels[v], reference.labels[v]) << "threads " << threads;
  });
}

TEST(LabelPropagation, NegativeMaxIterIsValueError) {
  const auto g = testing::build(testing::random_edges(10, 10, 0, 1));
  EXPECT_THROW(label_propagation(*g, -1, 0), Error);
}

}  // namespace
}  // namespace fuseflow
