// One compiled plan run from 8 std::threads at once, each with its own graph and arrays of its own
// lengths (a loop over neighbor_agg, fused elementwise kernels, reductions): every thread's results
// must equal the serial run's bit for bit and a plain C++ reference within rounding. Run under
// ThreadSanitizer by scripts/tsan.sh (suite name contains "Concurrency").
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <random>
#include <thread>
#include <vector>

#include "fuseflow/api/compiled.h"
#include "fuseflow/ir/builder.h"
#include "test_graphs.h"
#include "test_programs.h"

namespace fuseflow {
namespace {

using exec::DType;
using ir::Builder;
using ir::OpCode;
using ir::ValueId;

// (g, x: f64[N], y: f64[n0], iters) -> (x after `iters` steps of x = 0.5 * agg_in(x) + 1,
//                                      where_expression(y, y), sum(y * y))
std::shared_ptr<const Compiled> compile_mixed_program() {
  Builder b("mixed");
  ValueId g = b.add_graph_input();
  ValueId x = b.add_array_input(DType::kFloat64, b.nodes_symbol(g));
  ValueId y = b.add_array_input(DType::kFloat64, b.new_input_symbol());
  ValueId iters = b.add_scalar_input(DType::kInt64, true);
  auto carry = b.begin_loop(iters, {x});
  ValueId agg = b.neighbor_agg(g, carry[0], ir::AggOp::kSum, ir::Direction::kIn);
  ValueId next = b.binary(OpCode::kAdd, b.binary(OpCode::kMul, agg, b.constant_float(0.5)), b.constant_float(1.0));
  ValueId looped = b.end_loop({next})[0];
  ValueId w = testing::where_expression(b, y, y);
  ValueId sq = b.reduce(OpCode::kSum, b.binary(OpCode::kMul, y, y));
  b.set_outputs({looped, w, sq});
  return compile(b.finish());
}

std::vector<double> random_values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(-2.0, 2.0);
  std::vector<double> out(n);
  for (double& v : out) v = d(rng);
  return out;
}

Value array_value(const std::vector<double>& v) {
  Value out = Value::array(DType::kFloat64, static_cast<std::int64_t>(v.size()));
  if (!v.empty()) std::memcpy(out.storage->data(), v.data(), v.size() * sizeof(double));
  return out;
}

struct Case {
  testing::EdgeList edges;
  std::shared_ptr<const Graph> graph;
  std::vector<double> x, y;
};

bool same_bits(const Value& a, const Value& b) {
  if (a.kind != b.kind || a.type != b.type || a.length != b.length) return false;
  if (a.is_scalar()) return std::memcmp(a.scalar.raw, b.scalar.raw, 8) == 0;
  return a.length == 0 || std::memcmp(a.raw_data(), b.raw_data(), static_cast<std::size_t>(a.length) * 8) == 0;
}

TEST(ExecutorConcurrency, OnePlanFromEightThreadsWithDifferentInputsAndLengths) {
  auto f = compile_mixed_program();
  constexpr int kThreads = 8;
  constexpr std::int64_t kIters = 3;
  std::vector<Case> cases(kThreads);
  for (int t = 0; t < kThreads; ++t) {
    const std::int64_t n = 300 + 97 * t;
    cases[t].edges = testing::random_edges(n, 5 * n, 3, 11 + static_cast<std::uint64_t>(t));
    cases[t].graph = testing::build(cases[t].edges);
    cases[t].x = random_values(static_cast<std::size_t>(n), 100 + static_cast<std::uint64_t>(t));
    cases[t].y = random_values(static_cast<std::size_t>(1000 + 613 * t), 200 + static_cast<std::uint64_t>(t));
  }
  auto run = [&](const Case& c) {
    return f->run({Value::of_graph(c.graph), array_value(c.x), array_value(c.y), Value::of_i64(kIters)});
  };
  // Serial results, checked against a plain C++ reference.
  std::vector<std::vector<Value>> want;
  for (const Case& c : cases) {
    want.push_back(run(c));
    std::vector<double> x = c.x;
    for (std::int64_t it = 0; it < kIters; ++it) {
      std::vector<double> agg(x.size(), 0.0);
      for (std::size_t e = 0; e < c.edges.src.size(); ++e) agg[c.edges.dst[e]] += x[c.edges.src[e]];
      for (std::size_t v = 0; v < x.size(); ++v) x[v] = 0.5 * agg[v] + 1.0;
    }
    double sq = 0.0;
    for (double v : c.y) sq += v * v;
    const Value& got = want.back()[0];
    ASSERT_EQ(got.length, static_cast<std::int64_t>(x.size()));
    for (std::size_t v = 0; v < x.size(); ++v) {
      ASSERT_NEAR(got.data<double>()[v], x[v], 1e-9 * (1.0 + std::fabs(x[v]))) << v;
    }
    EXPECT_NEAR(want.back()[2].scalar.f64, sq, 1e-9 * sq);
  }
  std::vector<int> mismatches(kThreads, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 20; ++rep) {
        // Each thread also runs its neighbour's case, so the pooled run states see every length.
        const int which = rep % 2 == 0 ? t : (t + 1) % kThreads;
        auto got = run(cases[which]);
        for (std::size_t o = 0; o < got.size(); ++o) {
          if (!same_bits(got[o], want[which][o])) ++mismatches[t];
        }
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < kThreads; ++t) EXPECT_EQ(mismatches[t], 0) << "thread " << t;
}

}  // namespace
}  // namespace fuseflow
