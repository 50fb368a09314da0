// The push of a uniform frontier (frontier_folds.h push_frontier_uniform: one walk on one thread,
// chunks on more) against the general push it replaces for BFS-like levels: the same reached
// nodes in the same order, the same aggregates, guarded-out nodes untouched -- at any thread
// count and chunking, on skewed graphs (hubs whose edge lists span chunks) and uniform ones, with
// self-loops and parallel edges.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <random>
#include <vector>

#include "exec/frontier_folds.h"
#include "test_graphs.h"

namespace fuseflow::exec {
namespace {

struct Pushed {
  ScratchList<NodeId> reached;
  ScratchList<double> acc;
  ScratchList<std::int32_t> position;
};

// A frontier of `size` distinct nodes in random order, some guards false, x = 3.0 everywhere.
struct Level {
  ScratchList<NodeId> frontier;
  ScratchList<std::int32_t> position;
  std::vector<double> x;
};

Level make_level(std::int64_t n, std::int64_t size, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<NodeId> all(static_cast<std::size_t>(n));
  for (std::int64_t v = 0; v < n; ++v) all[static_cast<std::size_t>(v)] = static_cast<NodeId>(v);
  std::shuffle(all.begin(), all.end(), rng);
  Level l;
  l.frontier.assign(all.begin(), all.begin() + size);
  l.position.resize(static_cast<std::size_t>(n));
  for (std::int64_t v = 0; v < n; ++v) l.position[static_cast<std::size_t>(v)] = rng() % 5 == 0 ? kUnguarded : kUnreached;
  l.x.assign(static_cast<std::size_t>(n), 3.0);
  return l;
}

FrontierEdges edges_of(const Graph& g, bool in, bool out) {
  return FrontierEdges{g.out_offsets().data(), g.out_targets().data(), g.in_offsets().data(),
                       g.in_sources().data(), {}, in, out};
}

Pushed serial(const FrontierEdges& a, const Level& l) {
  Pushed p{{}, {}, l.position};
  push_frontier(AggCombine::kFirst, AggOp::kMin, a, l.frontier, l.x.data(), p.position, p.reached, p.acc);
  return p;
}

Pushed parallel(const FrontierEdges& a, const Level& l, int threads) {
  Pushed p{{}, {}, l.position};
  std::vector<std::vector<NodeId>> lists;
  push_frontier_uniform(a, l.frontier, 3.0, threads, p.position, p.reached, p.acc, lists);
  return p;
}

void expect_same_push(const Graph& g, std::int64_t frontier_size, std::uint64_t seed) {
  const Level l = make_level(g.num_nodes(), frontier_size, seed);
  for (auto [in, out] : {std::pair{true, false}, std::pair{false, true}, std::pair{true, true}}) {
    const FrontierEdges a = edges_of(g, in, out);
    const Pushed want = serial(a, l);
    ASSERT_FALSE(want.reached.empty());
    for (int threads : {1, 2, 3, 8}) {
      const Pushed got = parallel(a, l, threads);
      ASSERT_EQ(std::vector<NodeId>(got.reached.begin(), got.reached.end()),
                std::vector<NodeId>(want.reached.begin(), want.reached.end()))
          << "threads " << threads << " in " << in << " out " << out;
      ASSERT_EQ(std::vector<double>(got.acc.begin(), got.acc.end()), std::vector<double>(want.acc.begin(), want.acc.end()));
      // Reached nodes are marked (the caller resets them), every other entry is as it was.
      std::vector<char> reached(static_cast<std::size_t>(g.num_nodes()), 0);
      for (NodeId v : got.reached) reached[static_cast<std::size_t>(v)] = 1;
      for (std::int64_t v = 0; v < g.num_nodes(); ++v) {
        const std::int32_t p = got.position[static_cast<std::size_t>(v)];
        if (reached[static_cast<std::size_t>(v)]) {
          EXPECT_TRUE(p != kUnreached && p != kUnguarded) << v;
        } else {
          EXPECT_EQ(p, l.position[static_cast<std::size_t>(v)]) << v;
        }
      }
    }
  }
}

TEST(FrontierPushUniform, SameReachedOrderAsTheSerialPushOnASkewedGraph) {
  const auto g = testing::build(testing::rmat_edges(12, 16, 7));  // hubs of hundreds of edges
  expect_same_push(*g, 40, 1);    // fewer frontier nodes than chunks at 8 threads x 16
  expect_same_push(*g, 1500, 2);  // most targets reached from several chunks
}

TEST(FrontierPushUniform, SameReachedOrderOnAUniformGraphWithLoopsAndParallelEdges) {
  const auto g = testing::build(testing::random_edges(5000, 40000, 200, 3));
  expect_same_push(*g, 1, 4);
  expect_same_push(*g, 3000, 5);
}

}  // namespace
}  // namespace fuseflow::exec
