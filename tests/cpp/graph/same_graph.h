// Test helper: two graphs equal in every array, eager and lazy (what "the graph from_edges
// builds" means for graphs made another way: reversed, cut, made undirected).
#pragma once

#include <gtest/gtest.h>

#include <span>
#include <vector>

#include "fuseflow/graph/graph.h"

namespace fuseflow::testing {

template <class T>
inline std::vector<T> vec(std::span<const T> s) {
  return std::vector<T>(s.begin(), s.end());
}
template <class T>
inline std::vector<T> vec(std::span<T> s) {
  return std::vector<T>(s.begin(), s.end());
}

inline void expect_same_graph(const Graph& got, const Graph& want) {
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

}  // namespace fuseflow::testing
