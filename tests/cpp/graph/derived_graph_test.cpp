// Graph::subgraph and Graph::undirected against the graph from_edges builds from the same edges
// (the kept ones, relabelled; or each edge and then its reverse, in user order): every array,
// eager and lazy, equal element for element at 1-4 threads, for edges in random order and in
// source order, weighted or not, with self-loops, parallel edges and isolated nodes; and the
// base user edge index of each derived edge.
#include <gtest/gtest.h>

#include <cstdint>
#include <random>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/graph/graph.h"
#include "graph/same_graph.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

using testing::EdgeList;
using testing::expect_same_graph;
using testing::random_mask;
using testing::reference_cut;
using testing::vec;

// Each edge, then the reverse of each one that is not a loop, in user order.
EdgeList reference_both_ways(const EdgeList& e, std::vector<EdgeOffset>& ids) {
  EdgeList out = e;
  ids.resize(e.src.size());
  for (std::size_t i = 0; i < e.src.size(); ++i) ids[i] = static_cast<EdgeOffset>(i);
  for (std::size_t i = 0; i < e.src.size(); ++i) {
    if (e.src[i] == e.dst[i]) continue;
    out.src.push_back(e.dst[i]);
    out.dst.push_back(e.src[i]);
    if (!e.weights.empty()) out.weights.push_back(e.weights[i]);
    ids.push_back(static_cast<EdgeOffset>(i));
  }
  return out;
}

// Random order (kept edges ranked by user id) and source order (the identity), weighted or not;
// the R-MAT graph is large enough (262,144 edges) for every parallel loop to take 2-4 threads.
std::vector<EdgeList> bases() {
  EdgeList random = testing::random_edges(3000, 20000, 100, 11);
  EdgeList weighted = random;
  testing::add_weights(weighted, 0.5, 2.0, 12);
  EdgeList rmat = testing::rmat_edges(14, 16, 13);
  testing::add_weights(rmat, 0.5, 2.0, 14);
  return {random, weighted, testing::by_source(random), testing::by_source(weighted), rmat, testing::by_source(rmat)};
}

TEST(SubgraphCut, EqualsTheGraphBuiltFromTheKeptEdges) {
  for (const EdgeList& e : bases()) {
    const auto base = testing::build(e);
    const std::size_t n = static_cast<std::size_t>(e.n), m = e.src.size();
    const std::vector<std::vector<std::uint8_t>> node_masks = {
        {}, random_mask(n, 0.01, 1) /* few edges: ranked by a sort */, random_mask(n, 0.9, 2) /* by a bitset */};
    const std::vector<std::vector<std::uint8_t>> edge_masks = {{}, random_mask(m, 0.5, 3), random_mask(m, 0.002, 4)};
    for (const auto& nodes : node_masks) {
      for (const auto& edges : edge_masks) {
        std::vector<EdgeOffset> want_ids;
        const auto want = testing::build(reference_cut(e, nodes, edges, want_ids));
        testing::at_thread_counts([&](int threads) {
          SCOPED_TRACE(::testing::Message() << "threads " << threads << ", node mask " << nodes.size()
                                            << ", edge mask " << edges.size() << ", weighted " << !e.weights.empty());
          Buffer<EdgeOffset> ids;
          const auto cut = Graph::subgraph(*base, nodes, edges, ids);
          expect_same_graph(*cut, *want);
          EXPECT_EQ(vec(ids.span()), want_ids);
        });
      }
    }
  }
}

TEST(SubgraphCut, OfAReversedGraphReadsItsBorrowedUserIds) {
  const EdgeList e = testing::by_source(testing::rmat_edges(10, 8, 5));
  const auto reversed = Graph::reversed(testing::build(e));
  ASSERT_NE(reversed, nullptr);
  EdgeList r = e;
  std::swap(r.src, r.dst);
  const auto nodes = random_mask(static_cast<std::size_t>(e.n), 0.6, 6);
  std::vector<EdgeOffset> want_ids;
  const auto want = testing::build(reference_cut(r, nodes, {}, want_ids));
  Buffer<EdgeOffset> ids;
  expect_same_graph(*Graph::subgraph(*reversed, nodes, {}, ids), *want);
  EXPECT_EQ(vec(ids.span()), want_ids);
}

TEST(SubgraphCut, RejectsMasksOfTheWrongLength) {
  const auto g = testing::build(testing::random_edges(10, 30, 2, 7));
  const std::vector<std::uint8_t> short_mask(3, 1);
  Buffer<EdgeOffset> ids;
  EXPECT_THROW(Graph::subgraph(*g, short_mask, {}, ids), Error);
  EXPECT_THROW(Graph::subgraph(*g, {}, short_mask, ids), Error);
}

TEST(UndirectedGraph, EqualsTheGraphBuiltFromBothDirections) {
  std::vector<EdgeList> cases = bases();
  cases.push_back(testing::by_source(testing::rmat_edges(10, 8, 8)));  // hubs: long lists both ways
  EdgeList loops;  // only self-loops: no reversed copies
  loops.n = 4;
  loops.src = {2, 0, 2};
  loops.dst = {2, 0, 2};
  loops.weights = {1.0, 2.0, 3.0};
  cases.push_back(loops);
  EdgeList none;  // nodes, no edges
  none.n = 3;
  cases.push_back(none);
  cases.push_back(EdgeList{});  // nothing at all
  for (const EdgeList& e : cases) {
    const auto base = testing::build(e);
    std::vector<EdgeOffset> want_ids;
    const auto want = testing::build(reference_both_ways(e, want_ids));
    testing::at_thread_counts([&](int threads) {
      SCOPED_TRACE(::testing::Message() << "threads " << threads << ", " << e.src.size() << " edges");
      Buffer<EdgeOffset> ids;
      expect_same_graph(*Graph::undirected(*base, ids), *want);
      EXPECT_EQ(vec(ids.span()), want_ids);
    });
  }
}

}  // namespace
}  // namespace fuseflow
