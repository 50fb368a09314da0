#include "fuseflow/algorithms/sssp.h"

#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <queue>

#include "fuseflow/core/error.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

using testing::EdgeList;

// Serial verifier: binary-heap Dijkstra over the raw edge list.
std::vector<double> serial_dijkstra(const EdgeList& e, std::int64_t source) {
  std::vector<std::vector<std::pair<std::int32_t, double>>> adj(static_cast<std::size_t>(e.n));
  for (std::size_t i = 0; i < e.src.size(); ++i) adj[e.src[i]].push_back({e.dst[i], e.weights[i]});
  std::vector<double> dist(static_cast<std::size_t>(e.n), std::numeric_limits<double>::infinity());
  using Item = std::pair<double, std::int64_t>;
  std::priority_queue<Item, std::vector<Item>, std::greater<>> heap;
  dist[source] = 0.0;
  heap.push({0.0, source});
  while (!heap.empty()) {
    auto [d, u] = heap.top();
    heap.pop();
    if (d > dist[u]) continue;
    for (auto [v, w] : adj[u]) {
      if (d + w < dist[v]) {
        dist[v] = d + w;
        heap.push({dist[v], v});
      }
    }
  }
  return dist;
}

void expect_matches_serial(const EdgeList& e, std::int64_t source, double delta = 0.0) {
  const auto g = testing::build(e);
  const auto expected = serial_dijkstra(e, source);
  testing::at_thread_counts([&](int threads) {
    const Buffer<double> dist = sssp(*g, source, delta);
    // Both take the minimum over the same left-to-right path sums: equal bit for bit.
    for (std::int64_t v = 0; v < e.n; ++v) ASSERT_EQ(dist[v], expected[v]) << "node " << v << " threads " << threads;
  });
}

TEST(Sssp, RmatUniformWeights) {
  EdgeList e = testing::rmat_edges(12, 8, 5);
  testing::add_weights(e, 0.0, 1.0, 6);
  expect_matches_serial(e, e.src[0]);
}

TEST(Sssp, RandomWithParallelEdgesLoopsAndZeroWeights) {
  for (std::uint64_t seed = 0; seed < 3; ++seed) {
    EdgeList e = testing::random_edges(3000, 9000, 50, seed);
    testing::add_weights(e, 0.0, 5.0, seed + 10);
    for (std::size_t i = 0; i < e.weights.size(); i += 13) e.weights[i] = 0.0;
    expect_matches_serial(e, e.src[1]);
  }
}

TEST(Sssp, TinyDeltaManyBucketsAndHugeDelta) {
  EdgeList e = testing::random_edges(2000, 8000, 0, 4);
  testing::add_weights(e, 0.5, 2.0, 7);
  expect_matches_serial(e, 0, 1e-3);
  expect_matches_serial(e, 0, 1e9);
}

TEST(Sssp, LongPathBeyondTheLastBucket) {
  // A bucket width of 1e-3 puts most of this path past the bucket cap (2^20).
  EdgeList e;
  e.n = 3000;
  for (std::int32_t v = 0; v + 1 < e.n; ++v) {
    e.src.push_back(v);
    e.dst.push_back(v + 1);
    e.src.push_back(v + 1);
    e.dst.push_back(v);
  }
  testing::add_weights(e, 1.0, 2.0, 9);
  expect_matches_serial(e, 17, 1e-3);
}

TEST(Sssp, InfiniteWeightsNeverReach) {
  EdgeList e;
  e.n = 3;
  e.src = {0, 1};
  e.dst = {1, 2};
  e.weights = {1.0, std::numeric_limits<double>::infinity()};
  const Buffer<double> dist = sssp(*testing::build(e), 0);
  EXPECT_EQ(dist[1], 1.0);
  EXPECT_TRUE(std::isinf(dist[2]));
}

void expect_value_error(const EdgeList& e, std::int64_t source, const std::string& fragment) {
  try {
    sssp(*testing::build(e), source);
    FAIL() << "no error";
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), ErrorCode::kInvalidValue);
    EXPECT_NE(std::string(err.what()).find(fragment), std::string::npos) << err.what();
  }
}

TEST(Sssp, Errors) {
  EdgeList e = testing::random_edges(20, 40, 0, 2);
  expect_value_error(e, 0, "g: sssp needs edge weights");
  testing::add_weights(e, 1.0, 2.0, 3);
  expect_value_error(e, 20, "source:");
  expect_value_error(e, -1, "source:");
  e.weights[7] = -0.5;
  expect_value_error(e, 0, "non-negative edge weights");
}

}  // namespace
}  // namespace fuseflow
