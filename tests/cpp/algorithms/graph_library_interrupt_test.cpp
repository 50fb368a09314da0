// Ctrl-C during the graph library's long runs: with a hook that always fires, each stops with
// kInterrupted (the hook is first consulted after ~20 ms), also from inside OpenMP regions.
#include <gtest/gtest.h>

#include "fuseflow/algorithms/bellman_ford.h"
#include "fuseflow/algorithms/betweenness_centrality.h"
#include "fuseflow/algorithms/closeness_centrality.h"
#include "fuseflow/algorithms/triangle_count.h"
#include "fuseflow/core/threads.h"
#include "test_graphs.h"
#include "test_interrupts.h"

namespace fuseflow {
namespace {

using testing::expect_interrupted;

TEST(GraphLibraryInterrupt, BetweennessStopsAtAnyThreadCount) {
  const auto g = testing::build(testing::rmat_edges(15, 8, 2));  // all 32k sources: seconds of work
  testing::at_thread_counts([&](int) { expect_interrupted([&] { betweenness_centrality(*g, BetweennessOptions{}); }); });
}

TEST(GraphLibraryInterrupt, ClosenessStopsAtAnyThreadCount) {
  const auto g = testing::build(testing::rmat_edges(15, 8, 3));
  testing::at_thread_counts([&](int) { expect_interrupted([&] { closeness_centrality(*g, false, true); }); });
}

TEST(GraphLibraryInterrupt, TriangleCountPollsInsideItsLoops) {
  const auto g = testing::build(testing::rmat_edges(17, 16, 4));
  set_num_threads(1);
  expect_interrupted([&] { triangle_count(*g); }, /*second_poll=*/true);
  set_num_threads(0);
}

TEST(GraphLibraryInterrupt, BellmanFordOnALongNegativeCycleStops) {
  // A huge negative cycle: every lap lowers every distance; the detection needs n laps of n
  // edges, far past the hook's first call.
  testing::EdgeList e;
  e.n = 200000;
  for (std::int32_t v = 0; v < e.n; ++v) {
    e.src.push_back(v);
    e.dst.push_back(static_cast<std::int32_t>((v + 1) % e.n));
    e.weights.push_back(v == 0 ? -1.0 : 0.0);
  }
  expect_interrupted([&] { bellman_ford(*testing::build(e), 0); });
}

}  // namespace
}  // namespace fuseflow
