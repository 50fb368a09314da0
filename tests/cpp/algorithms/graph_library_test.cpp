// The graph algorithm library against simple serial verifiers written from the definitions:
// brute-force triangles over adjacency sets, mutual reachability for SCC, naive repeated
// peeling for k-core, all-pairs path counting for betweenness, BFS sums for closeness,
// recursive DFS, Floyd-Warshall style relaxation for shortest paths, Prim for the MST weight.
// Every parallel algorithm runs at 1..4 threads.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <functional>
#include <limits>
#include <queue>
#include <set>
#include <vector>

#include "fuseflow/algorithms/bellman_ford.h"
#include "fuseflow/algorithms/betweenness_centrality.h"
#include "fuseflow/algorithms/closeness_centrality.h"
#include "fuseflow/algorithms/clustering.h"
#include "fuseflow/algorithms/dfs.h"
#include "fuseflow/algorithms/dijkstra.h"
#include "fuseflow/algorithms/k_core.h"
#include "fuseflow/algorithms/louvain.h"
#include "fuseflow/algorithms/minimum_spanning_tree.h"
#include "fuseflow/algorithms/strongly_connected_components.h"
#include "fuseflow/algorithms/transitivity.h"
#include "fuseflow/algorithms/triangle_count.h"
#include "fuseflow/core/error.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

using testing::EdgeList;
constexpr double kInf = std::numeric_limits<double>::infinity();

std::vector<std::set<std::int64_t>> undirected_sets(const EdgeList& e) {
  std::vector<std::set<std::int64_t>> adj(static_cast<std::size_t>(e.n));
  for (std::size_t i = 0; i < e.src.size(); ++i) {
    if (e.src[i] == e.dst[i]) continue;
    adj[e.src[i]].insert(e.dst[i]);
    adj[e.dst[i]].insert(e.src[i]);
  }
  return adj;
}

std::vector<std::set<std::int64_t>> directed_sets(const EdgeList& e) {
  std::vector<std::set<std::int64_t>> adj(static_cast<std::size_t>(e.n));
  for (std::size_t i = 0; i < e.src.size(); ++i) {
    if (e.src[i] != e.dst[i]) adj[e.src[i]].insert(e.dst[i]);
  }
  return adj;
}

std::vector<EdgeList> cases() {
  std::vector<EdgeList> out;
  for (std::uint64_t seed = 0; seed < 3; ++seed) out.push_back(testing::random_edges(200, 900, 15, seed));
  out.push_back(testing::random_edges(60, 700, 2, 9));  // dense
  out.push_back(testing::rmat_edges(8, 8, 3));
  EdgeList two;  // two components and an isolated node
  two.n = 9;
  two.src = {0, 1, 2, 0, 4, 5, 6, 6};
  two.dst = {1, 2, 0, 3, 5, 6, 4, 7};
  out.push_back(two);
  return out;
}

TEST(GraphLibrary, TrianglesMatchBruteForce) {
  for (const EdgeList& e : cases()) {
    const auto adj = undirected_sets(e);
    std::vector<std::int64_t> expected(static_cast<std::size_t>(e.n), 0);
    std::int64_t total = 0;
    for (std::int64_t u = 0; u < e.n; ++u) {
      for (const auto v : adj[u]) {
        for (const auto w : adj[v]) {
          if (u < v && v < w && adj[u].count(w)) {
            ++expected[u], ++expected[v], ++expected[w], ++total;
          }
        }
      }
    }
    const auto g = testing::build(e);
    testing::at_thread_counts([&](int threads) {
      const TriangleCounts t = triangle_count(*g);
      EXPECT_EQ(t.total, total) << "threads " << threads;
      for (std::int64_t v = 0; v < e.n; ++v) ASSERT_EQ(t.per_node[v], expected[v]) << "node " << v;
      const Buffer<double> c = clustering(*g);
      double closed = 0, triples = 0;
      for (std::int64_t v = 0; v < e.n; ++v) {
        const double d = static_cast<double>(adj[v].size());
        EXPECT_DOUBLE_EQ(c[v], d < 2 ? 0.0 : 2.0 * expected[v] / (d * (d - 1)));
        closed += expected[v];
        triples += d * (d - 1) / 2;
      }
      EXPECT_DOUBLE_EQ(transitivity(*g), total == 0 ? 0.0 : closed / triples);
    });
  }
}

TEST(GraphLibrary, SccMatchesMutualReachability) {
  for (const EdgeList& e : cases()) {
    const auto adj = directed_sets(e);
    std::vector<std::vector<std::uint8_t>> reach(static_cast<std::size_t>(e.n));
    for (std::int64_t s = 0; s < e.n; ++s) {
      reach[s].assign(static_cast<std::size_t>(e.n), 0);
      std::vector<std::int64_t> stack{s};
      reach[s][s] = 1;
      while (!stack.empty()) {
        const auto u = stack.back();
        stack.pop_back();
        for (const auto v : adj[u]) {
          if (!reach[s][v]) reach[s][v] = 1, stack.push_back(v);
        }
      }
    }
    const auto g = testing::build(e);
    testing::at_thread_counts([&](int) {
      const auto label = strongly_connected_components(*g);
      for (std::int64_t v = 0; v < e.n; ++v) {
        std::int64_t smallest = v;
        for (std::int64_t u = 0; u < v; ++u) {
          if (reach[u][v] && reach[v][u]) {
            smallest = u;
            break;
          }
        }
        ASSERT_EQ(label[v], smallest) << "node " << v;
      }
    });
  }
}

TEST(GraphLibrary, SccLongChainsNeedTarjanAfterTrimming) {
  // Many 3-cycles chained one way: trimming removes nothing, FW-BW takes one cycle, the rest
  // goes to Tarjan.
  EdgeList e;
  e.n = 3000;
  for (std::int32_t c = 0; c < 1000; ++c) {
    const std::int32_t a = 3 * c;
    e.src.insert(e.src.end(), {a, a + 1, a + 2});
    e.dst.insert(e.dst.end(), {a + 1, a + 2, a});
    if (c + 1 < 1000) e.src.push_back(a), e.dst.push_back(a + 3);
  }
  const auto label = strongly_connected_components(*testing::build(e));
  for (std::int64_t v = 0; v < e.n; ++v) ASSERT_EQ(label[v], v / 3 * 3);
}

TEST(GraphLibrary, KCoreMatchesNaivePeeling) {
  for (const EdgeList& e : cases()) {
    auto adj = undirected_sets(e);
    std::vector<std::int64_t> expected(static_cast<std::size_t>(e.n), 0);
    std::vector<std::uint8_t> alive(static_cast<std::size_t>(e.n), 1);
    std::vector<std::int64_t> degree(static_cast<std::size_t>(e.n));
    for (std::int64_t v = 0; v < e.n; ++v) degree[v] = static_cast<std::int64_t>(adj[v].size());
    for (std::int64_t k = 0, left = e.n; left > 0; ++k) {
      bool removed = true;
      while (removed) {  // remove every node of degree <= k until none is left
        removed = false;
        for (std::int64_t v = 0; v < e.n; ++v) {
          if (alive[v] && degree[v] <= k) {
            alive[v] = 0, expected[v] = k, --left, removed = true;
            for (const auto u : adj[v]) --degree[u];
          }
        }
      }
    }
    const auto g = testing::build(e);
    testing::at_thread_counts([&](int) {
      const auto core = k_core(*g);
      for (std::int64_t v = 0; v < e.n; ++v) ASSERT_EQ(core[v], expected[v]) << "node " << v;
    });
  }
}

// All-pairs: sigma(s, t) and distances by BFS from every node; then
// bc(v) = sum over s != v != t of sigma(s, v) sigma(v, t) / sigma(s, t) when d(s,v)+d(v,t) = d(s,t).
std::vector<double> betweenness_by_pairs(const EdgeList& e) {
  const auto adj = directed_sets(e);
  const std::int64_t n = e.n;
  std::vector<std::vector<std::int64_t>> d(n, std::vector<std::int64_t>(n, -1));
  std::vector<std::vector<double>> sigma(n, std::vector<double>(n, 0.0));
  for (std::int64_t s = 0; s < n; ++s) {
    std::queue<std::int64_t> q;
    q.push(s), d[s][s] = 0, sigma[s][s] = 1;
    while (!q.empty()) {
      const auto u = q.front();
      q.pop();
      for (const auto v : adj[u]) {
        if (d[s][v] < 0) d[s][v] = d[s][u] + 1, q.push(v);
        if (d[s][v] == d[s][u] + 1) sigma[s][v] += sigma[s][u];
      }
    }
  }
  std::vector<double> bc(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t s = 0; s < n; ++s)
    for (std::int64_t t = 0; t < n; ++t)
      for (std::int64_t v = 0; v < n; ++v) {
        if (s == t || v == s || v == t || d[s][t] < 0 || d[s][v] < 0 || d[v][t] < 0) continue;
        if (d[s][v] + d[v][t] == d[s][t]) bc[v] += sigma[s][v] * sigma[v][t] / sigma[s][t];
      }
  const double scale = n > 2 ? 1.0 / ((n - 1.0) * (n - 2.0)) : 1.0;
  for (auto& x : bc) x *= scale;
  return bc;
}

TEST(GraphLibrary, BetweennessMatchesPairCounting) {
  auto all = cases();
  all.resize(2);
  all.push_back(testing::random_edges(40, 200, 3, 5));
  for (const EdgeList& e : all) {
    if (e.n > 120) continue;  // the O(n^3) verifier
    const auto expected = betweenness_by_pairs(e);
    const auto g = testing::build(e);
    testing::at_thread_counts([&](int) {
      const auto bc = betweenness_centrality(*g, BetweennessOptions{});
      for (std::int64_t v = 0; v < e.n; ++v) ASSERT_NEAR(bc[v], expected[v], 1e-12 * (1 + expected[v])) << v;
    });
  }
  // Weighted with unit weights equals unweighted.
  EdgeList e = testing::random_edges(90, 400, 5, 1);
  e.weights.assign(e.src.size(), 1.0);
  const auto expected = betweenness_by_pairs(e);
  BetweennessOptions o;
  o.weighted = true;
  const auto bc = betweenness_centrality(*testing::build(e), o);
  for (std::int64_t v = 0; v < e.n; ++v) ASSERT_NEAR(bc[v], expected[v], 1e-12 * (1 + expected[v])) << v;
}

TEST(GraphLibrary, ClosenessMatchesBfsSums) {
  for (const EdgeList& e : cases()) {
    std::vector<std::set<std::int64_t>> in(static_cast<std::size_t>(e.n));
    for (std::size_t i = 0; i < e.src.size(); ++i) in[e.dst[i]].insert(e.src[i]);
    const auto g = testing::build(e);
    const auto c = closeness_centrality(*g, false, true);
    const auto h = closeness_centrality(*g, true, true);
    for (std::int64_t u = 0; u < e.n; ++u) {
      std::vector<std::int64_t> d(static_cast<std::size_t>(e.n), -1);
      std::queue<std::int64_t> q;
      q.push(u), d[u] = 0;
      double total = 0, reached = 0, harmonic = 0;
      while (!q.empty()) {
        const auto v = q.front();
        q.pop();
        for (const auto w : in[v]) {
          if (d[w] < 0) d[w] = d[v] + 1, q.push(w), total += d[w], ++reached, harmonic += 1.0 / d[w];
        }
      }
      const double expected = total > 0 ? reached / total * (reached / (e.n - 1.0)) : 0.0;
      ASSERT_NEAR(c[u], expected, 1e-14) << u;
      ASSERT_NEAR(h[u], harmonic, 1e-12 * (1 + harmonic)) << u;
    }
  }
}

TEST(GraphLibrary, DfsMatchesRecursion) {
  for (const EdgeList& e : cases()) {
    std::vector<std::vector<std::int64_t>> out(static_cast<std::size_t>(e.n));
    for (std::size_t i = 0; i < e.src.size(); ++i) out[e.src[i]].push_back(e.dst[i]);  // given order
    std::vector<std::int64_t> order, parent(static_cast<std::size_t>(e.n), -1);
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(e.n), 0);
    std::function<void(std::int64_t)> visit = [&](std::int64_t u) {
      seen[u] = 1, order.push_back(u);
      for (const auto v : out[u]) {
        if (!seen[v]) parent[v] = u, visit(v);
      }
    };
    visit(0);
    const DfsResult r = dfs(*testing::build(e), 0);
    ASSERT_EQ(std::vector<std::int64_t>(r.preorder.begin(), r.preorder.end()), order);
    ASSERT_EQ(std::vector<std::int64_t>(r.parent.begin(), r.parent.end()), parent);
  }
}

// Distances by repeated relaxation of every edge (n rounds): the definition of lightest paths.
std::vector<double> relax_all(const EdgeList& e, std::int64_t s) {
  std::vector<double> d(static_cast<std::size_t>(e.n), kInf);
  d[s] = 0;
  for (std::int64_t round = 0; round < e.n; ++round)
    for (std::size_t i = 0; i < e.src.size(); ++i) d[e.dst[i]] = std::min(d[e.dst[i]], d[e.src[i]] + e.weights[i]);
  return d;
}

void expect_distance(double actual, double expected, std::int64_t v) {
  if (std::isinf(expected)) {
    ASSERT_EQ(actual, expected) << "node " << v;
  } else {
    ASSERT_NEAR(actual, expected, 1e-9 * (1 + std::abs(expected))) << "node " << v;
  }
}

TEST(GraphLibrary, DijkstraAndBellmanFordMatchRelaxation) {
  for (EdgeList e : cases()) {
    testing::add_weights(e, 0.5, 5.0, 7);
    const auto g = testing::build(e);
    const auto expected = relax_all(e, 0);
    const ShortestPaths d = dijkstra(*g, 0);
    const ShortestPaths b = bellman_ford(*g, 0);
    for (std::int64_t v = 0; v < e.n; ++v) {
      expect_distance(d.dist[v], expected[v], v);
      expect_distance(b.dist[v], expected[v], v);
    }
    for (std::int64_t t = 1; t < e.n; t += 7) {
      const ShortestPaths one = dijkstra(*g, 0, t);
      ASSERT_EQ(one.dist[t], d.dist[t]);
    }
    // Negative weights from potentials (no negative cycle): w'(u,v) = w + p(u) - p(v).
    for (std::size_t i = 0; i < e.src.size(); ++i) {
      if (e.src[i] != e.dst[i]) e.weights[i] += (e.src[i] % 7) - (e.dst[i] % 7);
    }
    const auto shifted = relax_all(e, 0);
    const ShortestPaths nb = bellman_ford(*testing::build(e), 0);
    for (std::int64_t v = 0; v < e.n; ++v) expect_distance(nb.dist[v], shifted[v], v);
  }
}

TEST(GraphLibrary, BellmanFordNamesTheNegativeCycle) {
  EdgeList e;
  e.n = 6;
  e.src = {0, 1, 2, 3, 4};
  e.dst = {1, 2, 3, 1, 5};
  e.weights = {1.0, 1.0, 1.0, -3.5, 1.0};
  try {
    bellman_ford(*testing::build(e), 0);
    FAIL() << "no error";
  } catch (const Error& err) {
    EXPECT_EQ(err.code(), ErrorCode::kInvalidValue);
    const std::string m = err.what();
    EXPECT_TRUE(m.find("negative cycle reachable from source 0: ") != std::string::npos) << m;
    EXPECT_TRUE(m.find("1 -> 2 -> 3 -> 1") != std::string::npos || m.find("2 -> 3 -> 1 -> 2") != std::string::npos ||
                m.find("3 -> 1 -> 2 -> 3") != std::string::npos)
        << m;
  }
  EXPECT_EQ(bellman_ford(*testing::build(e), 4).dist[5], 1.0);  // the cycle is not reachable from 4
}

TEST(GraphLibrary, MinimumSpanningTreeMatchesPrim) {
  for (EdgeList e : cases()) {
    testing::add_weights(e, 0.0, 1.0, 3);
    const auto r = minimum_spanning_tree(*testing::build(e));
    // Prim from every unvisited node over the undirected multigraph.
    std::vector<std::vector<std::pair<std::int64_t, double>>> adj(static_cast<std::size_t>(e.n));
    for (std::size_t i = 0; i < e.src.size(); ++i) {
      adj[e.src[i]].emplace_back(e.dst[i], e.weights[i]);
      adj[e.dst[i]].emplace_back(e.src[i], e.weights[i]);
    }
    std::vector<std::uint8_t> in(static_cast<std::size_t>(e.n), 0);
    double total = 0;
    std::int64_t edges = 0;
    for (std::int64_t s = 0; s < e.n; ++s) {
      if (in[s]) continue;
      std::priority_queue<std::pair<double, std::int64_t>, std::vector<std::pair<double, std::int64_t>>, std::greater<>> q;
      q.emplace(0.0, s);
      bool first = true;
      while (!q.empty()) {
        const auto [w, u] = q.top();
        q.pop();
        if (in[u]) continue;
        in[u] = 1;
        if (!first) total += w, ++edges;
        first = false;
        for (const auto& [v, wv] : adj[u]) {
          if (!in[v]) q.emplace(wv, v);
        }
      }
    }
    double ours = 0;
    for (const auto id : r) ours += e.weights[id];
    EXPECT_EQ(static_cast<std::int64_t>(r.size()), edges);
    EXPECT_NEAR(ours, total, 1e-12 * (1 + total));
  }
}

// Modularity from the definition on a dense matrix: A[u][v] += w and A[v][u] += w per edge.
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

TEST(GraphLibrary, LouvainModularityMatchesDefinitionAndIsDeterministic) {
  for (EdgeList e : cases()) {
    if (e.n > 300) continue;
    for (const double resolution : {1.0, 2.5}) {
      LouvainResult first;
      testing::at_thread_counts([&](int threads) {
        LouvainResult r = louvain(*testing::build(e), resolution, 11, false);
        EXPECT_NEAR(r.modularity, dense_modularity(e, r.labels, resolution), 1e-12);
        if (threads == 1) {
          first = std::move(r);
        } else {
          EXPECT_EQ(std::vector<std::int64_t>(r.labels.begin(), r.labels.end()),
                    std::vector<std::int64_t>(first.labels.begin(), first.labels.end()));
        }
      });
      // Local moving only accepts gains: never worse than the singletons it starts from.
      Buffer<std::int64_t> singletons(static_cast<std::size_t>(e.n));
      for (std::int64_t v = 0; v < e.n; ++v) singletons[v] = v;
      EXPECT_GT(first.modularity, dense_modularity(e, singletons, resolution));
    }
    testing::add_weights(e, 0.0, 2.0, 1);
    const LouvainResult w = louvain(*testing::build(e), 1.0, 3, true);
    EXPECT_NEAR(w.modularity, dense_modularity(e, w.labels, 1.0), 1e-12);
  }
}

TEST(GraphLibrary, EmptyGraph) {
  const auto g = testing::build(EdgeList{});
  EXPECT_EQ(triangle_count(*g).total, 0);
  EXPECT_EQ(strongly_connected_components(*g).size(), 0u);
  EXPECT_EQ(k_core(*g).size(), 0u);
  EXPECT_EQ(betweenness_centrality(*g, BetweennessOptions{}).size(), 0u);
  EXPECT_EQ(closeness_centrality(*g, false, true).size(), 0u);
  EXPECT_EQ(minimum_spanning_tree(*g).size(), 0u);
  EXPECT_EQ(transitivity(*g), 0.0);
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

TEST(GraphLibrary, ErrorsNameTheArgument) {
  EdgeList e = testing::random_edges(50, 100, 2, 4);
  const auto unweighted = testing::build(e);
  testing::add_weights(e, -1.0, 1.0, 2);
  const auto negative = testing::build(e);
  expect_value_error([&] { dfs(*unweighted, 50); }, "source: must be a node id");
  expect_value_error([&] { dijkstra(*negative, -1); }, "source: must be a node id");
  expect_value_error([&] { dijkstra(*negative, 0, 50); }, "target: must be a node id");
  expect_value_error([&] { dijkstra(*unweighted, 0); }, "g: dijkstra needs edge weights");
  expect_value_error([&] { dijkstra(*negative, 0); }, "g: dijkstra needs non-negative edge weights");
  expect_value_error([&] { bellman_ford(*unweighted, 0); }, "g: bellman_ford needs edge weights");
  BetweennessOptions o;
  o.weighted = true;
  expect_value_error([&] { betweenness_centrality(*unweighted, o); }, "g: weighted betweenness needs edge weights");
  expect_value_error([&] { betweenness_centrality(*negative, o); }, "g: weighted betweenness needs positive finite");
  std::vector<std::int64_t> bad{1, 60};
  BetweennessOptions s;
  s.use_sources = true;
  s.sources = bad;
  expect_value_error([&] { betweenness_centrality(*unweighted, s); }, "sources: must hold node ids");
  std::vector<std::int64_t> twice{4, 4};
  s.sources = twice;
  expect_value_error([&] { betweenness_centrality(*unweighted, s); }, "sources: must not repeat a node");
  s.sources = {};
  expect_value_error([&] { betweenness_centrality(*unweighted, s); }, "sources: must name at least one node");
  expect_value_error([&] { louvain(*unweighted, 0.0, 0, false); }, "resolution: must be finite and > 0");
  expect_value_error([&] { louvain(*unweighted, 1.0, 0, true); }, "g: louvain with weights needs edge weights");
  expect_value_error([&] { louvain(*negative, 1.0, 0, true); }, "g: louvain needs non-negative edge weights");
}

}  // namespace
}  // namespace fuseflow
