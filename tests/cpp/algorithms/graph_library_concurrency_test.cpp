// The graph library's parallel algorithms under TSan (CI runs suites named *Concurrency*):
// each runs with 4 OpenMP threads, and several callers share one graph, whose lazy caches
// (out_sources for the MST) are then built under the race. Results must equal a serial run.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "fuseflow/algorithms/betweenness_centrality.h"
#include "fuseflow/algorithms/closeness_centrality.h"
#include "fuseflow/algorithms/k_core.h"
#include "fuseflow/algorithms/minimum_spanning_tree.h"
#include "fuseflow/algorithms/strongly_connected_components.h"
#include "fuseflow/algorithms/triangle_count.h"
#include "fuseflow/core/threads.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

struct Results {
  std::vector<std::int64_t> triangles, scc, core, mst;
  std::vector<double> bc, closeness;
};

template <class T>
std::vector<T> to_vector(const Buffer<T>& b) {
  return std::vector<T>(b.begin(), b.end());
}

Results run_all(const Graph& g) {
  Results r;
  r.triangles = to_vector(triangle_count(g).per_node);
  r.scc = to_vector(strongly_connected_components(g));
  r.core = to_vector(k_core(g));
  r.mst = to_vector(minimum_spanning_tree(g));
  std::vector<std::int64_t> sources{0, 5, 17, 99, 300, 1000};
  BetweennessOptions o;
  o.use_sources = true;
  o.sources = sources;
  o.weighted = true;
  r.bc = to_vector(betweenness_centrality(g, o));
  r.closeness = to_vector(closeness_centrality(g, false, true));
  return r;
}

TEST(GraphLibraryConcurrency, ParallelRunsAndSharedGraphMatchSerial) {
  auto e = testing::rmat_edges(10, 8, 31);
  testing::add_weights(e, 0.5, 3.0, 31);
  set_num_threads(1);
  const Results reference = run_all(*testing::build(e));
  // The default team size (FUSEFLOW_NUM_THREADS, else all cores): the TSan job sets it to 1,
  // since libgomp's barriers are invisible to TSan; the concurrency under test is std::thread's.
  set_num_threads(0);
  const auto shared = testing::build(e);
  std::vector<Results> results(3);
  std::vector<std::thread> threads;
  for (int t = 0; t < 3; ++t) threads.emplace_back([&, t] { results[t] = run_all(*shared); });
  for (auto& th : threads) th.join();
  set_num_threads(0);
  for (const Results& r : results) {
    EXPECT_EQ(r.triangles, reference.triangles);
    EXPECT_EQ(r.scc, reference.scc);
    EXPECT_EQ(r.core, reference.core);
    EXPECT_EQ(r.mst, reference.mst);
    EXPECT_EQ(r.closeness, reference.closeness);
    ASSERT_EQ(r.bc.size(), reference.bc.size());
    for (std::size_t v = 0; v < r.bc.size(); ++v) EXPECT_NEAR(r.bc[v], reference.bc[v], 1e-12 * (1 + reference.bc[v]));
  }
}

}  // namespace
}  // namespace fuseflow
