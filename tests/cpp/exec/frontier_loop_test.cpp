// Frontier loops (src/exec/lower_frontier.cpp, frontier_loop.cpp) and fused edge values
// (lower_edge_values.cpp, edge_values.cpp) through the whole C++ path -- builder, optimizer,
// lowering, executor -- so the sanitizer builds of the C++ tests run them too. Checked against
// serial implementations: BFS levels by a queue, and a per-edge fold over the user edge list.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <deque>
#include <vector>

#include "fuseflow/api/compiled.h"
#include "fuseflow/ir/axis_reduce.h"
#include "fuseflow/ir/builder.h"
#include "test_graphs.h"
#include "test_values.h"

namespace fuseflow {
namespace {

using exec::DType;
using ir::Builder;
using ir::OpCode;
using ir::ValueId;

struct FrontierEnv {
  explicit FrontierEnv(const char* mode) { setenv("FUSEFLOW_FRONTIER", mode, 1); }
  ~FrontierEnv() { unsetenv("FUSEFLOW_FRONTIER"); }
};

using testing::bool_array;
using testing::f64_array;

// while any(frontier): reached = min over active in-neighbours of level;
// new = (level == inf) & (reached < inf); level = where(new, reached + 1, level); frontier = new.
std::shared_ptr<const Compiled> bfs_program() {
  Builder b("bfs");
  ValueId g = b.add_graph_input();
  ValueId level = b.add_array_input(DType::kFloat64, b.nodes_symbol(g));
  ValueId frontier = b.add_array_input(DType::kBool, b.nodes_symbol(g));
  auto c = b.begin_while({level, frontier});
  ir::AxisReduce any;
  any.kind = ir::AxisReduceKind::kAny;
  any.axes = 1;
  auto body = b.begin_while_body(b.reduce_axes(c[1], any));
  ValueId inf = b.constant_float(INFINITY);
  ValueId reached = b.neighbor_agg(g, body[0], ir::AggOp::kMin, ir::Direction::kIn, std::nullopt, ir::Combine::kFirst, body[1]);
  ValueId fresh = b.binary(OpCode::kAnd, b.binary(OpCode::kEq, body[0], inf), b.binary(OpCode::kLt, reached, inf));
  ValueId next = b.where(fresh, b.binary(OpCode::kAdd, reached, b.constant_float(1.0)), body[0]);
  auto out = b.end_while({next, fresh});
  b.set_outputs({out[0]});
  return compile(b.finish());
}

std::vector<double> serial_bfs(const testing::EdgeList& el, std::int32_t source) {
  std::vector<std::vector<std::int32_t>> adj(static_cast<std::size_t>(el.n));
  for (std::size_t i = 0; i < el.src.size(); ++i) adj[static_cast<std::size_t>(el.src[i])].push_back(el.dst[i]);
  std::vector<double> level(static_cast<std::size_t>(el.n), INFINITY);
  std::deque<std::int32_t> queue{source};
  level[static_cast<std::size_t>(source)] = 0.0;
  while (!queue.empty()) {
    const std::int32_t u = queue.front();
    queue.pop_front();
    for (std::int32_t v : adj[static_cast<std::size_t>(u)]) {
      if (std::isinf(level[static_cast<std::size_t>(v)])) {
        level[static_cast<std::size_t>(v)] = level[static_cast<std::size_t>(u)] + 1.0;
        queue.push_back(v);
      }
    }
  }
  return level;
}

TEST(FrontierLoop, BfsIsMarkedWithAGuardAndMatchesASerialBfsInEveryMode) {
  auto f = bfs_program();
  const std::string plan = f->describe();
  EXPECT_NE(plan.find("frontier: "), std::string::npos) << plan;
  EXPECT_NE(plan.find("dense ones fold where guard"), std::string::npos) << plan;
  // A path long enough for many sparse levels, plus random edges for dense ones.
  testing::EdgeList el = testing::random_edges(3000, 9000, 20, 41);
  for (std::int32_t i = 0; i + 1 < 1500; ++i) {
    el.src.push_back(i);
    el.dst.push_back(i + 1);
  }
  auto g = testing::build(el);
  for (std::int32_t source : {0, 1499, 2999}) {  // 2999 is isolated
    std::vector<double> level(3000, INFINITY);
    std::vector<std::uint8_t> frontier(3000, 0);
    level[static_cast<std::size_t>(source)] = 0.0;
    frontier[static_cast<std::size_t>(source)] = 1;
    const std::vector<double> want = serial_bfs(el, source);
    for (const char* mode : {"auto", "push", "pull"}) {
      FrontierEnv env(mode);
      auto out = f->run({Value::of_graph(g), f64_array(level), bool_array(frontier)});
      const double* got = out[0].data<double>();
      for (std::size_t v = 0; v < want.size(); ++v) ASSERT_EQ(got[v], want[v]) << "node " << v << " mode " << mode;
    }
  }
}

TEST(FusedEdgeValues, AttentionLikeSumMatchesASerialFoldAndWritesNoEdgeArray) {
  Builder b("attention");
  ValueId g = b.add_graph_input();
  ValueId h = b.add_array_input(DType::kFloat64, b.nodes_symbol(g));
  ValueId w = b.add_array_input(DType::kFloat64, b.edges_symbol(g));
  ValueId msg = b.binary(OpCode::kMul, b.unary(OpCode::kExp, b.binary(OpCode::kSub, b.edge_src(g, h), b.edge_dst(g, h))), w);
  b.set_outputs({b.neighbor_agg(g, h, ir::AggOp::kSum, ir::Direction::kIn, msg, ir::Combine::kSecond)});
  auto f = compile(b.finish());
  const std::string plan = f->describe();
  EXPECT_NE(plan.find("per edge"), std::string::npos) << plan;
  EXPECT_EQ(plan.find("edge_src"), std::string::npos) << plan;

  // One node with 5,000 in-edges: its list spans three batches.
  testing::EdgeList el = testing::random_edges(500, 6000, 5, 51);
  for (int i = 0; i < 5000; ++i) {
    el.src.push_back(i % 490);
    el.dst.push_back(3);
  }
  testing::add_weights(el, 0.5, 2.0, 52);
  auto gr = testing::build(el);
  std::vector<double> x(500);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = std::cos(static_cast<double>(i));
  std::vector<double> want(500, 0.0);
  for (std::size_t i = 0; i < el.src.size(); ++i) {
    const double m = std::exp(x[static_cast<std::size_t>(el.src[i])] - x[static_cast<std::size_t>(el.dst[i])]) * el.weights[i];
    want[static_cast<std::size_t>(el.dst[i])] += m;
  }
  auto out = f->run({Value::of_graph(gr), f64_array(x), f64_array(el.weights)});
  const double* got = out[0].data<double>();
  for (std::size_t v = 0; v < want.size(); ++v) ASSERT_NEAR(got[v], want[v], 1e-12 * (1.0 + std::fabs(want[v]))) << v;
}

}  // namespace
}  // namespace fuseflow
