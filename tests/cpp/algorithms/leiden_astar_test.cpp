// Leiden and A* against serial references: modularity by its dense definition, connectivity
// of every community by a flood fill, A* lengths and paths against Dijkstra; thread counts
// never change a Leiden result for a seed.
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <limits>
#include <string>
#include <vector>

#include "fuseflow/algorithms/astar.h"
#include "fuseflow/algorithms/dijkstra.h"
#include "fuseflow/algorithms/leiden.h"
#include "fuseflow/core/error.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

using testing::EdgeList;

std::vector<EdgeList> cases() {
  std::vector<EdgeList> out;
  for (std::uint64_t seed = 0; seed < 3; ++seed) out.push_back(testing::random_edges(150, 600, 10, seed));
  out.push_back(testing::rmat_edges(7, 8, 3));
  EdgeList two;  // two components (a triangle with a tail, a 3-cycle) and an isolated node
  two.n = 9;
  two.src = {0, 1, 2, 0, 4, 5, 6, 6, 3};
  two.dst = {1, 2, 0, 3, 5, 6, 4, 4, 3};
  out.push_back(two);
  return out;
}

double dense_modularity(const EdgeList& e, const Buffer<std::int64_t>& label, double resolution) {
  std::vector<std::vector<double>> a(e.n, std::vector<double>(e.n, 0.0));
  for (std::size_t i = 0; i < e.src.size(); ++i) {
    const double w = e.weights.empty() ? 1.0 : e.weights[i];
    a[e.src[i]][e.dst[i]] += w;
    a[e.dst[i]][e.src[i]] += w;
  }
  std::vector<double> k(static_cast<std::size_t>(e.n), 0.0);
  double two_m = 0;
  for (std::int64_t u = 0; u < e.n; ++u)
    for (std::int64_t v = 0; v < e.n; ++v) k[u] += a[u][v], two_m += a[u][v];
  double q = 0;
  for (std::int64_t u = 0; u < e.n; ++u)
    for (std::int64_t v = 0; v < e.n; ++v)
      if (label[u] == label[v]) q += a[u][v] - resolution * k[u] * k[v] / two_m;
  return q / two_m;
}

// Each community is one flood fill over undirected edges inside it.
bool communities_connected(const EdgeList& e, const Buffer<std::int64_t>& label) {
  std::vector<std::vector<std::int64_t>> adj(static_cast<std::size_t>(e.n));
  for (std::size_t i = 0; i < e.src.size(); ++i) {
    adj[e.src[i]].push_back(e.dst[i]);
    adj[e.dst[i]].push_back(e.src[i]);
  }
  std::vector<int> seen_label(static_cast<std::size_t>(e.n), 0), visited(static_cast<std::size_t>(e.n), 0);
  for (std::int64_t s = 0; s < e.n; ++s) {
    if (visited[s]) continue;
    if (seen_label[label[s]]) return false;  // a second piece of an already filled community
    seen_label[label[s]] = 1;
    std::vector<std::int64_t> stack{s};
    visited[s] = 1;
    while (!stack.empty()) {
      const std::int64_t u = stack.back();
      stack.pop_back();
      for (const std::int64_t v : adj[u]) {
        if (!visited[v] && label[v] == label[s]) {
          visited[v] = 1;
          stack.push_back(v);
        }
      }
    }
  }
  return true;
}

TEST(GraphLibrary, LeidenModularityMatchesDefinitionConnectedAndDeterministic) {
  for (EdgeList e : cases()) {
    for (const double resolution : {1.0, 2.5}) {
      LouvainResult first;
      testing::at_thread_counts([&](int threads) {
        LouvainResult r = leiden(*testing::build(e), resolution, 5, false);
        EXPECT_NEAR(r.modularity, dense_modularity(e, r.labels, resolution), 1e-12);
        EXPECT_TRUE(communities_connected(e, r.labels));
        if (threads == 1) {
          first = std::move(r);
        } else {
          EXPECT_EQ(std::vector<std::int64_t>(r.labels.begin(), r.labels.end()),
                    std::vector<std::int64_t>(first.labels.begin(), first.labels.end()));
        }
      });
      Buffer<std::int64_t> singletons(static_cast<std::size_t>(e.n));
      for (std::int64_t v = 0; v < e.n; ++v) singletons[v] = v;
      EXPECT_GT(first.modularity, dense_modularity(e, singletons, resolution));
    }
    testing::add_weights(e, 0.0, 2.0, 1);
    const LouvainResult w = leiden(*testing::build(e), 1.0, 3, true, -1);
    EXPECT_NEAR(w.modularity, dense_modularity(e, w.labels, 1.0), 1e-12);
    EXPECT_TRUE(communities_connected(e, w.labels));
  }
}

TEST(GraphLibrary, AstarMatchesDijkstra) {
  for (EdgeList e : cases()) {
    testing::add_weights(e, 0.5, 3.0, 7);
    const auto g = testing::build(e);
    const ShortestPaths from0 = dijkstra(*g, 0);
    for (std::int64_t t = 0; t < e.n; t += 7) {
      // Perfect heuristic: distance to t (Dijkstra on the reversed edges); unreachable: large.
      EdgeList rev = e;
      std::swap(rev.src, rev.dst);
      const ShortestPaths to_t = dijkstra(*testing::build(rev), t);
      std::vector<double> h(static_cast<std::size_t>(e.n));
      for (std::int64_t v = 0; v < e.n; ++v) h[v] = std::isfinite(to_t.dist[v]) ? 0.5 * to_t.dist[v] : 1e9;
      for (const bool with_h : {false, true}) {
        AstarHeuristic heuristic;
        if (with_h) {
          heuristic.kind = AstarHeuristic::Kind::kLowerBound;
          heuristic.lower_bound = h;
        }
        const AstarResult r = astar(*g, 0, t, heuristic);
        if (!std::isfinite(from0.dist[t])) {
          EXPECT_EQ(r.path.size(), 0u);
          EXPECT_TRUE(std::isinf(r.length));
          continue;
        }
        EXPECT_NEAR(r.length, from0.dist[t], 1e-12 * std::max(1.0, from0.dist[t]));
        ASSERT_GE(r.path.size(), 1u);
        EXPECT_EQ(r.path[0], 0);
        EXPECT_EQ(r.path[r.path.size() - 1], t);
        double total = 0.0;  // sum of the lightest edge u -> v over the path
        for (std::size_t i = 0; i + 1 < r.path.size(); ++i) {
          double best = std::numeric_limits<double>::infinity();
          for (std::size_t k = 0; k < e.src.size(); ++k) {
            if (e.src[k] == r.path[i] && e.dst[k] == r.path[i + 1]) best = std::min(best, e.weights[k]);
          }
          total += best;
        }
        EXPECT_NEAR(total, r.length, 1e-12 * std::max(1.0, total));
      }
    }
  }
}

void expect_value_error(const std::function<void()>& f, const std::string& starts) {
  try {
    f();
    ADD_FAILURE() << "no error, expected " << starts;
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), ErrorCode::kInvalidValue);
    EXPECT_EQ(std::string(err.what()).rfind(starts, 0), 0u) << err.what();
  }
}

TEST(GraphLibrary, LeidenAndAstarErrorsNameTheArgument) {
  EdgeList e = testing::random_edges(50, 100, 2, 4);
  const auto unweighted = testing::build(e);
  testing::add_weights(e, -1.0, 1.0, 2);
  const auto negative = testing::build(e);
  expect_value_error([&] { leiden(*unweighted, -1.0, 0, false); }, "resolution: must be finite and > 0");
  expect_value_error([&] { leiden(*unweighted, 1.0, 0, false, 0); }, "iterations: must be >= 1");
  expect_value_error([&] { leiden(*unweighted, 1.0, 0, true); }, "g: leiden with weights needs edge weights");
  expect_value_error([&] { leiden(*negative, 1.0, 0, true); }, "g: leiden needs non-negative edge weights");
  AstarHeuristic none;
  expect_value_error([&] { astar(*unweighted, 50, 0, none); }, "source: must be a node id");
  expect_value_error([&] { astar(*unweighted, 0, -1, none); }, "target: must be a node id");
  expect_value_error([&] { astar(*negative, 0, 1, none); }, "g: astar needs non-negative edge weights");
  std::vector<double> h(50, 0.0);
  AstarHeuristic lb;
  lb.kind = AstarHeuristic::Kind::kLowerBound;
  lb.lower_bound = std::span<const double>(h.data(), 49);
  expect_value_error([&] { astar(*unweighted, 0, 1, lb); }, "heuristic: must have num_nodes = 50 entries");
  lb.lower_bound = h;
  h[3] = -1.0;
  expect_value_error([&] { astar(*unweighted, 0, 1, lb); }, "heuristic: entries must be finite and >= 0");
  h[3] = 0.0;
  h[1] = 0.5;
  expect_value_error([&] { astar(*unweighted, 0, 1, lb); }, "heuristic: must be 0 at the target");
  h.assign(50, 40.0);  // overestimates: inconsistent on the edges into the target
  h[1] = 0.0;
  expect_value_error([&] { astar(*unweighted, 0, 1, lb); }, "heuristic: not consistent on edge");
  std::vector<double> xy(100, 0.0);
  AstarHeuristic c;
  c.kind = AstarHeuristic::Kind::kCoordinates;
  c.coordinates = xy;
  c.dim = 3;
  expect_value_error([&] { astar(*unweighted, 0, 1, c); }, "coordinates: must have num_nodes = 50 rows of 3");
  c.dim = 0;
  expect_value_error([&] { astar(*unweighted, 0, 1, c); }, "coordinates: need at least one column");
  c.dim = 2;
  xy[5] = std::numeric_limits<double>::quiet_NaN();
  expect_value_error([&] { astar(*unweighted, 0, 1, c); }, "coordinates: entries must be finite, node 2");
}

}  // namespace
}  // namespace fuseflow
