// Tier "prejit": fused regions from IR text, optimized by the pass manager, run by the executor
// (the block interpreter) and by the build-time instantiated kernel on the same inputs: bitwise
// equal on random values, NaN, +-inf, -0.0, at lengths 0, 1, not a multiple of any vector width,
// and large, in one block and in the executor's block split.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>

#include "jit/shape.h"
#include "jit_harness.h"
#include "jit_regions.h"
#include "test_graphs.h"

namespace fuseflow::testing {
namespace {

std::vector<double> values(std::size_t n, std::uint64_t seed, double scale, bool specials) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> dist(0.0, scale);
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  if (specials) {
    const double inf = std::numeric_limits<double>::infinity();
    const double extra[] = {std::numeric_limits<double>::quiet_NaN(), inf, -inf, -0.0, 0.0, 1e-310, 800.0, -800.0};
    for (std::size_t k = 0; k < n; k += 7) v[k] = extra[(k / 7 + seed) % 8];
  }
  return v;
}

std::vector<double> positive(std::size_t n, std::uint64_t seed, double lo, double hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

// Small regions for the generic shapes, as text with dtype placeholder T.
std::string with_dtype(std::string text, const char* dt) {
  for (std::size_t at; (at = text.find("{T}")) != std::string::npos;) text.replace(at, 3, dt);
  return text;
}

const char* kAxpy = R"(func @axpy(%0:~{T}, %1:{T}[n0], %2:{T}[n0]) {
  %3:{T}[n0] = mul %0, %1
  %4:{T}[n0] = add %3, %2
  return %4
}
)";
// A float64 Python scalar converted to float32 inside the region (the Builder's promotion cast).
const char* kAxpyCast = R"(func @axpy_cast(%0:~f64, %1:f32[n0], %2:f32[n0]) {
  %3:~f32 = cast %0
  %4:f32[n0] = mul %3, %1
  %5:f32[n0] = add %4, %2
  return %5
}
)";
const char* kMulAdd3 = R"(func @muladd(%0:{T}[n0], %1:{T}[n0], %2:{T}[n0]) {
  %3:{T}[n0] = mul %0, %1
  %4:{T}[n0] = add %3, %2
  return %4
}
)";
const char* kWhereGt = R"(func @where_gt(%0:{T}[n0], %1:{T}[n0], %2:~{T}) {
  %3:bool[n0] = gt %0, %2
  %4:{T}[n0] = where %3, %0, %1
  return %4
}
)";
const char* kLogRatio = R"(func @log_ratio(%0:{T}[n0], %1:{T}[n0]) {
  %2:{T}[n0] = div %0, %1
  %3:{T}[n0] = log %2
  return %3
}
)";
const char* kExpNeg = R"(func @exp_neg(%0:{T}[n0]) {
  %1:{T}[n0] = neg %0
  %2:{T}[n0] = exp %1
  return %2
}
)";

// Inputs for `text`'s arguments: arrays of length n (random with specials), scalars given.
struct Case {
  std::string name;
  std::string text;
  std::vector<int> array_args;  // which arguments are arrays (others: scalars below, in order)
  std::vector<double> scalars;
  bool positive = false;  // arrays in (0.5, 150) (Black-Scholes spot/strike/expiry)
};

template <class T>
void check_case(const Case& c, std::size_t n, std::uint64_t seed, bool specials) {
  JitRegion r = optimized_region(c.text);
  ASSERT_TRUE(r.binding) << c.name << ":\n" << ir::print(r.program);
  jit::RegionFn fn = jit::find_prejit(r.binding->key);
  ASSERT_NE(fn, nullptr) << c.name << " has no prejit kernel: " << r.binding->key.str();
  std::vector<JitInput> inputs;
  std::size_t scalar = 0;
  for (std::size_t k = 0; k < r.program.body.args.size(); ++k) {
    const bool is_array = std::find(c.array_args.begin(), c.array_args.end(), static_cast<int>(k)) != c.array_args.end();
    if (is_array) {
      inputs.push_back(JitInput::of(c.positive ? positive(n, seed + k, 0.5, 150.0) : values(n, seed + k, 3.0, specials)));
      if (c.positive && specials && n > 3) inputs.back().array[n / 2] = std::numeric_limits<double>::quiet_NaN();
    } else {
      inputs.push_back(JitInput::of(c.scalars.at(scalar++)));
    }
  }
  const auto want = run_interpreter<T>(c.text, inputs);
  const std::string what = c.name + " n=" + std::to_string(n);
  expect_bitwise_equal(run_region<T>(r, fn, inputs, static_cast<std::int64_t>(n), std::max<std::int64_t>(1, static_cast<std::int64_t>(n))), want, what + " one block");
  expect_bitwise_equal(run_region<T>(r, fn, inputs, static_cast<std::int64_t>(n), 1000), want, what + " blocks of 1000");
  expect_bitwise_equal(run_region<T>(r, fn, inputs, static_cast<std::int64_t>(n), 3), want, what + " blocks of 3");
}

std::vector<Case> cases(const char* dt) {
  return {
      {std::string("axpy_") + dt, with_dtype(kAxpy, dt), {1, 2}, {-1.75}},
      {std::string("muladd_") + dt, with_dtype(kMulAdd3, dt), {0, 1, 2}, {}},
      {std::string("where_gt_") + dt, with_dtype(kWhereGt, dt), {0, 1}, {0.25}},
      {std::string("log_ratio_") + dt, with_dtype(kLogRatio, dt), {0, 1}, {}},
      {std::string("exp_neg_") + dt, with_dtype(kExpNeg, dt), {0}, {}},
  };
}

const std::size_t kLengths[] = {0, 1, 3, 8, 13, 1000, 4099, 100003};

TEST(JitPrejit, GenericShapesFloat64MatchInterpreterBitwise) {
  for (const Case& c : cases("f64")) {
    for (std::size_t n : kLengths) check_case<double>(c, n, 11, true);
  }
}

TEST(JitPrejit, GenericShapesFloat32MatchInterpreterBitwise) {
  for (const Case& c : cases("f32")) {
    for (std::size_t n : kLengths) check_case<float>(c, n, 12, true);
  }
  // 0.1 is not a float32: the region's cast rounds it like the executor's convert does.
  for (std::size_t n : kLengths) check_case<float>({"axpy_cast", kAxpyCast, {1, 2}, {0.1}}, n, 13, true);
}

TEST(JitPrejit, WhereExpressionMatchesInterpreterBitwise) {
  const Case c{"where_expression", jit_regions::kWhereExpression, {0, 1}, {}};
  for (std::size_t n : kLengths) {
    check_case<double>(c, n, 21, false);
    check_case<double>(c, n, 22, true);
  }
}

TEST(JitPrejit, BlackScholesMatchesInterpreterBitwise) {
  for (std::size_t n : kLengths) {
    check_case<double>({"black_scholes", jit_regions::kBlackScholes, {0, 1, 2}, {0.03, 0.25}, true}, n, 31, false);
    check_case<double>({"black_scholes_nan", jit_regions::kBlackScholes, {0, 1, 2}, {-0.01, 1.5}, true}, n, 32, true);
  }
}

TEST(JitPrejit, PageRankUpdateMatchesInterpreterBitwise) {
  const Case c{"pagerank_update", jit_regions::kPageRankUpdate, {0}, {0.15 / 7, 0.85, 1.0 / 7}};
  for (std::size_t n : kLengths) check_case<double>(c, n, 41, true);
}

// The DSL PageRank's update as the optimizer makes it: a fused_agg whose epilogue is the update.
// The epilogue run on the aggregate (from a program that only aggregates) equals the whole
// program's result.
TEST(JitPrejit, PageRankEpilogueOfFusedAggMatchesInterpreterBitwise) {
  const char* whole = R"(func @f(%0:graph, %1:f64[N], %2:~f64, %3:~f64, %4:~f64) {
  %5:f64[N] = neighbor_agg.sum.in %0, %1
  %6:f64[N] = add %5, %4
  %7:f64[N] = mul %3, %6
  %8:f64[N] = add %2, %7
  return %8
}
)";
  const char* agg_only = R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = neighbor_agg.sum.in %0, %1
  return %2
}
)";
  ir::Program p = ir::parse(whole);
  opt::OptimizeOptions options;
  options.use_environment = false;
  opt::optimize(p, options);
  const ir::Op* fused_agg = nullptr;
  for (const ir::Op& op : p.body.ops) {
    if (op.code == ir::OpCode::kFusedAgg) fused_agg = &op;
  }
  ASSERT_NE(fused_agg, nullptr) << ir::print(p);
  auto b = jit::describe_region(p, *fused_agg);
  ASSERT_TRUE(b) << ir::print(p);
  ASSERT_EQ(b->arrays.size(), 1u);
  EXPECT_EQ(b->arrays[0], fused_agg->regions[1].args[0]);  // the aggregate
  jit::RegionFn fn = jit::find_prejit(b->key);
  ASSERT_NE(fn, nullptr) << b->key.str();

  const auto graph = build(random_edges(5000, 40000, 50, 7));
  const std::int64_t n = graph->num_nodes();
  std::vector<double> rank = values(static_cast<std::size_t>(n), 8, 1.0, false);
  const double damping = 0.85, base = (1.0 - damping) / static_cast<double>(n), sink = 0.25 / static_cast<double>(n);
  auto rank_value = [&] { return Value::borrowed_array(DType::kFloat64, rank.data(), n, nullptr); };
  auto want = compile(ir::parse(whole))->run({Value::of_graph(graph), rank_value(), Value::of_f64(base), Value::of_f64(damping), Value::of_f64(sink)});
  auto agg = compile(ir::parse(agg_only))->run({Value::of_graph(graph), rank_value()});
  // Scalar slots in key order: the outer values the epilogue reads.
  std::vector<double> scalars;
  for (ir::ValueId v : b->scalars) {
    ASSERT_NE(v, ir::kNoValue);
    for (std::size_t k = 0; k < p.body.args.size(); ++k) {
      if (p.body.args[k] == v) scalars.push_back(k == 2 ? base : k == 3 ? damping : sink);
    }
  }
  ASSERT_EQ(scalars.size(), b->scalars.size());
  std::vector<double> got(static_cast<std::size_t>(n));
  for (std::int64_t start = 0; start < n; start += 4096) {  // chunk by chunk, as the executor does
    const void* in[] = {agg[0].data<double>() + start};
    void* out[] = {got.data() + start};
    fn(in, scalars.data(), out, std::min<std::int64_t>(4096, n - start));
  }
  const double* w = want[0].data<double>();
  expect_bitwise_equal(std::vector<std::vector<double>>{got}, std::vector<std::vector<double>>{std::vector<double>(w, w + n)},
                       "pagerank epilogue");
}

// A region the template supports but no prejit shape matches: describe works, the lookup misses.
TEST(JitPrejit, UnlistedShapeMisses) {
  JitRegion r = optimized_region(R"(func @f(%0:f64[n0], %1:f64[n0]) {
  %2:f64[n0] = sub %0, %1
  %3:f64[n0] = tanh %2
  %4:f64[n0] = mul %3, %3
  return %4
}
)");
  ASSERT_TRUE(r.binding);
  EXPECT_EQ(jit::find_prejit(r.binding->key), nullptr) << r.binding->key.str();
}

// Regions outside the template's scope are not described (the interpreter runs them).
TEST(JitPrejit, UnsupportedRegionsAreNotDescribed) {
  const char* texts[] = {
      // integer arrays
      R"(func @f(%0:i64[n0], %1:i64[n0]) {
  %2:i64[n0] = mul %0, %1
  %3:i64[n0] = add %2, %0
  return %3
}
)",
      // floor_div (libm fmod)
      R"(func @f(%0:f64[n0], %1:f64[n0]) {
  %2:f64[n0] = floor_div %0, %1
  %3:f64[n0] = add %2, %0
  return %3
}
)",
      // a bool output
      R"(func @f(%0:f64[n0], %1:f64[n0]) {
  %2:f64[n0] = add %0, %1
  %3:bool[n0] = gt %2, %0
  return %3
}
)",
      // float32 erf family (the interpreter evaluates it via float64)
      R"(func @f(%0:f32[n0], %1:f32[n0]) {
  %2:f32[n0] = add %0, %1
  %3:f32[n0] = norm_cdf %2
  return %3
}
)",
      // a reduction other than sum/mean in the region
      R"(func @f(%0:f64[n0], %1:f64[n0]) {
  %2:f64[n0] = mul %0, %1
  %3:f64 = max %2
  return %3
}
)",
  };
  for (const char* text : texts) {
    ir::Program p = ir::parse(text);
    opt::OptimizeOptions options;
    options.use_environment = false;
    opt::optimize(p, options);
    bool fused = false;
    for (const ir::Op& op : p.body.ops) {
      if (op.code != ir::OpCode::kFused) continue;
      fused = true;
      EXPECT_FALSE(jit::describe_region(p, op)) << ir::print(p);
    }
    EXPECT_TRUE(fused) << ir::print(p);
  }
  // Not a fused op at all.
  ir::Program q = ir::parse(jit_regions::kPageRankUpdate);
  EXPECT_FALSE(jit::describe_region(q, q.body.ops.front()));
}

TEST(JitPrejit, KeysAreListedAndTargetNamed) {
  const auto keys = jit::prejit_keys();
  EXPECT_GE(keys.size(), 20u);
  EXPECT_STRNE(jit::prejit_target(), "");
  JitRegion r = optimized_region(jit_regions::kWhereExpression);
  EXPECT_NE(std::find(keys.begin(), keys.end(), r.binding->key.str()), keys.end());
  // Round trip: the key's C++ spelling names the shape the table was built from.
  EXPECT_NE(jit::shape::shape_type_name(r.binding->key).find("O<ir::OpCode::kWhere, 2, 10, 13>"), std::string::npos);
}

// The row variant's key (jit/hook.h run_compiled_rows): flagged array slots become scalar slots
// after the key's own, the other arrays keep their order; the row steps' variants are prejit.
TEST(JitPrejit, RowConstantSlotsBecomeScalarsAndHitPrejit) {
  using namespace jit::shape;  // NOLINT
  using ir::OpCode;
  for (DType t : {DType::kFloat32, DType::kFloat64}) {
    auto key_for = [t](jit::RegionKey k) {
      k.dtype = t;
      return k;
    };
    const jit::RegionKey shift = key_for(key_of<Region<DType::kFloat64, Out<3>, A<0>, A<1>, O<OpCode::kSub, 1, 0>,
                                                       O<OpCode::kExp, 2>>>());
    const jit::RegionKey shift_s = jit::with_scalar_slots(shift, {1, 0});
    EXPECT_EQ(shift_s, key_for(key_of<Region<DType::kFloat64, Out<3>, S<0>, A<0>, O<OpCode::kSub, 1, 0>,
                                             O<OpCode::kExp, 2>>>()));
    EXPECT_NE(jit::find_prejit(shift_s), nullptr) << shift_s.str();
    // Two of five arrays, with a scalar already in the key: the new scalars come after it.
    const jit::RegionKey affine = key_for(key_of<Region<DType::kFloat64, Out<9>, A<0>, A<1>, O<OpCode::kSub, 1, 0>,
                                                        A<2>, O<OpCode::kMul, 2, 3>, A<3>, O<OpCode::kMul, 4, 5>,
                                                        S<0>, O<OpCode::kAdd, 6, 7>>>());
    const jit::RegionKey affine_s = jit::with_scalar_slots(affine, {1, 0, 1, 0});
    EXPECT_EQ(affine_s.num_arrays, 2);
    EXPECT_EQ(affine_s.num_scalars, 3);
    EXPECT_EQ(affine_s.str(), std::string(t == DType::kFloat32 ? "f32" : "f64") +
                                  "|s1 a0 sub(1,0) s2 mul(2,3) a1 mul(4,5) s0 add(6,7) |out 9");
    const jit::RegionKey norm = key_for(key_of<Region<DType::kFloat64, Out<8>, A<0>, A<1>, O<OpCode::kSub, 1, 0>, A<2>,
                                                      O<OpCode::kMul, 2, 3>, A<3>, O<OpCode::kMul, 4, 5>, A<4>,
                                                      O<OpCode::kAdd, 6, 7>>>());
    EXPECT_NE(jit::find_prejit(jit::with_scalar_slots(norm, {1, 0, 1, 0, 0})), nullptr);
    for (const char* text : {"|a0 a1 div(1,0) |out 2", "|a0 a1 sub(1,0) |out 2"}) {
      jit::RegionKey k = key_for(key_of<Region<DType::kFloat64, Out<2>, A<0>, A<1>, O<OpCode::kDiv, 1, 0>>>());
      if (std::string(text).find("sub") != std::string::npos) k.nodes[2].op = OpCode::kSub;
      EXPECT_NE(jit::find_prejit(k), nullptr) << text;
      EXPECT_NE(jit::find_prejit(jit::with_scalar_slots(k, {1, 0})), nullptr) << text;
    }
  }
}

}  // namespace
}  // namespace fuseflow::testing
