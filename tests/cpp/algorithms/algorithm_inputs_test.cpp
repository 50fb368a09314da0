// Input rules of the graph algorithms (issue 16): every bad input is a ValueError naming the
// argument, and inputs at the edge of the range (huge personalization values, +inf weights)
// give the right answer.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fuseflow/algorithms/bfs.h"
#include "fuseflow/algorithms/pagerank.h"
#include "fuseflow/algorithms/sssp.h"
#include "fuseflow/core/error.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

// Runs f, expects a ValueError whose message starts with `argument` and contains `rule`.
template <class F>
void expect_value_error(F f, const std::string& argument, const std::string& rule) {
  try {
    f();
    ADD_FAILURE() << "no error for " << argument << " (" << rule << ")";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << e.what();
    EXPECT_EQ(std::string(e.what()).rfind(argument + ":", 0), 0u) << e.what();
    EXPECT_NE(std::string(e.what()).find(rule), std::string::npos) << e.what();
  }
}

TEST(PageRankInputs, HugePersonalizationEqualsSmall) {
  const auto g = testing::build(testing::rmat_edges(10, 8, 1));
  const std::int64_t n = g->num_nodes();
  std::vector<double> ones(n, 1.0), huge(n, 1e308), tiny(n, 5e-324), mixed(n);
  for (std::int64_t i = 0; i < n; ++i) mixed[i] = (i % 3) * 1e307;
  PageRankOptions o;
  o.personalization = ones;
  const auto want = pagerank(*g, o);
  for (const auto* p : {&huge, &tiny}) {
    o.personalization = *p;
    const auto got = pagerank(*g, o);
    double sum = 0;
    for (std::int64_t v = 0; v < n; ++v) {
      ASSERT_EQ(got.rank[v], want.rank[v]);
      sum += got.rank[v];
    }
    EXPECT_NEAR(sum, 1.0, 1e-12);
  }
  std::vector<double> mixed_small(n);
  for (std::int64_t i = 0; i < n; ++i) mixed_small[i] = (i % 3) * 1.0;
  o.personalization = mixed;
  const auto a = pagerank(*g, o);
  o.personalization = mixed_small;
  const auto b = pagerank(*g, o);
  for (std::int64_t v = 0; v < n; ++v) ASSERT_NEAR(a.rank[v], b.rank[v], 1e-15);
}

TEST(PageRankInputs, BadOptionsNameTheirArgument) {
  const auto g = testing::build(testing::random_edges(4, 6, 0, 2));
  auto run = [&](PageRankOptions o) { return [&g, o] { pagerank(*g, o); }; };
  PageRankOptions o;
  for (double d : {0.0, 1.0, kNaN, -0.5, kInf}) {
    o = {};
    o.damping = d;
    expect_value_error(run(o), "damping", "open interval (0, 1)");
  }
  for (double t : {-1e-9, kNaN, kInf, -kInf}) {
    o = {};
    o.tol = t;
    expect_value_error(run(o), "tol", "finite number >= 0");
  }
  o = {};
  o.max_iter = -1;
  expect_value_error(run(o), "max_iter", ">= 0");
  std::vector<double> short_p{1.0}, inf_p{1, kInf, 1, 1}, nan_p{1, 1, kNaN, 1}, neg_p{1, 1, 1, -2},
      zero_p{0, 0, 0, 0}, neg_zero_p{-0.0, 0, 0, 0};
  const std::pair<std::vector<double>*, const char*> bad[] = {
      {&short_p, "one value per node (4), got 1"}, {&inf_p, "personalization[1] = inf"},
      {&nan_p, "personalization[2] = nan"},       {&neg_p, "personalization[3] = -2"},
      {&zero_p, "positive sum"},                  {&neg_zero_p, "positive sum"}};
  for (const auto& [p, rule] : bad) {
    o = {};
    o.personalization = *p;
    expect_value_error(run(o), "personalization", rule);
  }
}

TEST(SsspInputs, NegativeOrNaNWeightsAreRejectedInfIsUnusable) {
  // 0 -> 1 (1), 1 -> 2 (w), 0 -> 2 (5): built through from_arrays, which (unlike from_edges)
  // does not reject NaN itself, as a loaded graph file would be.
  auto make = [](double w) {
    GraphArrays a;
    a.num_nodes = 3;
    a.out_offsets = Buffer<EdgeOffset>(4);
    a.in_offsets = Buffer<EdgeOffset>(4);
    const EdgeOffset out_off[] = {0, 2, 3, 3}, in_off[] = {0, 0, 1, 3};
    for (int i = 0; i < 4; ++i) a.out_offsets[i] = out_off[i], a.in_offsets[i] = in_off[i];
    a.out_targets = Buffer<NodeId>(3);
    a.in_sources = Buffer<NodeId>(3);
    a.out_weights = Buffer<double>(3);
    a.in_weights = Buffer<double>(3);
    const NodeId tgt[] = {1, 2, 2}, src[] = {0, 0, 1};
    const double ow[] = {1.0, 5.0, w}, iw[] = {1.0, 5.0, w};
    for (int i = 0; i < 3; ++i) {
      a.out_targets[i] = tgt[i], a.in_sources[i] = src[i];
      a.out_weights[i] = ow[i], a.in_weights[i] = iw[i];
    }
    return Graph::from_arrays(std::move(a));
  };
  expect_value_error([&] { sssp(*make(kNaN), 0); }, "g", "edge 1 -> 2 has weight nan");
  expect_value_error([&] { sssp(*make(-1.0), 0); }, "g", "edge 1 -> 2 has weight -1");
  expect_value_error([&] { sssp(*make(-kInf), 0); }, "g", "has weight -inf");
  const auto dist = sssp(*make(kInf), 0);
  EXPECT_EQ(dist[1], 1.0);
  EXPECT_EQ(dist[2], 5.0);
  const auto from1 = sssp(*make(kInf), 1);
  EXPECT_EQ(from1[2], kInf);
}

TEST(SourceInputs, OutOfRangeSourceNamesTheRange) {
  auto e = testing::random_edges(5, 8, 0, 1);
  testing::add_weights(e, 0.5, 2.0, 1);
  const auto g = testing::build(e);
  for (std::int64_t s : {std::int64_t{-1}, std::int64_t{5}, std::numeric_limits<std::int64_t>::max(),
                         std::numeric_limits<std::int64_t>::min()}) {
    expect_value_error([&] { bfs(*g, s, true); }, "source", "[0, num_nodes) = [0, 5)");
    expect_value_error([&] { sssp(*g, s); }, "source", "[0, num_nodes) = [0, 5)");
  }
}

}  // namespace
}  // namespace fuseflow
