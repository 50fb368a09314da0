// bfs and sssp over a GraphMask (no cut) against the same algorithm on the graph from_edges builds
// from the kept edges (testing::reference_cut, one edge at a time): levels, parents and distances
// equal element for element at 1-4 threads, for edges in random and in source order, with
// self-loops, parallel edges, isolated nodes, empty and full masks; masked_size against the
// reference's counts; and the argument rules.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "fuseflow/algorithms/bfs.h"
#include "fuseflow/algorithms/dijkstra.h"
#include "fuseflow/algorithms/sssp.h"
#include "fuseflow/core/error.h"
#include "fuseflow/graph/graph_mask.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

using testing::EdgeList;
using testing::random_mask;
using testing::reference_cut;

// Runs f and expects a ValueError whose message starts with "argument:".
template <class F>
void expect_value_error(F f, const std::string& argument) {
  try {
    f();
    ADD_FAILURE() << "no error naming " << argument;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(argument + ":", 0), 0u) << e.what();
  }
}

template <class T>
std::vector<T> vec(const Buffer<T>& b) {
  return {b.begin(), b.end()};
}

// Random and source order, weighted; the R-MAT graph (262,144 edges) makes BFS switch to
// bottom-up steps and every parallel loop take 2-4 threads.
std::vector<EdgeList> bases() {
  EdgeList random = testing::random_edges(3000, 20000, 100, 21);
  testing::add_weights(random, 0.5, 2.0, 22);
  EdgeList rmat = testing::rmat_edges(14, 16, 23);
  testing::add_weights(rmat, 0.0, 1.0, 24);
  return {random, testing::by_source(random), rmat, testing::by_source(rmat)};
}

struct Masks {
  std::vector<std::uint8_t> nodes, edges;
};

std::vector<Masks> masks_for(const EdgeList& e) {
  const auto n = static_cast<std::size_t>(e.n);
  const std::size_t m = e.src.size();
  return {{{}, {}},
          {random_mask(n, 0.6, 1), {}},
          {{}, random_mask(m, 0.5, 2)},
          {random_mask(n, 0.8, 3), random_mask(m, 0.7, 4)},
          {std::vector<std::uint8_t>(n, 1), std::vector<std::uint8_t>(m, 1)},   // full masks
          {random_mask(n, 0.9, 5), std::vector<std::uint8_t>(m, 0)}};           // no edge kept
}

TEST(MaskedTraversal, BfsAndSsspEqualTheAlgorithmsOnTheCutGraph) {
  for (const EdgeList& e : bases()) {
    for (const Masks& mask : masks_for(e)) {
      std::vector<EdgeOffset> ids;
      const EdgeList kept = reference_cut(e, mask.nodes, mask.edges, ids);
      const auto cut = testing::build(kept);
      const auto g = testing::build(e);
      const GraphMask gm{mask.nodes, mask.edges};
      // The same masks with the edge mask laid out by CSR and CSC position (as views pass it).
      Buffer<std::uint8_t> by_out, by_in;
      if (!mask.edges.empty()) {
        by_out = edge_keep_by_position(*g, mask.edges, false);
        by_in = edge_keep_by_position(*g, mask.edges, true);
      }
      const GraphMask by_position{mask.nodes, mask.edges, by_out.span(), by_in.span()};
      const MaskedSize size = masked_size(*g, gm);
      EXPECT_EQ(size.kept_nodes, kept.n);
      EXPECT_EQ(size.kept_edges, static_cast<std::int64_t>(kept.src.size()));
      for (const std::int64_t source : {std::int64_t{0}, kept.n / 2, kept.n - 1}) {
        const BfsResult want = bfs(*cut, source, true);
        const Buffer<double> want_dist = sssp(*cut, source);
        testing::at_thread_counts([&](int threads) {
          SCOPED_TRACE(::testing::Message() << "n=" << e.n << " kept=" << kept.n << " source=" << source
                                            << " threads=" << threads);
          const BfsResult got = bfs(*g, gm, source, true);
          EXPECT_EQ(vec(got.level), vec(want.level));
          EXPECT_EQ(vec(got.parent), vec(want.parent));
          std::int64_t reached_edges = 0;
          const MaskedSssp got_dist = sssp(*g, gm, source);
          EXPECT_EQ(vec(got_dist.dist), vec(want_dist));
          // The charge is the reached nodes' base out-degrees.
          for (std::int64_t v = 0, view = 0; v < e.n; ++v) {
            if (!mask.nodes.empty() && !mask.nodes[static_cast<std::size_t>(v)]) continue;
            if (want.level[view++] >= 0) reached_edges += g->out_degree()[v];
          }
          EXPECT_EQ(got.reached_out_edges, reached_edges);
          EXPECT_EQ(got_dist.reached_out_edges, reached_edges);  // same reach: weights are finite
          // Dijkstra, to every node and to a target (then only settled nodes are final).
          for (const std::int64_t target : {std::int64_t{-1}, (source + 7) % kept.n}) {
            const ShortestPaths want_paths = dijkstra(*cut, source, target);
            const MaskedShortestPaths got_paths = dijkstra(*g, gm, source, target);
            EXPECT_EQ(vec(got_paths.paths.dist), vec(want_paths.dist));
            EXPECT_EQ(vec(got_paths.paths.parent), vec(want_paths.parent));
          }
          const BfsResult positioned = bfs(*g, by_position, source, true);
          EXPECT_EQ(vec(positioned.level), vec(want.level));
          EXPECT_EQ(vec(positioned.parent), vec(want.parent));
          EXPECT_EQ(vec(sssp(*g, by_position, source).dist), vec(want_dist));
          EXPECT_EQ(vec(dijkstra(*g, by_position, source).paths.dist), vec(dijkstra(*cut, source).dist));
          const BfsResult levels_only = bfs(*g, gm, source, false);
          EXPECT_EQ(vec(levels_only.level), vec(want.level));
          EXPECT_EQ(levels_only.parent.size(), 0u);
        });
      }
    }
  }
}

TEST(MaskedTraversal, OnlyTheKeptEdgesWeightsMustBeNonNegative) {
  // 0 -> 1 (1.0), 1 -> 2 (-1.0), 0 -> 2 (5.0): dropping node 1 or edge 1 leaves a valid graph.
  EdgeList e;
  e.n = 3;
  e.src = {0, 1, 0};
  e.dst = {1, 2, 2};
  e.weights = {1.0, -1.0, 5.0};
  const auto g = testing::build(e);
  const std::vector<std::uint8_t> without_node_1 = {1, 0, 1}, without_edge_1 = {1, 0, 1};
  EXPECT_EQ(vec(sssp(*g, GraphMask{without_node_1, {}}, 0).dist), (std::vector<double>{0.0, 5.0}));
  EXPECT_EQ(vec(dijkstra(*g, GraphMask{{}, without_edge_1}, 0).paths.dist), (std::vector<double>{0.0, 1.0, 5.0}));
  expect_value_error([&] { dijkstra(*g, GraphMask{std::vector<std::uint8_t>{1, 1, 1}, {}}, 0); }, "g");
  expect_value_error([&] { dijkstra(*g, GraphMask{without_node_1, {}}, 0, 2); }, "target");
  EXPECT_EQ(vec(sssp(*g, GraphMask{{}, without_edge_1}, 0).dist), (std::vector<double>{0.0, 1.0, 5.0}));
  const std::vector<std::uint8_t> all_nodes = {1, 1, 1};
  expect_value_error([&] { sssp(*g, GraphMask{all_nodes, {}}, 0); }, "g");
}

TEST(MaskedTraversal, ArgumentRules) {
  const auto g = testing::build(testing::random_edges(50, 200, 5, 31));
  const std::vector<std::uint8_t> short_nodes(49, 1), short_edges(3, 1), half(50, 0);
  expect_value_error([&] { bfs(*g, GraphMask{short_nodes, {}}, 0, false); }, "node_mask");
  expect_value_error([&] { bfs(*g, GraphMask{{}, short_edges}, 0, false); }, "edge_mask");
  expect_value_error([&] { masked_size(*g, GraphMask{short_nodes, {}}); }, "node_mask");
  const std::vector<std::uint8_t> all_edges(static_cast<std::size_t>(g->num_edges()), 1);
  expect_value_error([&] { bfs(*g, GraphMask{{}, all_edges, short_edges, {}}, 0, false); }, "edge_mask (by CSR position)");
  expect_value_error([&] { bfs(*g, GraphMask{{}, {}, all_edges, {}}, 0, false); }, "edge_mask");
  std::vector<std::uint8_t> some = half;
  some[7] = some[9] = 1;  // two kept nodes: sources 0 and 1 only
  EXPECT_EQ(bfs(*g, GraphMask{some, {}}, 1, false).level.size(), 2u);
  expect_value_error([&] { bfs(*g, GraphMask{some, {}}, 2, false); }, "source");
  expect_value_error([&] { sssp(*g, GraphMask{some, {}}, -1); }, "source");
  expect_value_error([&] { bfs(*g, GraphMask{half, {}}, 0, false); }, "source");  // no node kept: no source
}

}  // namespace
}  // namespace fuseflow
