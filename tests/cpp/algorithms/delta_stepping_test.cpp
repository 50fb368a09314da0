// The delta-stepping engine (include/fuseflow/algorithms/delta_stepping.h) with several seeds,
// nodes that hold a finite distance but do not relax until it drops, and weights read through an
// id map, against a serial synchronous Bellman-Ford: the same bits at every thread count.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <vector>

#include "fuseflow/algorithms/delta_stepping.h"
#include "fuseflow/core/threads.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

// Rounds as a DSL Bellman-Ford runs them: the active nodes relax, then those whose distance dropped.
std::vector<double> synchronous(const testing::EdgeList& el, std::vector<double> d, std::vector<char> active) {
  for (bool any = true; any;) {
    std::vector<double> agg(d.size(), INFINITY);
    for (std::size_t e = 0; e < el.src.size(); ++e) {
      const auto u = static_cast<std::size_t>(el.src[e]), v = static_cast<std::size_t>(el.dst[e]);
      if (active[u]) agg[v] = std::min(agg[v], d[u] + el.weights[e]);
    }
    any = false;
    for (std::size_t v = 0; v < d.size(); ++v) {
      active[v] = agg[v] < d[v];
      if (active[v]) d[v] = agg[v];
      any = any || active[v];
    }
  }
  return d;
}

TEST(DeltaStepping, SeedsAndIdleFiniteNodesMatchSynchronousRounds) {
  // Large enough that wide buckets hold sweeps of more than one thread's share of edges.
  constexpr std::int64_t n = 60000;
  testing::EdgeList el = testing::random_edges(n, 500000, 30, 7);
  testing::add_weights(el, 0.0, 4.0, 8);
  auto g = testing::build(el);
  std::vector<double> d0(n, INFINITY);
  std::vector<char> active(n, 0);
  std::vector<NodeId> seeds;
  for (int i = 0; i < 40; ++i) {
    const int v = (i * 997 + 13) % (n - 30);
    d0[static_cast<std::size_t>(v)] = -3.0 + 0.37 * i;
    if (i % 4 == 0) {  // the rest hold a distance but relax only once it drops
      active[static_cast<std::size_t>(v)] = 1;
      seeds.push_back(v);
    }
  }
  const std::vector<double> want = synchronous(el, d0, active);
  // Weights in user order read through the CSR -> user id map, as the executor passes them.
  RelaxEdges edges;
  edges.offsets = g->out_offsets().data();
  edges.neighbours = g->out_targets().data();
  edges.weights = el.weights.data();
  edges.weight_ids = g->user_order_is_csr() ? nullptr : g->user_edge_ids().data();
  edges.num_nodes = g->num_nodes();
  edges.num_edges = g->num_edges();
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    for (double delta : {0.05, 1.0, 100.0}) {
      std::vector<double> d = d0;
      delta_stepping(edges, d.data(), seeds, delta);
      ASSERT_EQ(std::memcmp(d.data(), want.data(), d.size() * sizeof(double)), 0) << threads << " threads, delta " << delta;
    }
  }
  set_num_threads(0);
}

TEST(DeltaStepping, NoSeedOrOnlyInfiniteSeedsChangesNothing) {
  testing::EdgeList el = testing::random_edges(50, 200, 5, 3);
  testing::add_weights(el, 0.0, 1.0, 4);
  auto g = testing::build(el);
  RelaxEdges edges{g->out_offsets().data(), g->out_targets().data(), g->out_weights().data(), nullptr, 50, g->num_edges()};
  std::vector<double> d(50, INFINITY);
  d[7] = 1.0;  // finite but not a seed
  const std::vector<double> before = d;
  delta_stepping(edges, d.data(), {}, 1.0);
  delta_stepping(edges, d.data(), {3, 4}, 1.0);  // seeds at +inf relax nothing
  EXPECT_EQ(d, before);
}

}  // namespace
}  // namespace fuseflow
