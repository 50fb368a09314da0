// Semiring neighbor_agg (combine) with and without an active source mask, pushed and pulled
// (FUSEFLOW_FRONTIER), against a serial fold over the user edge list.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <optional>
#include <random>
#include <vector>

#include "fuseflow/api/compiled.h"
#include "fuseflow/core/error.h"
#include "fuseflow/ir/builder.h"
#include "test_graphs.h"
#include "test_values.h"

namespace fuseflow {
namespace {

using exec::DType;
using ir::Builder;
using ir::ValueId;

using testing::bool_array;
using testing::f64_array;

double combine(ir::Combine c, double x, double w) {
  switch (c) {
    case ir::Combine::kMul: return x * w;
    case ir::Combine::kAdd: return x + w;
    case ir::Combine::kFirst: return x;
    default: return w;
  }
}

std::vector<double> reference(const testing::EdgeList& el, const std::vector<double>& x, ir::AggOp op, ir::Direction dir,
                              ir::Combine c, const std::vector<std::uint8_t>* active) {
  const double ident = op == ir::AggOp::kMin ? INFINITY : op == ir::AggOp::kMax ? -INFINITY : 0.0;
  std::vector<double> acc(static_cast<std::size_t>(el.n), ident);
  std::vector<double> count(static_cast<std::size_t>(el.n), 0.0);
  auto edge = [&](std::int32_t v, std::int32_t u, std::size_t i) {
    if (active != nullptr && !(*active)[static_cast<std::size_t>(u)]) return;
    const double val = combine(c, x[static_cast<std::size_t>(u)], el.weights[i]);
    double& a = acc[static_cast<std::size_t>(v)];
    if (op == ir::AggOp::kMin) a = std::min(a, val);
    else if (op == ir::AggOp::kMax) a = std::max(a, val);
    else a += val;
    count[static_cast<std::size_t>(v)] += 1.0;
  };
  for (std::size_t i = 0; i < el.src.size(); ++i) {
    if (dir != ir::Direction::kOut) edge(el.dst[i], el.src[i], i);
    if (dir != ir::Direction::kIn) edge(el.src[i], el.dst[i], i);
  }
  if (op == ir::AggOp::kMean) {
    for (std::size_t v = 0; v < acc.size(); ++v) acc[v] = count[v] > 0 ? acc[v] / count[v] : 0.0;
  }
  return acc;
}

std::shared_ptr<const Compiled> agg_program(ir::AggOp op, ir::Direction dir, ir::Combine c, bool masked) {
  Builder b("semiring");
  ValueId g = b.add_graph_input();
  ValueId x = b.add_array_input(DType::kFloat64, b.nodes_symbol(g));
  ValueId w = b.add_array_input(DType::kFloat64, b.edges_symbol(g));
  ValueId a = b.add_array_input(DType::kBool, b.nodes_symbol(g));
  std::optional<ValueId> weights = c == ir::Combine::kFirst ? std::nullopt : std::optional<ValueId>(w);
  b.set_outputs({b.neighbor_agg(g, x, op, dir, weights, c, masked ? std::optional<ValueId>(a) : std::nullopt)});
  return compile(b.finish());
}

struct FrontierEnv {
  explicit FrontierEnv(const char* mode) { setenv("FUSEFLOW_FRONTIER", mode, 1); }
  ~FrontierEnv() { unsetenv("FUSEFLOW_FRONTIER"); }
};

TEST(SemiringAgg, EveryCombineOpDirectionAndFrontierMatchesSerialFold) {
  testing::EdgeList el = testing::random_edges(300, 1500, 5, 21);
  testing::add_weights(el, -1.0, 2.0, 22);
  auto g = testing::build(el);
  std::mt19937_64 rng(23);
  std::uniform_real_distribution<double> d(-2.0, 2.0);
  std::vector<double> x(300);
  for (double& v : x) v = d(rng);
  std::vector<std::vector<std::uint8_t>> masks;
  for (double density : {0.0, 0.02, 0.5, 1.0}) {
    std::vector<std::uint8_t> m(300);
    for (auto& b : m) b = std::uniform_real_distribution<double>(0, 1)(rng) < density;
    masks.push_back(m);
  }
  for (ir::Combine c : {ir::Combine::kMul, ir::Combine::kAdd, ir::Combine::kFirst, ir::Combine::kSecond}) {
    for (ir::AggOp op : {ir::AggOp::kSum, ir::AggOp::kMean, ir::AggOp::kMin, ir::AggOp::kMax}) {
      for (ir::Direction dir : {ir::Direction::kIn, ir::Direction::kOut, ir::Direction::kBoth}) {
        for (int mi = -1; mi < static_cast<int>(masks.size()); ++mi) {
          const std::vector<std::uint8_t>* mask = mi < 0 ? nullptr : &masks[static_cast<std::size_t>(mi)];
          auto f = agg_program(op, dir, c, mask != nullptr);
          auto want = reference(el, x, op, dir, c, mask);
          std::vector<std::uint8_t> all(300, 1);
          for (const char* mode : {"push", "pull", "auto"}) {
            FrontierEnv env(mode);
            auto out = f->run({Value::of_graph(g), f64_array(x), f64_array(el.weights), bool_array(mask ? *mask : all)});
            ASSERT_EQ(out[0].type, DType::kFloat64);
            const double* got = out[0].data<double>();
            for (std::size_t v = 0; v < want.size(); ++v) {
              if (op == ir::AggOp::kMin || op == ir::AggOp::kMax) {
                ASSERT_EQ(got[v], want[v]) << "node " << v << " mode " << mode;
              } else {
                ASSERT_NEAR(got[v], want[v], 1e-12 * (1.0 + std::fabs(want[v]))) << "node " << v << " mode " << mode;
              }
            }
          }
        }
      }
    }
  }
}

TEST(SemiringAgg, PushedSumOverInEdgesHasThePulledBits) {
  testing::EdgeList el = testing::random_edges(2000, 20000, 10, 31);
  testing::add_weights(el, 0.0, 1.0, 32);
  auto g = testing::build(el);
  std::vector<double> x(2000);
  std::vector<std::uint8_t> mask(2000);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = std::sin(static_cast<double>(i)) * 1e3;
    mask[i] = i % 7 == 0;
  }
  auto f = agg_program(ir::AggOp::kSum, ir::Direction::kIn, ir::Combine::kMul, true);
  std::vector<double> pushed, pulled;
  {
    FrontierEnv env("push");
    auto out = f->run({Value::of_graph(g), f64_array(x), f64_array(el.weights), bool_array(mask)});
    pushed.assign(out[0].data<double>(), out[0].data<double>() + out[0].length);
  }
  testing::at_thread_counts([&](int) {
    FrontierEnv env("pull");
    auto out = f->run({Value::of_graph(g), f64_array(x), f64_array(el.weights), bool_array(mask)});
    pulled.assign(out[0].data<double>(), out[0].data<double>() + out[0].length);
    ASSERT_EQ(0, std::memcmp(pushed.data(), pulled.data(), pushed.size() * sizeof(double)));
  });
}

TEST(SemiringAgg, EmptyGraphGivesIdentities) {
  testing::EdgeList el;
  el.n = 4;
  auto g = testing::build(el);
  auto f = agg_program(ir::AggOp::kMin, ir::Direction::kBoth, ir::Combine::kAdd, true);
  FrontierEnv env("push");
  auto out = f->run({Value::of_graph(g), f64_array({1, 2, 3, 4}), f64_array({}), bool_array({1, 1, 0, 1})});
  for (int v = 0; v < 4; ++v) EXPECT_EQ(out[0].data<double>()[v], INFINITY);
}

TEST(SemiringAgg, TypeRulesNameTheOperand) {
  Builder b("bad");
  ValueId g = b.add_graph_input();
  ValueId x = b.add_array_input(DType::kFloat64, b.nodes_symbol(g));
  ValueId w = b.add_array_input(DType::kFloat64, b.edges_symbol(g));
  ValueId i = b.add_array_input(DType::kInt32, b.nodes_symbol(g));
  EXPECT_THROW(b.neighbor_agg(g, x, ir::AggOp::kMin, ir::Direction::kIn, std::nullopt, ir::Combine::kAdd), Error);
  EXPECT_THROW(b.neighbor_agg(g, x, ir::AggOp::kMin, ir::Direction::kIn, w, ir::Combine::kFirst), Error);
  EXPECT_THROW(b.neighbor_agg(g, x, ir::AggOp::kCount, ir::Direction::kIn, w, ir::Combine::kMul), Error);
  EXPECT_THROW(b.neighbor_agg(g, x, ir::AggOp::kMin, ir::Direction::kIn, w, ir::Combine::kAdd, i), Error);
  EXPECT_THROW(b.neighbor_agg(g, x, ir::AggOp::kMin, ir::Direction::kIn, w, ir::Combine::kNone, x), Error);
  try {
    b.neighbor_agg(g, x, ir::AggOp::kMin, ir::Direction::kIn, w, ir::Combine::kAdd, i);
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("active mask"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("must be bool"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fuseflow
