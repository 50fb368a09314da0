// Graph::locality_relabel (the degree-ordered graph compiled programs run on) and the cost model
// Graph::locality_pays, against a serial relabelling of the edge list.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "../test_graphs.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {
namespace {

using testing::EdgeList;

// Serial reference: the user-order edges of `g` renamed through new_id.
void expect_relabelled(const EdgeList& e) {
  auto g = testing::build(e);
  const LocalityRelabel& r = g->locality_relabel();
  const std::int64_t n = e.n;
  ASSERT_EQ(static_cast<std::int64_t>(r.order.size()), n);
  // order is a permutation, by out-degree descending (ties by id), and new_id its inverse.
  std::vector<char> seen(static_cast<std::size_t>(n), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    const NodeId v = r.order[static_cast<std::size_t>(i)];
    ASSERT_FALSE(seen[static_cast<std::size_t>(v)]);
    seen[static_cast<std::size_t>(v)] = 1;
    EXPECT_EQ(r.new_id[v], i);
    if (i > 0) {
      const NodeId u = r.order[static_cast<std::size_t>(i - 1)];
      const auto du = g->out_degree()[static_cast<std::size_t>(u)], dv = g->out_degree()[static_cast<std::size_t>(v)];
      EXPECT_TRUE(du > dv || (du == dv && u < v));
    }
  }
  const Graph& h = *r.graph;
  ASSERT_EQ(h.num_nodes(), n);
  ASSERT_EQ(h.num_edges(), static_cast<std::int64_t>(e.src.size()));
  ASSERT_EQ(h.has_weights(), !e.weights.empty());
  // User edge i of the relabelled graph is user edge i of the original, renamed.
  Buffer<NodeId> src, dst;
  h.user_order_edges(src, dst);
  for (std::size_t i = 0; i < e.src.size(); ++i) {
    EXPECT_EQ(src[i], r.new_id[e.src[i]]) << i;
    EXPECT_EQ(dst[i], r.new_id[e.dst[i]]) << i;
  }
  if (!e.weights.empty()) {
    const auto w = h.user_order_weights();
    for (std::size_t i = 0; i < e.weights.size(); ++i) EXPECT_EQ(w[i], e.weights[i]);
  }
  // Degrees move with their nodes.
  for (std::int64_t v = 0; v < n; ++v) {
    EXPECT_EQ(h.out_degree()[static_cast<std::size_t>(r.new_id[v])], g->out_degree()[static_cast<std::size_t>(v)]);
    EXPECT_EQ(h.in_degree()[static_cast<std::size_t>(r.new_id[v])], g->in_degree()[static_cast<std::size_t>(v)]);
  }
  // Cached: the same object on every call.
  EXPECT_EQ(&g->locality_relabel(), &r);
}

TEST(LocalityRelabel, RandomMultigraphWithLoopsParallelEdgesAndIsolatedNodes) {
  expect_relabelled(testing::random_edges(300, 2000, 40, 7));
}

TEST(LocalityRelabel, WeightedGraphKeepsWeightsInUserOrder) {
  EdgeList e = testing::random_edges(200, 1500, 10, 11);
  testing::add_weights(e, 0.0, 1.0, 3);
  expect_relabelled(e);
}

TEST(LocalityRelabel, EmptyGraphsAndGraphsWithoutEdges) {
  EdgeList empty;
  expect_relabelled(empty);
  EdgeList lonely;
  lonely.n = 5;
  expect_relabelled(lonely);
}

TEST(LocalityRelabel, CostModelPaysOnlyOnLargeSkewedGraphs) {
  // R-MAT scale 17 (131072 nodes): power-law out-degrees.
  EXPECT_TRUE(testing::build(testing::rmat_edges(17, 16, 1))->locality_pays());
  // The same number of nodes as a 4-regular-ish grid: no skew.
  EdgeList grid;
  const std::int32_t side = 1 << 9;
  grid.n = std::int64_t{side} * (side / 2);
  for (std::int32_t r = 0; r < side / 2; ++r) {
    for (std::int32_t c = 0; c < side; ++c) {
      const std::int32_t v = r * side + c;
      if (c + 1 < side) { grid.src.push_back(v); grid.dst.push_back(v + 1); grid.src.push_back(v + 1); grid.dst.push_back(v); }
      if (r + 1 < side / 2) { grid.src.push_back(v); grid.dst.push_back(v + side); grid.src.push_back(v + side); grid.dst.push_back(v); }
    }
  }
  EXPECT_FALSE(testing::build(grid)->locality_pays());
  // Skewed but small: its node arrays fit in cache anyway.
  EXPECT_FALSE(testing::build(testing::rmat_edges(12, 16, 1))->locality_pays());
}

}  // namespace
}  // namespace fuseflow
