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
#include "test_graphs.h"

namespace fuseflow {
namespace {

template <class T>
std::vector<T> vec(std::span<const T> s) {
  return std::vector<T>(s.begin(), s.end());
}
template <class T>
std::vector<T> vec(std::span<T> s) {
  return std::vector<T>(s.begin(), s.end());
}

// The edge list in source order (stable: parallel edges keep their order), as a file gives it.
testing::EdgeList by_source(testing::EdgeList e) {
  std::vector<std::size_t> order(e.src.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return e.src[a] < e.src[b]; });
  testing::EdgeList s;
  s.n = e.n;
  for (std::size_t i : order) {
    s.src.push_back(e.src[i]);
    s.dst.push_back(e.dst[i]);
    if (!e.weights.empty()) s.weights.push_back(e.weights[i]);
  }
  return s;
}

testing::EdgeList swapped(const testing::EdgeList& e) {
  testing::EdgeList r = e;
  std::swap(r.src, r.dst);
  return r;
}

void expect_same_graph(const Graph& got, const Graph& want) {
  ASSERT_EQ(got.num_nodes(), want.num_nodes());
  ASSERT_EQ(got.num_edges(), want.num_edges());
  ASSERT_EQ(got.has_weights(), want.has_weights());
  EXPECT_EQ(vec(got.out_offsets()), vec(want.out_offsets()));
  EXPECT_EQ(vec(got.out_targets()), vec(want.out_targets()));
  EXPECT_EQ(vec(got.out_weights()), vec(want.out_weights()));
  EXPECT_EQ(vec(got.in_offsets()), vec(want.in_offsets()));
  EXPECT_EQ(vec(got.in_sources()), vec(want.in_sources()));
  EXPECT_EQ(vec(got.in_weights()), vec(want.in_weights()));
  EXPECT_EQ(vec(got.user_edge_ids()), vec(want.user_edge_ids()));
  EXPECT_EQ(got.user_order_is_csr(), want.user_order_is_csr());
  EXPECT_EQ(vec(got.out_degree()), vec(want.out_degree()));
  EXPECT_EQ(vec(got.in_degree()), vec(want.in_degree()));
  for (bool in : {false, true}) {
    EXPECT_EQ(vec(got.balanced_chunks(in)), vec(want.balanced_chunks(in)));
    EXPECT_EQ(got.max_degree(in), want.max_degree(in));
  }
  // The lazily built members, from the borrowed arrays.
  EXPECT_EQ(vec(got.out_sources()), vec(want.out_sources()));
  EXPECT_EQ(vec(got.in_edge_ids()), vec(want.in_edge_ids()));
  EXPECT_EQ(vec(got.in_user_edge_ids()), vec(want.in_user_edge_ids()));
  EXPECT_EQ(vec(got.user_order_weights()), vec(want.user_order_weights()));
  Buffer<NodeId> gs, gd, ws, wd;
  got.user_order_edges(gs, gd);
  want.user_order_edges(ws, wd);
  EXPECT_EQ(vec(gs.span()), vec(ws.span()));
  EXPECT_EQ(vec(gd.span()), vec(wd.span()));
  const DegreeOrderedInEdges& a = got.degree_ordered_in_edges();
  const DegreeOrderedInEdges& b = want.degree_ordered_in_edges();
  EXPECT_EQ(vec(a.order.span()), vec(b.order.span()));
  EXPECT_EQ(vec(a.offsets.span()), vec(b.offsets.span()));
  EXPECT_EQ(vec(a.sources.span()), vec(b.sources.span()));
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
  testing::EdgeList e = by_source(testing::random_edges(3000, 20000, 100, 1));  // loops, parallel edges, isolated
  expect_reverses(e);
  testing::add_weights(e, 0.5, 2.0, 2);
  expect_reverses(e);
  const testing::EdgeList hubs = by_source(testing::rmat_edges(10, 8, 3));  // long unsorted out-lists
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
    const testing::EdgeList e = by_source(testing::random_edges(500, 3000, 10, 5));
    const auto base = testing::build(e);
    r = Graph::reversed(base);
    want = vec(testing::build(swapped(e))->out_targets());
  }  // the caller's base is gone; r still reads its arrays (ASan would see a use after free)
  EXPECT_EQ(vec(r->out_targets()), want);
}

}  // namespace
}  // namespace fuseflow
