#include "fuseflow/algorithms/connected_components.h"

#include <gtest/gtest.h>

#include <numeric>

#include "test_graphs.h"

namespace fuseflow {
namespace {

using testing::EdgeList;

// Serial verifier: union-find with path halving, then the smallest id per component.
std::vector<std::int64_t> serial_components(const EdgeList& e) {
  std::vector<std::int64_t> parent(static_cast<std::size_t>(e.n));
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](std::int64_t x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  for (std::size_t i = 0; i < e.src.size(); ++i) {
    const std::int64_t a = find(e.src[i]), b = find(e.dst[i]);
    if (a != b) parent[std::max(a, b)] = std::min(a, b);
  }
  std::vector<std::int64_t> label(static_cast<std::size_t>(e.n));
  for (std::int64_t v = 0; v < e.n; ++v) label[v] = find(v);
  return label;
}

void expect_matches_serial(const EdgeList& e) {
  const auto g = testing::build(e);
  const auto expected = serial_components(e);
  testing::at_thread_counts([&](int threads) {
    const Buffer<std::int64_t> labels = connected_components(*g);
    ASSERT_EQ(static_cast<std::int64_t>(labels.size()), e.n);
    for (std::int64_t v = 0; v < e.n; ++v) ASSERT_EQ(labels[v], expected[v]) << "node " << v << " threads " << threads;
  });
}

TEST(ConnectedComponents, RmatMatchesUnionFind) { expect_matches_serial(testing::rmat_edges(13, 4, 11)); }

TEST(ConnectedComponents, SparseRandomWithLoopsParallelEdgesIsolated) {
  for (std::uint64_t seed = 0; seed < 4; ++seed) expect_matches_serial(testing::random_edges(3000, 1800, 200, seed));
}

TEST(ConnectedComponents, DirectedChainPointingDownIsOneComponent) {
  // Edges only go from high to low ids: joining needs the in-edge side of phase 2.
  EdgeList e;
  e.n = 50000;
  for (std::int32_t v = 1; v < e.n; ++v) {
    e.src.push_back(v);
    e.dst.push_back(v - 1);
  }
  expect_matches_serial(e);
}

TEST(ConnectedComponents, EmptyGraph) {
  EdgeList e;
  EXPECT_EQ(connected_components(*testing::build(e)).size(), 0u);
}

}  // namespace
}  // namespace fuseflow
