#include "fuseflow/graph/graph.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <random>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/graph/rmat.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

std::shared_ptr<const Graph> build(const std::vector<std::int64_t>& src, const std::vector<std::int64_t>& dst,
                                   std::int64_t n = -1, const std::vector<double>& w = {}) {
  EdgeListView view;
  view.src64 = src;
  view.dst64 = dst;
  view.weights = w;
  return Graph::from_edges(view, n);
}

TEST(GraphTest, CsrAndCscMatchSerialReference) {
  std::mt19937_64 rng(7);
  const std::int64_t n = 200, m = 5000;
  std::vector<std::int64_t> src(m), dst(m);
  std::vector<double> w(m);
  for (std::int64_t i = 0; i < m; ++i) {
    src[i] = static_cast<std::int64_t>(rng() % n);
    dst[i] = static_cast<std::int64_t>(rng() % n);
    w[i] = static_cast<double>(i);
  }
  auto g = build(src, dst, n, w);
  ASSERT_EQ(g->num_nodes(), n);
  ASSERT_EQ(g->num_edges(), m);
  // Reference: per-node lists in input order (CSR) and ascending source (CSC).
  std::vector<std::vector<std::pair<std::int64_t, double>>> out(n), in(n);
  for (std::int64_t i = 0; i < m; ++i) out[src[i]].push_back({dst[i], w[i]});
  for (std::int64_t u = 0; u < n; ++u)
    for (auto [v, wt] : out[u]) in[v].push_back({u, wt});
  for (std::int64_t u = 0; u < n; ++u) {
    ASSERT_EQ(g->out_degree()[u], static_cast<std::int64_t>(out[u].size()));
    for (std::size_t k = 0; k < out[u].size(); ++k) {
      EXPECT_EQ(g->out_targets()[g->out_offsets()[u] + k], out[u][k].first);
      EXPECT_EQ(g->out_weights()[g->out_offsets()[u] + k], out[u][k].second);
    }
  }
  for (std::int64_t v = 0; v < n; ++v) {
    ASSERT_EQ(g->in_degree()[v], static_cast<std::int64_t>(in[v].size()));
    for (std::size_t k = 0; k < in[v].size(); ++k) {
      const auto pos = g->in_offsets()[v] + static_cast<std::int64_t>(k);
      EXPECT_EQ(g->in_sources()[pos], in[v][k].first);
      EXPECT_EQ(g->in_weights()[pos], in[v][k].second);
      // in_edge_ids maps the CSC position back to the CSR edge with the same weight.
      EXPECT_EQ(g->out_weights()[g->in_edge_ids()[pos]], in[v][k].second);
    }
  }
  for (std::int64_t u = 0; u < n; ++u)
    for (auto e = g->out_offsets()[u]; e < g->out_offsets()[u + 1]; ++e) EXPECT_EQ(g->out_sources()[e], u);
}

TEST(GraphTest, BuildIsIdenticalAtAnyThreadCount) {
  auto edges = generate_rmat(14, 16, 0.57, 0.19, 0.19, 5, true);
  EdgeListView view;
  view.src32 = edges.src.span();
  view.dst32 = edges.dst.span();
  set_num_threads(1);
  auto a = Graph::from_edges(view, 1 << 14);
  set_num_threads(2);
  auto b = Graph::from_edges(view, 1 << 14);
  set_num_threads(0);
  EXPECT_TRUE(std::equal(a->out_targets().begin(), a->out_targets().end(), b->out_targets().begin()));
  EXPECT_TRUE(std::equal(a->in_sources().begin(), a->in_sources().end(), b->in_sources().begin()));
  EXPECT_TRUE(std::equal(a->in_offsets().begin(), a->in_offsets().end(), b->in_offsets().begin()));
}

TEST(GraphTest, BalancedChunksCoverAllNodes) {
  auto g = testing::build(testing::rmat_edges(12, 16, 1));
  for (bool in : {false, true}) {
    auto c = g->balanced_chunks(in);
    ASSERT_GE(c.size(), 2u);
    EXPECT_EQ(c.front(), 0);
    EXPECT_EQ(c.back(), g->num_nodes());
    EXPECT_TRUE(std::is_sorted(c.begin(), c.end()));
    EXPECT_EQ(std::adjacent_find(c.begin(), c.end()), c.end());  // strictly increasing
  }
}

TEST(GraphTest, DegreeOrderedInEdgesRelabelTheSameEdges) {
  auto g = testing::build(testing::rmat_edges(11, 8, 4));
  const DegreeOrderedInEdges& r = g->degree_ordered_in_edges();
  const std::int64_t n = g->num_nodes();
  ASSERT_EQ(static_cast<std::int64_t>(r.order.size()), n);
  std::vector<NodeId> new_id(n, -1);
  for (std::int64_t i = 0; i < n; ++i) {
    new_id[r.order[i]] = static_cast<NodeId>(i);
    if (i > 0) {  // out-degree descending, ties by original id
      const auto prev = g->out_degree()[r.order[i - 1]], cur = g->out_degree()[r.order[i]];
      ASSERT_TRUE(prev > cur || (prev == cur && r.order[i - 1] < r.order[i]));
    }
  }
  ASSERT_EQ(std::count(new_id.begin(), new_id.end(), -1), 0);  // a permutation
  for (std::int64_t i = 0; i < n; ++i) {
    const NodeId v = r.order[i];
    std::vector<NodeId> want(g->in_sources().begin() + g->in_offsets()[v], g->in_sources().begin() + g->in_offsets()[v + 1]);
    std::vector<NodeId> got;
    for (auto e = r.offsets[i]; e < r.offsets[i + 1]; ++e) got.push_back(r.order[r.sources[e]]);
    ASSERT_EQ(got, want) << "node " << v;
  }
  EXPECT_EQ(r.chunks[0], 0);
  EXPECT_EQ(r.chunks[r.chunks.size() - 1], n);
}

TEST(GraphTest, RejectsBadIds) {
  EXPECT_THROW(build({0, -1}, {1, 1}), Error);
  EXPECT_THROW(build({0}, {3}, 3), Error);
  EXPECT_THROW(build({0, 1}, {1}), Error);
  try {
    build({0}, {5}, 2);
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    EXPECT_NE(std::string(e.what()).find("dst"), std::string::npos);
  }
}

TEST(GraphTest, EmptyGraph) {
  auto g = build({}, {});
  EXPECT_EQ(g->num_nodes(), 0);
  EXPECT_EQ(g->num_edges(), 0);
  auto h = build({}, {}, 4);
  EXPECT_EQ(h->num_nodes(), 4);
  EXPECT_EQ(h->in_degree()[3], 0);
}

}  // namespace
}  // namespace fuseflow
