// The native algorithms called from several std::threads at once on one shared Graph (whose
// lazily built caches, e.g. PageRank's degree-ordered in-edges, are first built during the
// race). Results must equal the serial run's. Run under ThreadSanitizer by scripts/tsan.sh.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "fuseflow/algorithms/bfs.h"
#include "fuseflow/algorithms/connected_components.h"
#include "fuseflow/algorithms/label_propagation.h"
#include "fuseflow/algorithms/pagerank.h"
#include "fuseflow/algorithms/sssp.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

struct Results {
  std::vector<double> rank, ppr, dist;
  std::vector<std::int64_t> labels, communities, levels, parents;
  std::int64_t pagerank_iterations = 0, lpa_iterations = 0;
};

template <class T>
std::vector<T> copy(const Buffer<T>& b) {
  return std::vector<T>(b.begin(), b.end());
}

Results run_all(const Graph& g, int which, const std::vector<double>& personalization) {
  Results r;
  PageRankOptions o;
  o.tol = 1e-10;
  // Each thread starts with a different algorithm, so different ones overlap.
  for (int k = 0; k < 5; ++k) {
    switch ((which + k) % 5) {
      case 0: {
        auto pr = pagerank(g, o);
        r.rank = copy(pr.rank);
        r.pagerank_iterations = pr.iterations;
        PageRankOptions p = o;
        p.personalization = personalization;
        r.ppr = copy(pagerank(g, p).rank);
        break;
      }
      case 1: {
        auto lpa = label_propagation(g, 50, 3);
        r.communities = copy(lpa.labels);
        r.lpa_iterations = lpa.iterations;
        break;
      }
      case 2: r.labels = copy(connected_components(g)); break;
      case 3: {
        auto b = bfs(g, 1, true);
        r.levels = copy(b.level);
        r.parents = copy(b.parent);
        break;
      }
      case 4: r.dist = copy(sssp(g, 1)); break;
    }
  }
  return r;
}

void expect_same(const Results& a, const Results& b) {
  EXPECT_EQ(a.rank, b.rank);
  EXPECT_EQ(a.ppr, b.ppr);
  EXPECT_EQ(a.pagerank_iterations, b.pagerank_iterations);
  EXPECT_EQ(a.communities, b.communities);
  EXPECT_EQ(a.lpa_iterations, b.lpa_iterations);
  EXPECT_EQ(a.labels, b.labels);
  EXPECT_EQ(a.levels, b.levels);
  EXPECT_EQ(a.parents, b.parents);
  EXPECT_EQ(a.dist, b.dist);
}

TEST(AlgorithmsConcurrency, SharedGraphFromManyThreadsMatchesSerial) {
  auto e = testing::rmat_edges(11, 8, 21);
  testing::add_weights(e, 0.0, 3.0, 21);
  std::vector<double> personalization(static_cast<std::size_t>(e.n));
  for (std::size_t i = 0; i < personalization.size(); ++i) personalization[i] = static_cast<double>(i % 7);

  // The reference runs on its own copy of the graph, so the shared one builds its caches
  // under the race.
  const auto reference = run_all(*testing::build(e), 0, personalization);
  const auto shared = testing::build(e);
  constexpr int kThreads = 6;
  std::vector<Results> results(kThreads);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] { results[t] = run_all(*shared, t, personalization); });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) {
    SCOPED_TRACE("thread " + std::to_string(t));
    expect_same(results[t], reference);
  }
}

}  // namespace
}  // namespace fuseflow
