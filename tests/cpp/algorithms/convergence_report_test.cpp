// What the iterative algorithms report about how they stopped (issue 16): iteration counts,
// residuals and the converged flag that the Python wrappers turn into ConvergenceWarning.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <map>
#include <span>
#include <vector>

#include "fuseflow/algorithms/label_propagation.h"
#include "fuseflow/algorithms/pagerank.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

// Serial power iteration (push over the edge list); returns the L1 change of every iteration.
std::vector<double> serial_changes(const testing::EdgeList& e, double d, int iterations) {
  const std::int64_t n = e.n;
  std::vector<double> r(n, 1.0 / n), deg(n, 0.0), changes;
  for (std::int32_t u : e.src) deg[u] += 1;
  for (int it = 0; it < iterations; ++it) {
    std::vector<double> next(n, 0.0);
    double dangling = 0.0;
    for (std::int64_t u = 0; u < n; ++u) dangling += deg[u] == 0 ? r[u] : 0.0;
    for (std::size_t i = 0; i < e.src.size(); ++i) next[e.dst[i]] += r[e.src[i]] / deg[e.src[i]];
    double change = 0.0;
    for (std::int64_t v = 0; v < n; ++v) {
      next[v] = (1 - d) / n + d * (next[v] + dangling / n);
      change += std::fabs(next[v] - r[v]);
    }
    changes.push_back(change);
    r = next;
  }
  return changes;
}

TEST(PageRankConvergence, LastDeltaIsTheL1ChangeOfTheLastIteration) {
  const auto e = testing::rmat_edges(11, 4, 5);
  const auto g = testing::build(e);
  const auto changes = serial_changes(e, 0.85, 30);
  for (int k : {1, 2, 9, 30}) {
    PageRankOptions o;
    o.tol = 0;
    o.max_iter = k;
    const auto r = pagerank(*g, o);
    EXPECT_EQ(r.iterations, k);
    // Relative to the change, plus rounding of the n ranks once the change is tiny.
    EXPECT_NEAR(r.last_delta, changes[k - 1], 1e-10 * changes[k - 1] + 1e-15);
    EXPECT_FALSE(r.converged);  // tol = 0: only an exact fixed point would count
  }
}

TEST(PageRankConvergence, StopsAtTheFirstIterationWithinTol) {
  const auto e = testing::rmat_edges(11, 4, 6);
  const auto g = testing::build(e);
  const auto changes = serial_changes(e, 0.85, 200);
  PageRankOptions o;
  o.tol = 1e-9;
  o.max_iter = 200;
  const auto r = pagerank(*g, o);
  ASSERT_TRUE(r.converged);
  std::int64_t first = 0;
  while (changes[first] > o.tol) ++first;
  EXPECT_EQ(r.iterations, first + 1);
  EXPECT_LE(r.last_delta, o.tol);

  o.max_iter = r.iterations - 1;  // one short: reported as not converged
  const auto short_run = pagerank(*g, o);
  EXPECT_FALSE(short_run.converged);
  EXPECT_EQ(short_run.iterations, r.iterations - 1);
  EXPECT_GT(short_run.last_delta, o.tol);
}

TEST(PageRankConvergence, NoIterationIsInfiniteResidual) {
  const auto g = testing::build(testing::random_edges(50, 100, 5, 1));
  PageRankOptions o;
  o.max_iter = 0;
  const auto r = pagerank(*g, o);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_TRUE(std::isinf(r.last_delta));
  EXPECT_FALSE(r.converged);
}

TEST(PageRankConvergence, EmptyGraphIsConverged) {
  const auto g = testing::build(testing::EdgeList{});
  const auto r = pagerank(*g, PageRankOptions{});
  EXPECT_EQ(r.rank.size(), 0u);
  EXPECT_TRUE(r.converged);
  EXPECT_EQ(r.last_delta, 0.0);
}

std::uint64_t mix(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

struct SerialLpa {
  std::vector<std::int64_t> labels;
  std::int64_t sweeps = 0, pending = 0;
};

// Plain serial LPA over the documented chunks, one node at a time: a node votes when a
// neighbour changed since its last vote (same chunk, later id: this sweep; otherwise the next),
// sees its own chunk's new labels and other chunks' labels from the last sweep; from sweep 5 a
// seeded half of the chunks sits each sweep out.
SerialLpa serial_lpa(const testing::EdgeList& e, std::span<const std::int64_t> chunks, std::int64_t max_iter,
                     std::uint64_t seed) {
  const std::int64_t n = e.n;
  std::vector<std::vector<std::int64_t>> nbrs(n);
  for (std::size_t i = 0; i < e.src.size(); ++i) nbrs[e.src[i]].push_back(e.dst[i]);
  for (std::size_t i = 0; i < e.src.size(); ++i) nbrs[e.dst[i]].push_back(e.src[i]);
  SerialLpa r;
  r.labels.resize(n);
  for (std::int64_t v = 0; v < n; ++v) r.labels[v] = v;
  std::vector<char> dirty(n, 1);
  for (std::int64_t it = 0; it < max_iter; ++it) {
    const auto previous = r.labels;
    std::vector<char> dirty_next(n, 0);
    std::int64_t changed = 0, waiting = 0;
    for (std::size_t c = 0; c + 1 < chunks.size(); ++c) {
      const std::int64_t begin = chunks[c], end = chunks[c + 1];
      if (it >= 4 && (mix(seed ^ mix(static_cast<std::uint64_t>(it) << 32 | c)) & 1)) {
        for (std::int64_t v = begin; v < end; ++v) {
          if (dirty[v]) dirty_next[v] = 1, ++waiting;
        }
        continue;
      }
      for (std::int64_t v = begin; v < end; ++v) {
        if (!dirty[v]) continue;
        std::map<std::int64_t, int> counts;
        for (std::int64_t u : nbrs[v]) {
          if (u != v) ++counts[(u >= begin && u < end) ? r.labels[u] : previous[u]];
        }
        if (counts.empty()) continue;
        int top = 0;
        for (auto [l, k] : counts) top = std::max(top, k);
        if (counts.count(r.labels[v]) && counts[r.labels[v]] == top) continue;
        std::int64_t best = -1;
        std::uint64_t best_rank = 0;
        for (auto [l, k] : counts) {  // ascending labels: the smaller wins equal hashes
          if (k != top) continue;
          const std::uint64_t rank = mix(seed ^ mix(static_cast<std::uint64_t>(l) << 32 | static_cast<std::uint64_t>(v)));
          if (best < 0 || rank < best_rank) best = l, best_rank = rank;
        }
        r.labels[v] = best;
        ++changed;
        for (std::int64_t w : nbrs[v]) (w > v && w < end ? dirty[w] : dirty_next[w]) = 1;
      }
    }
    dirty = dirty_next;
    r.sweeps = it + 1;
    if (changed == 0 && waiting == 0) break;
  }
  for (char d : dirty) r.pending += d;
  return r;
}

TEST(LabelPropagationConvergence, MatchesSerialReferenceOverManyChunks) {
  for (std::uint64_t seed : {1u, 2u, 3u}) {
    const auto e = testing::rmat_edges(13, 8, 30 + seed);
    const auto g = testing::build(e);
    const auto chunks = g->balanced_chunks(false);
    ASSERT_GT(chunks.size(), 3u);
    for (std::int64_t max_iter : {0, 3, 7, 1000}) {
      const auto want = serial_lpa(e, chunks, max_iter, seed);
      testing::at_thread_counts([&](int threads) {
        const auto got = label_propagation(*g, max_iter, seed);
        ASSERT_EQ(got.iterations, want.sweeps) << "threads " << threads << " max_iter " << max_iter;
        ASSERT_EQ(got.pending, want.pending) << "threads " << threads << " max_iter " << max_iter;
        ASSERT_EQ(got.converged, want.pending == 0);
        for (std::int64_t v = 0; v < e.n; ++v) ASSERT_EQ(got.labels[v], want.labels[v]) << "node " << v;
      });
    }
  }
}

// Labels after k sweeps equal the converged labels once k reaches the reported count, and the
// run one sweep short is reported as unconverged (multi-chunk graph, 1 and 2 threads).
TEST(LabelPropagationConvergence, ConvergedExactlyAtTheReportedSweep) {
  const auto e = testing::rmat_edges(13, 8, 12);
  const auto g = testing::build(e);
  ASSERT_GT(g->balanced_chunks(false).size(), 3u);
  testing::at_thread_counts([&](int) {
    const auto full = label_propagation(*g, 100000, 5);
    ASSERT_TRUE(full.converged);
    EXPECT_EQ(full.pending, 0);
    ASSERT_GT(full.iterations, 2);
    const auto exact = label_propagation(*g, full.iterations, 5);
    EXPECT_TRUE(exact.converged);
    EXPECT_EQ(exact.iterations, full.iterations);
    const auto short_run = label_propagation(*g, full.iterations - 1, 5);
    EXPECT_FALSE(short_run.converged);
    EXPECT_GT(short_run.pending, 0);
    EXPECT_EQ(short_run.iterations, full.iterations - 1);
  });
}

TEST(LabelPropagationConvergence, ZeroSweepsLeaveEveryNodePending) {
  const auto g = testing::build(testing::random_edges(40, 80, 5, 3));
  const auto r = label_propagation(*g, 0, 1);
  EXPECT_EQ(r.iterations, 0);
  EXPECT_EQ(r.pending, 40);
  EXPECT_FALSE(r.converged);
  const auto empty = label_propagation(*testing::build(testing::EdgeList{}), 0, 1);
  EXPECT_TRUE(empty.converged);
}

}  // namespace
}  // namespace fuseflow
