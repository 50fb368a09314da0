// Graph::reversed against the graph from_edges builds from the reversed edge list: every array,
// eager and lazy, equal element for element, on graphs with self-loops, parallel edges and
// isolated nodes, weighted or not, with out-lists sorted by target or not; nullptr when the
// user edge order is not the CSR order; the base kept alive; reversing twice gives the base back.
#include <gtest/gtest.h>

#include <algorithm>
#include <numeric>
#include <span>
#include <vector>

#include "fuseflow/graph/graph.h"
#include "graph/same_graph.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

using testing::expect_same_graph;
using testing::vec;

testing::EdgeList swapped(const testing::EdgeList& e) {
  testing::EdgeList r = e;
  std::swap(r.src, r.dst);
  return r;
}

void expect_reverses(const testing::EdgeList& edges) {
  const auto base = testing::build(edges);
  ASSERT_TRUE(base->user_order_is_csr());
  const auto r = Graph::reversed(base);
  ASSERT_NE(r, nullptr);
  expect_same_graph(*r, *testing::build(swapped(edges)));
  EXPECT_EQ(Graph::reversed(r), base);  // reversing twice: the base itself
}

TEST(ReversedGraph, EqualsTheGraphBuiltFromTheReversedEdges) {
  testing::EdgeList e = testing::by_source(testing::random_edges(3000, 20000, 100, 1));  // loops, parallel edges, isolated
  expect_reverses(e);
  testing::add_weights(e, 0.5, 2.0, 2);
  expect_reverses(e);
  const testing::EdgeList hubs = testing::by_source(testing::rmat_edges(10, 8, 3));  // long unsorted out-lists
  testing::at_thread_counts([&](int) { expect_reverses(hubs); });
}

TEST(ReversedGraph, SharesEveryArrayWhenOutListsAreSortedByTarget) {
  // A grid's edges in (source, target) order: the reversed CSC is the base's CSR itself.
  testing::EdgeList e;
  e.n = 400;
  for (std::int32_t u = 0; u < 400; ++u) {
    for (std::int32_t v : {u - 20, u - 1, u + 1, u + 20}) {
      if (v >= 0 && v < 400) {
        e.src.push_back(u);
        e.dst.push_back(v);
      }
    }
  }
  testing::add_weights(e, 1.0, 3.0, 4);
  const auto base = testing::build(e);
  const auto r = Graph::reversed(base);
  ASSERT_NE(r, nullptr);
  EXPECT_EQ(r->out_targets().data(), base->in_sources().data());
  EXPECT_EQ(r->in_sources().data(), base->out_targets().data());
  EXPECT_EQ(r->in_weights().data(), base->out_weights().data());
  EXPECT_EQ(r->memory_bytes(), 0u);
  expect_same_graph(*r, *testing::build(swapped(e)));
}

TEST(ReversedGraph, EmptyAndEdgelessGraphs) {
  testing::EdgeList none;
  none.n = 0;
  expect_reverses(none);
  testing::EdgeList isolated;
  isolated.n = 5;
  expect_reverses(isolated);
}

TEST(ReversedGraph, NullWhenTheUserOrderIsNotTheCsrOrder) {
  testing::EdgeList e;
  e.n = 3;
  e.src = {2, 0, 1};
  e.dst = {0, 1, 2};
  const auto base = testing::build(e);
  ASSERT_FALSE(base->user_order_is_csr());
  EXPECT_EQ(Graph::reversed(base), nullptr);
}

TEST(ReversedGraph, KeepsItsBaseAlive) {
  std::shared_ptr<const Graph> r;
  std::vector<NodeId> want;
  {
    const testing::EdgeList e = testing::by_source(testing::random_edges(500, 3000, 10, 5));
    const auto base = testing::build(e);
    r = Graph::reversed(base);
    want = vec(testing::build(swapped(e))->out_targets());
  }  // the caller's base is gone; r still reads its arrays (ASan would see a use after free)
  EXPECT_EQ(vec(r->out_targets()), want);
}

}  // namespace
}  // namespace fuseflow
