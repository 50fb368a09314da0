// Executor: programs built with the IR Builder, compiled, run, and compared with simple serial
// C++ references (elementwise math, NumPy integer/NaN semantics, reductions incl. empty arrays,
// neighbor_agg for every op/direction with and without weights, loops, determinism, threads).
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <thread>
#include <vector>

#include "fuseflow/algorithms/pagerank.h"
#include "fuseflow/api/compiled.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/ir/builder.h"
#include "test_programs.h"
#include "test_values.h"

namespace fuseflow {
namespace {

using ir::Builder;
using ir::OpCode;
using ir::ValueId;
using exec::DType;

using testing::array_of;
using testing::f64_array;

template <class T>
std::vector<T> to_vector(const Value& v) {
  const T* p = v.data<T>();
  return std::vector<T>(p, p + v.length);
}

std::vector<double> random_doubles(std::size_t n, std::uint64_t seed, double lo = -3.0, double hi = 3.0) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> d(lo, hi);
  std::vector<double> out(n);
  for (double& x : out) x = d(rng);
  return out;
}

bool same_double(double a, double b, double rel) {
  if (std::isnan(a) || std::isnan(b)) return std::isnan(a) && std::isnan(b);
  if (a == b) return true;
  return std::fabs(a - b) <= rel * std::max(std::fabs(a), std::fabs(b));
}

// where(x > 0, x*y + 2.5*x - y/3, exp(-x)*y): the fusion benchmark expression.
std::shared_ptr<const Compiled> compile_where_expression() {
  Builder b("where_expr");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  ValueId y = b.add_array_input(DType::kFloat64, s);
  ValueId r = testing::where_expression(b, x, y);
  b.set_outputs({r, b.reduce(OpCode::kSum, r)});
  return compile(b.finish());
}

TEST(ExecElementwise, FusedWhereExpressionMatchesSerialLoopAtBlockEdges) {
  auto f = compile_where_expression();
  // One fused kernel: every intermediate stays in block registers.
  ASSERT_EQ(f->plan().steps.size(), 1u);
  for (std::size_t n : {0, 1, 7, 1023, 1024, 1025, 5000, 100003}) {
    auto x = random_doubles(n, 1 + n), y = random_doubles(n, 2 + n);
    auto out = f->run({f64_array(x), f64_array(y)});
    ASSERT_EQ(out[0].length, static_cast<std::int64_t>(n));
    auto got = to_vector<double>(out[0]);
    double ref_sum = 0.0;
    for (std::size_t i = 0; i < n; ++i) {
      double ref = x[i] > 0 ? x[i] * y[i] + 2.5 * x[i] - y[i] / 3.0 : std::exp(-x[i]) * y[i];
      ASSERT_TRUE(same_double(got[i], ref, 1e-14)) << "n=" << n << " i=" << i << " " << got[i] << " vs " << ref;
      ref_sum += ref;
    }
    EXPECT_NEAR(out[1].scalar.f64, ref_sum, 1e-9 * (1.0 + std::fabs(ref_sum))) << n;
  }
}

// run_into (out= of a jit call): results land in the caller's buffers; repeated runs keep the
// engine's live output memory flat; a wrong dtype/shape or a scalar output is an error naming out
// and leaves the buffers untouched.
TEST(ExecElementwise, RunIntoWritesCallerBuffersAndChecksThem) {
  Builder b("into");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  ValueId y = b.add_array_input(DType::kFloat64, s);
  b.set_outputs({b.binary(OpCode::kAdd, b.binary(OpCode::kMul, x, y), x)});
  auto f = compile(b.finish());
  auto xs = random_doubles(1000, 3), ys = random_doubles(1000, 4);
  std::vector<double> buf(1000, -1.0);
  Compiled::OutBuffer out;
  out.data = buf.data();
  out.type = DType::kFloat64;
  out.rank = 1;
  out.dims[0] = 1000;
  f->run_into({f64_array(xs), f64_array(ys)}, {out});
  const std::int64_t live = exec::live_storage_bytes();
  for (int r = 0; r < 3; ++r) f->run_into({f64_array(xs), f64_array(ys)}, {out});
  for (std::size_t i = 0; i < buf.size(); ++i) ASSERT_EQ(buf[i], xs[i] * ys[i] + xs[i]) << i;
  // The inputs are owned arrays built per call: only they may differ, not retained outputs.
  EXPECT_EQ(exec::live_storage_bytes(), live);
  std::vector<double> before = buf;
  Compiled::OutBuffer wrong = out;
  wrong.dims[0] = 999;
  EXPECT_THROW(f->run_into({f64_array(xs), f64_array(ys)}, {wrong}), Error);
  wrong = out;
  wrong.type = DType::kFloat32;
  EXPECT_THROW(f->run_into({f64_array(xs), f64_array(ys)}, {wrong}), Error);
  EXPECT_THROW(f->run_into({f64_array(xs), f64_array(ys)}, {}), Error);
  EXPECT_EQ(buf, before);
}

TEST(ExecElementwise, ScalarAndLengthOneArraysBroadcast) {
  Builder b("bcast");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  ValueId one = b.add_array_input(DType::kFloat64, b.one_symbol());
  ValueId a = b.add_scalar_input(DType::kFloat64, true);
  b.set_outputs({b.binary(OpCode::kAdd, b.binary(OpCode::kMul, x, one), a)});
  auto f = compile(b.finish());
  auto xs = random_doubles(3000, 5);
  auto out = f->run({f64_array(xs), f64_array({2.0}), Value::of_f64(-1.5)});
  auto got = to_vector<double>(out[0]);
  for (std::size_t i = 0; i < xs.size(); ++i) ASSERT_EQ(got[i], xs[i] * 2.0 - 1.5);
}

// Python/NumPy integer semantics, written independently of the kernel's formulation.
std::int64_t py_floordiv(std::int64_t a, std::int64_t b) {
  if (b == 0) return 0;
  if (b == -1) return static_cast<std::int64_t>(0ULL - static_cast<std::uint64_t>(a));
  std::int64_t q = a / b;
  if (q * b != a && ((a < 0) != (b < 0))) q -= 1;
  return q;
}
std::int64_t py_mod(std::int64_t a, std::int64_t b) {
  if (b == 0 || b == -1) return 0;
  // In unsigned arithmetic: q * b may not fit int64 (INT64_MIN // 3 * 3), the result does.
  const std::uint64_t qb = static_cast<std::uint64_t>(py_floordiv(a, b)) * static_cast<std::uint64_t>(b);
  return static_cast<std::int64_t>(static_cast<std::uint64_t>(a) - qb);
}

TEST(ExecElementwise, IntegerFloorDivModMatchPythonIncludingZeroAndMinusOne) {
  Builder b("intdiv");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kInt64, s);
  ValueId y = b.add_array_input(DType::kInt64, s);
  b.set_outputs({b.binary(OpCode::kFloorDiv, x, y), b.binary(OpCode::kMod, x, y)});
  auto f = compile(b.finish());
  const std::int64_t lo = std::numeric_limits<std::int64_t>::min();
  std::vector<std::int64_t> xs, ys;
  for (std::int64_t a : {-7LL, -6LL, -1LL, 0LL, 1LL, 5LL, 7LL, 123456789LL, static_cast<long long>(lo)}) {
    for (std::int64_t d : {-3LL, -2LL, -1LL, 0LL, 1LL, 2LL, 3LL, 10LL}) {
      xs.push_back(a);
      ys.push_back(d);
    }
  }
  auto out = f->run({array_of(xs, DType::kInt64), array_of(ys, DType::kInt64)});
  auto q = to_vector<std::int64_t>(out[0]);
  auto r = to_vector<std::int64_t>(out[1]);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_EQ(q[i], py_floordiv(xs[i], ys[i])) << xs[i] << " // " << ys[i];
    EXPECT_EQ(r[i], py_mod(xs[i], ys[i])) << xs[i] << " % " << ys[i];
  }
}

TEST(ExecElementwise, FloatFloorDivModFollowPythonSigns) {
  Builder b("floatdiv");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  ValueId y = b.add_array_input(DType::kFloat64, s);
  b.set_outputs({b.binary(OpCode::kFloorDiv, x, y), b.binary(OpCode::kMod, x, y)});
  auto f = compile(b.finish());
  std::vector<double> xs{-7.5, 7.5, 7.5, -7.5, 1.0, 0.0, 3.0, 6.0};
  std::vector<double> ys{2.0, -2.0, 2.0, -2.0, 0.0, 0.0, 1.5, 3.0};
  auto out = f->run({f64_array(xs), f64_array(ys)});
  auto q = to_vector<double>(out[0]);
  auto r = to_vector<double>(out[1]);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    if (ys[i] == 0.0) {
      EXPECT_TRUE(std::isnan(r[i]));
      if (xs[i] == 0.0) EXPECT_TRUE(std::isnan(q[i]));
      else EXPECT_EQ(q[i], std::copysign(INFINITY, xs[i]));
      continue;
    }
    // Python: q = floor(x / y), r = x - q*y with the divisor's sign (exact for these inputs).
    EXPECT_EQ(q[i], std::floor(xs[i] / ys[i])) << xs[i] << " // " << ys[i];
    EXPECT_EQ(r[i], xs[i] - std::floor(xs[i] / ys[i]) * ys[i]) << xs[i] << " % " << ys[i];
  }
}

TEST(ExecElementwise, MinimumMaximumClipPropagateNaN) {
  Builder b("nan");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  ValueId y = b.add_array_input(DType::kFloat64, s);
  b.set_outputs({b.binary(OpCode::kMinimum, x, y), b.binary(OpCode::kMaximum, x, y),
                 b.clip(x, b.constant_float(-1.0), b.constant_float(1.0))});
  auto f = compile(b.finish());
  const double nan = std::numeric_limits<double>::quiet_NaN();
  std::vector<double> xs{nan, 1.0, nan, -5.0, 5.0, 0.5};
  std::vector<double> ys{1.0, nan, nan, 2.0, -2.0, 0.25};
  auto out = f->run({f64_array(xs), f64_array(ys)});
  auto mn = to_vector<double>(out[0]), mx = to_vector<double>(out[1]), cl = to_vector<double>(out[2]);
  for (std::size_t i = 0; i < xs.size(); ++i) {
    const bool any_nan = std::isnan(xs[i]) || std::isnan(ys[i]);
    if (any_nan) {
      EXPECT_TRUE(std::isnan(mn[i]) && std::isnan(mx[i])) << i;
    } else {
      EXPECT_EQ(mn[i], std::min(xs[i], ys[i]));
      EXPECT_EQ(mx[i], std::max(xs[i], ys[i]));
    }
    if (std::isnan(xs[i])) EXPECT_TRUE(std::isnan(cl[i]));
    else EXPECT_EQ(cl[i], std::min(std::max(xs[i], -1.0), 1.0));
  }
}

TEST(ExecElementwise, CastsFloatToIntAndBool) {
  Builder b("cast");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  b.set_outputs({b.cast(x, DType::kInt32), b.cast(x, DType::kBool), b.cast(b.cast(x, DType::kInt64), DType::kFloat32)});
  auto f = compile(b.finish());
  std::vector<double> xs{1.9, -1.9, 0.0, 1e20, std::numeric_limits<double>::quiet_NaN(), 3.0};
  auto out = f->run({f64_array(xs)});
  auto i32 = to_vector<std::int32_t>(out[0]);
  auto bl = to_vector<std::uint8_t>(out[1]);
  auto f32 = to_vector<float>(out[2]);
  const std::int32_t int_min = std::numeric_limits<std::int32_t>::min();
  std::vector<std::int32_t> want_i32{1, -1, 0, int_min, int_min, 3};  // out of range/NaN: x86's INT_MIN
  std::vector<std::uint8_t> want_bool{1, 1, 0, 1, 1, 1};               // NaN != 0 is true, like NumPy
  for (std::size_t i = 0; i < xs.size(); ++i) {
    EXPECT_EQ(i32[i], want_i32[i]) << i;
    EXPECT_EQ(bl[i], want_bool[i]) << i;
  }
  EXPECT_EQ(f32[0], 1.0f);
  EXPECT_EQ(f32[1], -1.0f);
}

// ---------------------------------------------------------------- reductions

std::shared_ptr<const Compiled> compile_reductions(DType dtype) {
  Builder b("reductions");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(dtype, s);
  b.set_outputs({b.reduce(OpCode::kSum, x), b.reduce(OpCode::kMean, x), b.norm(x, ir::NormKind::kL1),
                 b.norm(x, ir::NormKind::kL2), b.norm(x, ir::NormKind::kInf), b.dot(x, x)});
  return compile(b.finish());
}

TEST(ExecReduction, SumMeanNormDotMatchSerial) {
  auto f = compile_reductions(DType::kFloat64);
  for (std::size_t n : {1, 5, 1024, 4097, 250000}) {
    auto x = random_doubles(n, 40 + n);
    auto out = f->run({f64_array(x)});
    long double sum = 0, l1 = 0, l2 = 0;
    double inf = 0;
    for (double v : x) {
      sum += v;
      l1 += std::fabs(v);
      l2 += static_cast<long double>(v) * v;
      inf = std::max(inf, std::fabs(v));
    }
    const double tol = 1e-12 * static_cast<double>(n);
    EXPECT_NEAR(out[0].scalar.f64, static_cast<double>(sum), tol);
    EXPECT_NEAR(out[1].scalar.f64, static_cast<double>(sum / n), tol / static_cast<double>(n));
    EXPECT_NEAR(out[2].scalar.f64, static_cast<double>(l1), tol);
    EXPECT_NEAR(out[3].scalar.f64, std::sqrt(static_cast<double>(l2)), tol);
    EXPECT_EQ(out[4].scalar.f64, inf);
    EXPECT_NEAR(out[5].scalar.f64, static_cast<double>(l2), tol * 10);
  }
}

TEST(ExecReduction, EmptyArrays) {
  auto f = compile_reductions(DType::kFloat64);
  auto out = f->run({f64_array({})});
  EXPECT_EQ(out[0].scalar.f64, 0.0);
  EXPECT_TRUE(std::isnan(out[1].scalar.f64));  // mean of nothing
  EXPECT_EQ(out[2].scalar.f64, 0.0);
  EXPECT_EQ(out[3].scalar.f64, 0.0);
  EXPECT_EQ(out[4].scalar.f64, 0.0);
  EXPECT_EQ(out[5].scalar.f64, 0.0);

  Builder b("min");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  b.set_outputs({b.reduce(OpCode::kMin, x)});
  auto fmin = compile(b.finish());
  try {
    fmin->run({f64_array({})});
    FAIL() << "min of an empty array must raise";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    EXPECT_NE(std::string(e.what()).find("zero-size"), std::string::npos) << e.what();
  }
}

TEST(ExecReduction, MinMaxArgMinArgMaxWithNaNAndTies) {
  Builder b("minmax");
  auto s = b.new_input_symbol();
  ValueId xv = b.add_array_input(DType::kFloat64, s);
  b.set_outputs({b.reduce(OpCode::kMin, xv), b.reduce(OpCode::kMax, xv), b.reduce(OpCode::kArgMin, xv),
                 b.reduce(OpCode::kArgMax, xv)});
  auto f = compile(b.finish());
  // Ties across blocks: the first occurrence wins.
  std::vector<double> x(5000, 1.0);
  x[1500] = -4.0;
  x[4000] = -4.0;
  x[2100] = 9.0;
  x[4999] = 9.0;
  auto out = f->run({f64_array(x)});
  EXPECT_EQ(out[0].scalar.f64, -4.0);
  EXPECT_EQ(out[1].scalar.f64, 9.0);
  EXPECT_EQ(out[2].scalar.i64, 1500);
  EXPECT_EQ(out[3].scalar.i64, 2100);
  // NaN: min/max are NaN and argmin/argmax point at the first NaN (NumPy).
  x[3000] = std::numeric_limits<double>::quiet_NaN();
  x[3500] = std::numeric_limits<double>::quiet_NaN();
  out = f->run({f64_array(x)});
  EXPECT_TRUE(std::isnan(out[0].scalar.f64));
  EXPECT_TRUE(std::isnan(out[1].scalar.f64));
  EXPECT_EQ(out[2].scalar.i64, 3000);
  EXPECT_EQ(out[3].scalar.i64, 3000);
}

TEST(ExecReduction, IntegerSumWidensToInt64) {
  Builder b("isum");
  auto s = b.new_input_symbol();
  ValueId xv = b.add_array_input(DType::kInt32, s);
  b.set_outputs({b.reduce(OpCode::kSum, xv), b.reduce(OpCode::kMean, xv)});
  auto f = compile(b.finish());
  std::vector<std::int32_t> x(3000, 2000000000);
  x[7] = -5;
  auto out = f->run({array_of(x, DType::kInt32)});
  std::int64_t want = 0;
  for (auto v : x) want += v;
  EXPECT_EQ(out[0].type, DType::kInt64);
  EXPECT_EQ(out[0].scalar.i64, want);
  EXPECT_NEAR(out[1].scalar.f64, static_cast<double>(want) / 3000.0, 1e-3);
}

TEST(ExecReduction, BitwiseIdenticalForOneAndTwoThreads) {
  auto f = compile_where_expression();
  auto x = random_doubles(3'000'000, 77), y = random_doubles(3'000'000, 78);
  set_num_threads(1);
  auto one = f->run({f64_array(x), f64_array(y)});
  set_num_threads(2);
  auto two = f->run({f64_array(x), f64_array(y)});
  set_num_threads(0);
  EXPECT_EQ(std::memcmp(&one[1].scalar.f64, &two[1].scalar.f64, sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(one[0].raw_data(), two[0].raw_data(), x.size() * sizeof(double)), 0);
}

// ---------------------------------------------------------------- graph ops

struct EdgeList {
  std::int64_t n;
  std::vector<std::int32_t> src, dst;
  std::vector<double> weights;  // CSR order after build (see below)
};

// Random multigraph with isolated nodes (ids >= n - 5 never get edges).
std::shared_ptr<const Graph> random_graph(std::int64_t n, std::int64_t m, std::uint64_t seed, EdgeList& el) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int32_t> node(0, static_cast<std::int32_t>(n - 6));
  el.n = n;
  for (std::int64_t e = 0; e < m; ++e) {
    el.src.push_back(node(rng));
    el.dst.push_back(node(rng));
  }
  EdgeListView view;
  view.src32 = el.src;
  view.dst32 = el.dst;
  return Graph::from_edges(view, n);
}

// Reference over the CSR edge list: for node v, neighbours with the CSR edge id of each edge.
// Pairs (neighbour, user edge index): edge arrays are in user edge order (graph.h).
std::vector<std::vector<std::pair<std::int32_t, std::int64_t>>> neighbours(const Graph& g, ir::Direction d) {
  std::vector<std::vector<std::pair<std::int32_t, std::int64_t>>> nb(static_cast<std::size_t>(g.num_nodes()));
  auto off = g.out_offsets();
  auto tgt = g.out_targets();
  auto user = g.user_edge_ids();
  for (std::int64_t u = 0; u < g.num_nodes(); ++u) {
    for (std::int64_t p = off[u]; p < off[u + 1]; ++p) {
      const std::int64_t e = user.empty() ? p : user[p];
      if (d != ir::Direction::kOut) nb[static_cast<std::size_t>(tgt[p])].push_back({static_cast<std::int32_t>(u), e});
      if (d != ir::Direction::kIn) nb[static_cast<std::size_t>(u)].push_back({tgt[p], e});
    }
  }
  return nb;
}

TEST(ExecGraph, NeighborAggEveryOpAndDirectionMatchesSerialReference) {
  EdgeList el;
  auto g = random_graph(700, 5000, 3, el);
  auto x = random_doubles(700, 9);
  for (double& v : x) v = std::round(v * 2.0);  // repeated values so mode has real ties
  auto w = random_doubles(static_cast<std::size_t>(g->num_edges()), 10, 0.1, 2.0);
  for (ir::Direction dir : {ir::Direction::kIn, ir::Direction::kOut, ir::Direction::kBoth}) {
    auto nb = neighbours(*g, dir);
    for (ir::AggOp op : {ir::AggOp::kSum, ir::AggOp::kMean, ir::AggOp::kMin, ir::AggOp::kMax, ir::AggOp::kCount,
                         ir::AggOp::kMode}) {
      for (bool weighted : {false, true}) {
        if (weighted && (op == ir::AggOp::kMin || op == ir::AggOp::kMax)) continue;
        Builder b("agg");
        ValueId gv = b.add_graph_input();
        ValueId xv = b.add_array_input(DType::kFloat64, b.nodes_symbol(gv));
        ValueId wv = b.add_array_input(DType::kFloat64, b.edges_symbol(gv));
        b.set_outputs({b.neighbor_agg(gv, xv, op, dir, weighted ? std::optional<ValueId>(wv) : std::nullopt)});
        auto f = compile(b.finish());
        auto out = f->run({Value::of_graph(g), f64_array(x), f64_array(w)});
        auto got = to_vector<double>(out[0]);
        for (std::size_t v = 0; v < nb.size(); ++v) {
          double ref = 0.0, total = 0.0;
          const auto& list = nb[v];
          switch (op) {
            case ir::AggOp::kSum:
              for (auto [u, e] : list) ref += (weighted ? w[static_cast<std::size_t>(e)] : 1.0) * x[static_cast<std::size_t>(u)];
              break;
            case ir::AggOp::kMean:
              for (auto [u, e] : list) {
                double wt = weighted ? w[static_cast<std::size_t>(e)] : 1.0;
                ref += wt * x[static_cast<std::size_t>(u)];
                total += wt;
              }
              ref = list.empty() ? 0.0 : ref / total;
              break;
            case ir::AggOp::kMin:
              ref = INFINITY;
              for (auto [u, e] : list) ref = std::min(ref, x[static_cast<std::size_t>(u)]);
              break;
            case ir::AggOp::kMax:
              ref = -INFINITY;
              for (auto [u, e] : list) ref = std::max(ref, x[static_cast<std::size_t>(u)]);
              break;
            case ir::AggOp::kCount:
              for (auto [u, e] : list) ref += weighted ? w[static_cast<std::size_t>(e)] : 1.0;
              break;
            case ir::AggOp::kMode: {
              if (list.empty()) {
                ref = std::numeric_limits<double>::quiet_NaN();
                break;
              }
              // Brute force: the value with the largest total weight, smallest on ties.
              double best_w = -1.0;
              for (auto [u, e] : list) {
                double cand = x[static_cast<std::size_t>(u)], cw = 0.0;
                for (auto [u2, e2] : list) {
                  if (x[static_cast<std::size_t>(u2)] == cand) cw += weighted ? w[static_cast<std::size_t>(e2)] : 1.0;
                }
                if (cw > best_w + 1e-12 || (std::fabs(cw - best_w) <= 1e-12 && cand < ref)) {
                  best_w = cw;
                  ref = cand;
                }
              }
              break;
            }
          }
          if (op == ir::AggOp::kCount && !weighted) {
            ASSERT_EQ(out[0].type, DType::kInt64);
            ASSERT_EQ(out[0].data<std::int64_t>()[v], static_cast<std::int64_t>(ref));
            continue;
          }
          ASSERT_TRUE(same_double(got[v], ref, 1e-12))
              << ir::agg_op_name(op) << "." << ir::direction_name(dir) << (weighted ? " weighted" : "") << " node " << v
              << ": " << got[v] << " vs " << ref;
        }
        // Isolated nodes get the op's identity.
        const std::size_t isolated = 699;
        ASSERT_TRUE(nb[isolated].empty());
      }
    }
  }
}

TEST(ExecGraph, IntegerMinMaxModeIdentities) {
  EdgeList el;
  auto g = random_graph(50, 100, 4, el);
  Builder b("ints");
  ValueId gv = b.add_graph_input();
  ValueId xv = b.add_array_input(DType::kInt64, b.nodes_symbol(gv));
  b.set_outputs({b.neighbor_agg(gv, xv, ir::AggOp::kMin, ir::Direction::kIn),
                 b.neighbor_agg(gv, xv, ir::AggOp::kMax, ir::Direction::kIn),
                 b.neighbor_agg(gv, xv, ir::AggOp::kMode, ir::Direction::kIn)});
  auto f = compile(b.finish());
  std::vector<std::int64_t> x(50);
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<std::int64_t>(i % 7);
  auto out = f->run({Value::of_graph(g), array_of(x, DType::kInt64)});
  EXPECT_EQ(out[0].data<std::int64_t>()[49], std::numeric_limits<std::int64_t>::max());
  EXPECT_EQ(out[1].data<std::int64_t>()[49], std::numeric_limits<std::int64_t>::lowest());
  EXPECT_EQ(out[2].data<std::int64_t>()[49], -1);
}

TEST(ExecGraph, EdgeGathersFollowUserEdgeOrderAndDegreesMatch) {
  EdgeList el;
  auto g = random_graph(300, 2000, 5, el);
  Builder b("gather");
  ValueId gv = b.add_graph_input();
  ValueId xv = b.add_array_input(DType::kFloat64, b.nodes_symbol(gv));
  b.set_outputs({b.edge_src(gv, xv), b.edge_dst(gv, xv), b.out_degree(gv), b.in_degree(gv), b.num_edges(gv)});
  auto f = compile(b.finish());
  auto x = random_doubles(300, 6);
  auto out = f->run({Value::of_graph(g), f64_array(x)});
  // Edge e of the result is the e-th edge given to from_edges (el), not the e-th CSR edge.
  auto off = g->out_offsets();
  for (std::size_t e = 0; e < el.src.size(); ++e) {
    ASSERT_EQ(out[0].data<double>()[e], x[static_cast<std::size_t>(el.src[e])]);
    ASSERT_EQ(out[1].data<double>()[e], x[static_cast<std::size_t>(el.dst[e])]);
  }
  for (std::int64_t u = 0; u < g->num_nodes(); ++u) {
    ASSERT_EQ(out[2].data<std::int64_t>()[u], off[u + 1] - off[u]);
    ASSERT_EQ(out[3].data<std::int64_t>()[u], g->in_degree()[static_cast<std::size_t>(u)]);
  }
  EXPECT_EQ(out[4].scalar.i64, 2000);
  // Outputs are owned copies, never views of the graph's degree arrays.
  EXPECT_NE(out[2].raw_data(), static_cast<const void*>(g->out_degree().data()));
}

// ---------------------------------------------------------------- loops

// The DSL PageRank of DESIGN.md, built op by op.
std::shared_ptr<const Compiled> compile_pagerank() { return compile(testing::pagerank_program()); }

TEST(ExecLoop, DslPageRankMatchesNativePageRank) {
  EdgeList el;
  auto g = random_graph(2000, 16000, 11, el);  // has dangling (isolated) nodes
  auto f = compile_pagerank();
  auto out = f->run({Value::of_graph(g), Value::of_f64(0.85), Value::of_i64(30)});
  PageRankOptions o;
  o.damping = 0.85;
  o.tol = 0.0;
  o.max_iter = 30;
  auto native = pagerank(*g, o);
  auto got = to_vector<double>(out[0]);
  for (std::int64_t v = 0; v < g->num_nodes(); ++v) ASSERT_NEAR(got[static_cast<std::size_t>(v)], native.rank[v], 1e-12);
  // A second run with other scalars reuses the plan and buffers and gives the other answer.
  auto out0 = f->run({Value::of_graph(g), Value::of_f64(0.85), Value::of_i64(0)});
  EXPECT_EQ(out0[0].data<double>()[0], 1.0 / 2000.0);
}

TEST(ExecLoop, WhileLoopWithTupleCarry) {
  // (x, k) -> (x * 2, k + 1) while sum(x) < limit.
  Builder b("while");
  auto s = b.new_input_symbol();
  ValueId x_in = b.add_array_input(DType::kFloat64, s);
  ValueId limit = b.add_scalar_input(DType::kFloat64, true);
  auto cond_args = b.begin_while({x_in, b.constant_int(0, DType::kInt64, false)});
  ValueId cond = b.binary(OpCode::kLt, b.reduce(OpCode::kSum, cond_args[0]), limit);
  auto body = b.begin_while_body(cond);
  auto results = b.end_while({b.binary(OpCode::kMul, body[0], b.constant_float(2.0)),
                              b.binary(OpCode::kAdd, body[1], b.constant_int(1))});
  b.set_outputs({results[0], results[1]});
  auto f = compile(b.finish());
  std::vector<double> x(2500, 1.0);
  auto out = f->run({f64_array(x), Value::of_f64(100000.0)});
  // sum doubles from 2500: 2500 * 2^k >= 1e5 first at k = 6.
  EXPECT_EQ(out[1].scalar.i64, 6);
  for (double v : to_vector<double>(out[0])) ASSERT_EQ(v, 64.0);
  // The caller's input was never written (carries start from a borrowed buffer).
  Value borrowed = Value::borrowed_array(DType::kFloat64, x.data(), 2500, nullptr);
  out = f->run({borrowed, Value::of_f64(0.0)});
  EXPECT_EQ(out[1].scalar.i64, 0);
  EXPECT_EQ(x[0], 1.0);
  EXPECT_NE(out[0].raw_data(), static_cast<const void*>(x.data()));
}

TEST(ExecLoop, CarriesSwapBuffersInsteadOfAllocating) {
  Builder b("swap");
  auto s = b.new_input_symbol();
  ValueId x_in = b.add_array_input(DType::kFloat64, s);
  ValueId iters = b.add_scalar_input(DType::kInt64, true);
  auto c = b.begin_loop(iters, {x_in});
  auto r = b.end_loop({b.binary(OpCode::kAdd, b.binary(OpCode::kMul, c[0], b.constant_float(0.5)), b.constant_float(1.0))});
  b.set_outputs({r[0]});
  auto f = compile(b.finish());
  std::vector<double> x(10000, 0.0);
  auto out = f->run({f64_array(x), Value::of_i64(50)});
  // x_{k+1} = x_k / 2 + 1 from 0 -> 2 - 2^-(k-1).
  EXPECT_NEAR(out[0].data<double>()[123], 2.0 - std::ldexp(1.0, -49), 1e-15);
}

// A profiled run records one event per step execution, in start order, each loop-body event inside
// its loop's; past max_events the rest are only counted. Totals per step equal the events' sums.
TEST(ExecProfile, EventsPerStepExecutionNestedAndCapped) {
  Builder b("profiled");
  auto s = b.new_input_symbol();
  ValueId x_in = b.add_array_input(DType::kFloat64, s);
  ValueId iters = b.add_scalar_input(DType::kInt64, true);
  auto c = b.begin_loop(iters, {x_in});
  ValueId total = b.reduce(OpCode::kSum, c[0]);
  auto r = b.end_loop({b.binary(OpCode::kAdd, b.binary(OpCode::kMul, c[0], b.constant_float(0.5)), total)});
  b.set_outputs({r[0]});
  auto f = compile(b.finish());
  std::vector<double> x(3000, 1.0);
  RunProfile profile;
  profile.record_events = true;
  f->run_profiled({f64_array(x), Value::of_i64(7)}, profile);
  std::int64_t calls = 0;
  for (const StepProfile& p : profile.steps) calls += p.calls;
  ASSERT_EQ(static_cast<std::int64_t>(profile.events.size()), calls);
  EXPECT_EQ(profile.dropped_events, 0);
  int loop_id = -1;
  for (const exec::Step& step : f->plan().steps) {
    if (step.kind == exec::Step::kLoop) loop_id = step.profile_id;
  }
  ASSERT_GE(loop_id, 0);
  const exec::StepEvent* loop_event = nullptr;
  std::vector<double> per_step(profile.steps.size(), 0.0);
  for (std::size_t i = 0; i < profile.events.size(); ++i) {
    const exec::StepEvent& e = profile.events[i];
    if (i > 0) {
      EXPECT_LE(profile.events[i - 1].start, e.start);
    }
    per_step[static_cast<std::size_t>(e.profile_id)] += e.seconds;
    if (e.profile_id == loop_id) loop_event = &e;
  }
  ASSERT_NE(loop_event, nullptr);
  EXPECT_EQ(profile.steps[static_cast<std::size_t>(loop_id)].calls, 1);
  int inside = 0;
  for (const exec::StepEvent& e : profile.events) {
    if (e.profile_id == loop_id || e.start < loop_event->start) continue;
    EXPECT_LE(e.start + e.seconds, loop_event->start + loop_event->seconds + 1e-9);
    ++inside;
  }
  EXPECT_GE(inside, 7);  // at least one body step per iteration
  for (std::size_t i = 0; i < per_step.size(); ++i) EXPECT_NEAR(per_step[i], profile.steps[i].seconds, 1e-9);

  RunProfile capped;
  capped.record_events = true;
  capped.max_events = 3;
  f->run_profiled({f64_array(x), Value::of_i64(7)}, capped);
  EXPECT_EQ(capped.events.size(), 3u);
  EXPECT_EQ(static_cast<std::int64_t>(capped.events.size()) + capped.dropped_events, calls);
}

// ---------------------------------------------------------------- run-time rules and threads

TEST(ExecRun, RejectsWrongInputCountKindDtypeAndLength) {
  Builder b("rules");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  ValueId y = b.add_array_input(DType::kFloat64, s);
  b.set_outputs({b.binary(OpCode::kAdd, x, y)});
  auto f = compile(b.finish());
  auto expect_error = [&](std::vector<Value> in, ErrorCode code, const char* needle) {
    try {
      f->run(std::move(in));
      ADD_FAILURE() << "expected an error containing " << needle;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), code) << e.what();
      EXPECT_NE(std::string(e.what()).find(needle), std::string::npos) << e.what();
    }
  };
  expect_error({f64_array({1.0})}, ErrorCode::kInvalidValue, "inputs");
  expect_error({f64_array({1.0}), array_of(std::vector<float>{1.0f}, DType::kFloat32)}, ErrorCode::kInvalidType,
               "inputs[1]");
  expect_error({f64_array({1.0}), Value::of_f64(1.0)}, ErrorCode::kInvalidType, "inputs[1]");
  expect_error({f64_array({1.0, 2.0}), f64_array({1.0})}, ErrorCode::kInvalidValue, "inputs[1]");
}

TEST(ExecRun, SameProgramFromFourThreadsAtOnce) {
  auto f = compile_where_expression();
  std::vector<std::vector<double>> xs, ys;
  for (int t = 0; t < 4; ++t) {
    xs.push_back(random_doubles(20000 + static_cast<std::size_t>(t) * 1000, 100 + static_cast<std::uint64_t>(t)));
    ys.push_back(random_doubles(xs.back().size(), 200 + static_cast<std::uint64_t>(t)));
  }
  std::vector<std::vector<double>> want;
  for (int t = 0; t < 4; ++t) want.push_back(to_vector<double>(f->run({f64_array(xs[t]), f64_array(ys[t])})[0]));
  std::vector<int> mismatches(4, 0);
  std::vector<std::thread> threads;
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int rep = 0; rep < 50; ++rep) {
        auto got = to_vector<double>(f->run({f64_array(xs[t]), f64_array(ys[t])})[0]);
        if (got != want[t]) ++mismatches[t];
      }
    });
  }
  for (auto& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(mismatches[t], 0) << t;
}

}  // namespace
}  // namespace fuseflow

namespace fuseflow {
namespace {

// agg = neighbor_agg(sum, in); returns (agg * 2 + x, sum(agg * x)): the consumers and the
// reduction run as the aggregation's epilogue.
std::shared_ptr<const Compiled> compile_agg_with_epilogue() {
  Builder b("epilogue");
  ValueId g = b.add_graph_input();
  ValueId x = b.add_array_input(DType::kFloat64, b.nodes_symbol(g));
  ValueId agg = b.neighbor_agg(g, x, ir::AggOp::kSum, ir::Direction::kIn);
  ValueId y = b.binary(OpCode::kAdd, b.binary(OpCode::kMul, agg, b.constant_float(2.0)), x);
  b.set_outputs({y, b.reduce(OpCode::kSum, b.binary(OpCode::kMul, agg, x))});
  return compile(b.finish());
}

TEST(ExecGraph, EpilogueConsumersAndReductionMatchReferenceAndAreDeterministic) {
  auto f = compile_agg_with_epilogue();
  ASSERT_EQ(f->plan().steps.size(), 1u) << f->describe();
  ASSERT_TRUE(f->plan().steps[0].agg.epilogue) << f->describe();
  EdgeList el;
  auto g = random_graph(60000, 500000, 21, el);
  auto x = random_doubles(60000, 22);
  set_num_threads(1);
  auto one = f->run({Value::of_graph(g), f64_array(x)});
  set_num_threads(2);
  auto two = f->run({Value::of_graph(g), f64_array(x)});
  set_num_threads(0);
  auto nb = neighbours(*g, ir::Direction::kIn);
  double ref_sum = 0.0;
  for (std::size_t v = 0; v < nb.size(); ++v) {
    double agg = 0.0;
    for (auto [u, e] : nb[v]) agg += x[static_cast<std::size_t>(u)];
    ASSERT_TRUE(same_double(one[0].data<double>()[v], agg * 2.0 + x[v], 1e-12)) << v;
    ref_sum += agg * x[v];
  }
  EXPECT_NEAR(one[1].scalar.f64, ref_sum, 1e-9 * (1.0 + std::fabs(ref_sum)));
  EXPECT_EQ(std::memcmp(&one[1].scalar.f64, &two[1].scalar.f64, sizeof(double)), 0);
  EXPECT_EQ(std::memcmp(one[0].raw_data(), two[0].raw_data(), x.size() * sizeof(double)), 0);
}

TEST(ExecGraph, EmptyGraphRunsEveryStep) {
  auto f = compile_agg_with_epilogue();
  EdgeListView none;
  none.src32 = {};
  none.dst32 = {};
  auto g = Graph::from_edges(none, 0);
  auto out = f->run({Value::of_graph(g), f64_array({})});
  EXPECT_EQ(out[0].length, 0);
  EXPECT_EQ(out[1].scalar.f64, 0.0);
}

}  // namespace
}  // namespace fuseflow

namespace fuseflow {
namespace {

TEST(ExecGraph, BoolAndInt32ValuesAggregateInTheirResultTypes) {
  // Edges 0->2, 1->2, 0->3; node 1 and 4 have no in-neighbours.
  std::vector<std::int32_t> src{0, 1, 0}, dst{2, 2, 3};
  EdgeListView view;
  view.src32 = src;
  view.dst32 = dst;
  auto g = Graph::from_edges(view, 5);
  Builder b("types");
  ValueId gv = b.add_graph_input();
  ValueId flags = b.add_array_input(DType::kBool, b.nodes_symbol(gv));
  ValueId ints = b.add_array_input(DType::kInt32, b.nodes_symbol(gv));
  b.set_outputs({b.neighbor_agg(gv, flags, ir::AggOp::kMin, ir::Direction::kIn),
                 b.neighbor_agg(gv, flags, ir::AggOp::kMax, ir::Direction::kIn),
                 b.neighbor_agg(gv, ints, ir::AggOp::kSum, ir::Direction::kIn),
                 b.neighbor_agg(gv, ints, ir::AggOp::kMean, ir::Direction::kIn)});
  auto f = compile(b.finish());
  std::vector<std::uint8_t> fl{1, 0, 1, 1, 0};
  std::vector<std::int32_t> iv{2000000000, 2000000000, 7, 8, 9};
  auto out = f->run({Value::of_graph(g), array_of(fl, DType::kBool), array_of(iv, DType::kInt32)});
  ASSERT_EQ(out[0].type, DType::kBool);
  EXPECT_EQ(to_vector<std::uint8_t>(out[0]), (std::vector<std::uint8_t>{1, 1, 0, 1, 1}));  // all(): empty -> true
  EXPECT_EQ(to_vector<std::uint8_t>(out[1]), (std::vector<std::uint8_t>{0, 0, 1, 1, 0}));  // any(): empty -> false
  ASSERT_EQ(out[2].type, DType::kInt64);  // sum widens: no int32 overflow
  EXPECT_EQ(to_vector<std::int64_t>(out[2]), (std::vector<std::int64_t>{0, 0, 4000000000LL, 2000000000LL, 0}));
  ASSERT_EQ(out[3].type, DType::kFloat64);
  EXPECT_EQ(to_vector<double>(out[3]), (std::vector<double>{0.0, 0.0, 2e9, 2e9, 0.0}));
}

}  // namespace
}  // namespace fuseflow

namespace fuseflow {
namespace {

TEST(ExecCreation, FullAndArangeWithRuntimeCount) {
  Builder b("create");
  ValueId n = b.add_scalar_input(DType::kInt64, true);
  ValueId idx = b.arange(n);
  ValueId filled = b.full(n, b.constant_float(2.5, DType::kFloat64, false));
  ValueId y = b.binary(OpCode::kMul, b.cast(idx, DType::kFloat64), filled);
  b.set_outputs({idx, y, b.reduce(OpCode::kSum, idx), b.length(y)});
  auto f = compile(b.finish());
  for (std::int64_t count : {0, 1, 300, 5000}) {
    auto out = f->run({Value::of_i64(count)});
    ASSERT_EQ(out[0].length, count);
    ASSERT_EQ(out[0].type, DType::kInt64);
    for (std::int64_t i = 0; i < count; ++i) {
      ASSERT_EQ(out[0].data<std::int64_t>()[i], i);
      ASSERT_EQ(out[1].data<double>()[i], 2.5 * static_cast<double>(i));
    }
    EXPECT_EQ(out[2].scalar.i64, count * (count - 1) / 2);
    EXPECT_EQ(out[3].scalar.i64, count);
  }
}

}  // namespace
}  // namespace fuseflow
