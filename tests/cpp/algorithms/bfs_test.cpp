#include "fuseflow/algorithms/bfs.h"

#include <gtest/gtest.h>

#include <deque>

#include "fuseflow/core/error.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

using testing::EdgeList;

// Serial verifier: queue-based BFS over out-edges.
std::vector<std::int64_t> serial_levels(const EdgeList& e, std::int64_t source) {
  std::vector<std::vector<std::int32_t>> adj(static_cast<std::size_t>(e.n));
  for (std::size_t i = 0; i < e.src.size(); ++i) adj[e.src[i]].push_back(e.dst[i]);
  std::vector<std::int64_t> level(static_cast<std::size_t>(e.n), -1);
  std::deque<std::int64_t> queue{source};
  level[source] = 0;
  while (!queue.empty()) {
    const auto u = queue.front();
    queue.pop_front();
    for (auto v : adj[u]) {
      if (level[v] < 0) {
        level[v] = level[u] + 1;
        queue.push_back(v);
      }
    }
  }
  return level;
}

void expect_matches_serial(const EdgeList& e, std::int64_t source) {
  const auto g = testing::build(e);
  const auto expected = serial_levels(e, source);
  testing::at_thread_counts([&](int threads) {
    const BfsResult r = bfs(*g, source, /*want_parents=*/true);
    for (std::int64_t v = 0; v < e.n; ++v) {
      ASSERT_EQ(r.level[v], expected[v]) << "node " << v << " threads " << threads;
      if (expected[v] <= 0) {
        ASSERT_EQ(r.parent[v], -1);
        continue;
      }
      // The parent is an in-neighbour one level up (the edge exists).
      const auto p = r.parent[v];
      ASSERT_EQ(expected[p], expected[v] - 1);
      bool edge = false;
      for (auto e_off = g->out_offsets()[p]; e_off < g->out_offsets()[p + 1]; ++e_off) edge |= g->out_targets()[e_off] == v;
      ASSERT_TRUE(edge);
    }
  });
}

TEST(Bfs, RmatUsesBothDirectionsAndMatchesSerial) {
  const EdgeList e = testing::rmat_edges(13, 16, 3);
  expect_matches_serial(e, e.src[0]);
}

TEST(Bfs, SparseRandomMatchesSerial) {
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    const EdgeList e = testing::random_edges(4000, 6000, 100, seed);
    expect_matches_serial(e, e.src[5]);
  }
}

TEST(Bfs, LongPathManyLevels) {
  EdgeList e;
  e.n = 20000;
  for (std::int32_t v = 0; v + 1 < e.n; ++v) {
    e.src.push_back(v);
    e.dst.push_back(v + 1);
  }
  expect_matches_serial(e, 0);
}

TEST(Bfs, SourceOutOfRangeIsValueError) {
  const auto g = testing::build(testing::random_edges(10, 10, 0, 1));
  for (std::int64_t source : {std::int64_t{-1}, std::int64_t{10}}) {
    try {
      bfs(*g, source, false);
      FAIL() << "no error for source " << source;
    } catch (const Error& err) {
      EXPECT_EQ(err.code(), ErrorCode::kInvalidValue);
      EXPECT_NE(std::string(err.what()).find("source:"), std::string::npos);
    }
  }
}

}  // namespace
}  // namespace fuseflow
