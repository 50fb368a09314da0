// Every pass, and the whole pipeline, leaves results unchanged: random programs (elementwise math
// with NaN/inf/-0.0 and identity constants, casts, reductions, duplicated subexpressions, loop and
// while regions with invariant and carry-dependent work, gathers over a small graph) are compiled and run before and after
// optimizing, and every output must agree bit for bit (any NaN equals any NaN: payloads are not
// part of the contract). The executor (api::compile) is the independent reference.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include "fuseflow/api/compiled.h"
#include "fuseflow/core/error.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/text.h"
#include "fuseflow/opt/pass_manager.h"

namespace fuseflow::opt {
namespace {

using ir::OpCode;
using ir::ValueId;

constexpr std::int64_t kLength = 13;
constexpr std::int64_t kLoopCount = 3;

class RandomProgram {
 public:
  explicit RandomProgram(std::uint64_t seed) : rng_(seed) {}

  ir::Program build() {
    // Arrays are node-length arrays of a small graph, so loop bodies can gather (loop_rotation).
    graph_ = b_.add_graph_input();
    auto n = b_.nodes_symbol(graph_);
    pool_.push_back(b_.add_array_input(DType::kFloat64, n));
    pool_.push_back(b_.add_array_input(DType::kFloat64, n));
    pool_.push_back(b_.add_array_input(DType::kInt64, n));
    pool_.push_back(b_.add_scalar_input(DType::kFloat64, true));
    count_ = b_.add_scalar_input(DType::kInt64, true);
    pool_.push_back(count_);
    ops(15 + pick(15), /*depth=*/0);
    // Most values are outputs, so a wrong intermediate (a lost -0.0) cannot hide; the rest are
    // dead code for DCE.
    std::vector<ValueId> outs = {pool_.back()};
    for (ValueId v : pool_) {
      if (pick(4) != 0) outs.push_back(v);
    }
    b_.set_outputs(outs);
    return b_.finish();
  }

 private:
  std::size_t pick(std::size_t n) { return std::uniform_int_distribution<std::size_t>(0, n - 1)(rng_); }
  const ir::Type& type(ValueId v) const { return b_.type(v); }
  bool numeric(ValueId v) const { return type(v).dtype != DType::kBool; }

  ValueId pick_where(bool want_numeric) {
    std::vector<ValueId> c;
    for (ValueId v : pool_) {
      if (numeric(v) == want_numeric) c.push_back(v);
    }
    if (c.empty()) return want_numeric ? pool_[0] : b_.binary(OpCode::kLt, pool_[0], pool_[1]);
    return c[pick(c.size())];
  }
  ValueId any_numeric() { return pick_where(true); }
  ValueId any_bool() { return pick_where(false); }

  ValueId constant() {
    static const double kFloats[] = {0.0, -0.0, 1.0, -1.0, 2.5, 0.5, std::numeric_limits<double>::quiet_NaN(),
                                     std::numeric_limits<double>::infinity()};
    static const std::int64_t kInts[] = {0, 1, 2, -1, 3, 7};
    bool weak = pick(2) == 0;
    switch (pick(3)) {
      case 0: return b_.constant_float(kFloats[pick(std::size(kFloats))], DType::kFloat64, weak);
      case 1: return b_.constant_int(kInts[pick(std::size(kInts))], DType::kInt64, weak);
      default: return b_.constant_bool(pick(2) == 0, weak);
    }
  }

  // 0, -0.0 and 1 in both weak and strong flavours: where the IEEE corner cases of the rewrites are.
  ValueId identity_constant() {
    static const double kFloats[] = {0.0, -0.0, 1.0};
    bool weak = pick(2) == 0;
    if (pick(3) == 0) return b_.constant_int(static_cast<std::int64_t>(pick(2)), DType::kInt64, weak);
    return b_.constant_float(kFloats[pick(3)], DType::kFloat64, weak);
  }

  void record(ValueId v) { pool_.push_back(v); }

  void one_op(int depth) {
    static const OpCode kUnary[] = {OpCode::kNeg, OpCode::kAbs, OpCode::kExp, OpCode::kLog, OpCode::kSqrt,
                                    OpCode::kFloor, OpCode::kRound, OpCode::kTanh, OpCode::kErf};
    static const OpCode kBinary[] = {OpCode::kAdd, OpCode::kSub, OpCode::kMul, OpCode::kDiv, OpCode::kFloorDiv,
                                     OpCode::kMod, OpCode::kMinimum, OpCode::kMaximum, OpCode::kPow};
    static const OpCode kCompare[] = {OpCode::kEq, OpCode::kNe, OpCode::kLt, OpCode::kLe, OpCode::kGt, OpCode::kGe};
    static const OpCode kReduce[] = {OpCode::kSum, OpCode::kMean, OpCode::kMax, OpCode::kMin};
    static const DType kCasts[] = {DType::kFloat64, DType::kFloat32, DType::kInt64, DType::kInt32, DType::kBool};
    // A region now and then (rarer when nested), so most values stay visible as outputs.
    if (depth < 2 && pick(depth == 0 ? 10 : 25) == 0) {
      if (pick(2)) loop(depth);
      else while_loop(depth);
      return;
    }
    std::size_t r = pick(18);
    if (r < 3) {
      record(constant());
    } else if (r < 5) {
      record(b_.unary(kUnary[pick(std::size(kUnary))], any_numeric()));
    } else if (r < 10) {
      // Identity constants often, so algebraic_simplification and constant_folding have work.
      ValueId a = any_numeric();
      ValueId c = pick(2) == 0 ? identity_constant() : any_numeric();
      if (type(c).dtype == DType::kBool) c = b_.cast(c, DType::kInt64);
      OpCode op = kBinary[pick(std::size(kBinary))];
      // Integer ** negative integer raises (as in NumPy): keep pow on floats so programs run.
      if (op == OpCode::kPow && !is_float(type(a).dtype) && !is_float(type(c).dtype)) a = b_.cast(a, DType::kFloat64);
      record(pick(2) ? b_.binary(op, a, c) : b_.binary(op, c, a));
    } else if (r < 12) {
      record(b_.binary(kCompare[pick(std::size(kCompare))], any_numeric(), any_numeric()));
    } else if (r < 13) {
      ValueId a = any_numeric();
      record(b_.where(any_bool(), a, pick(2) ? a : any_numeric()));  // where(c, x, x) sometimes
    } else if (r < 14) {
      if (pick(3) == 0) {
        record(b_.clip(any_numeric(), identity_constant(), any_numeric()));
        return;
      }
      record(b_.cast(any_numeric(), kCasts[pick(std::size(kCasts))]));
    } else if (r < 15) {
      std::vector<ValueId> arrays;
      for (ValueId v : pool_) {
        if (type(v).is_array() && numeric(v)) arrays.push_back(v);
      }
      record(b_.reduce(kReduce[pick(std::size(kReduce))], arrays[pick(arrays.size())]));
    } else if (r < 17) {
      // A duplicate of an earlier op (same code, same operands): CSE's work.
      ValueId a = any_numeric(), c = any_numeric();
      record(b_.binary(OpCode::kMul, a, c));
      record(b_.binary(OpCode::kMul, a, c));
    } else {
      record(b_.binary(pick(2) ? OpCode::kAnd : OpCode::kOr, any_bool(), any_bool()));
    }
  }

  void ops(std::size_t n, int depth) {
    for (std::size_t i = 0; i < n; ++i) one_op(depth);
  }

  // A yield for `carry`: some visible value of the same kind, cast to the carry's dtype.
  ValueId yield_for(ValueId carry) {
    std::vector<ValueId> c;
    for (ValueId v : pool_) {
      if (type(v).kind == type(carry).kind) c.push_back(v);
    }
    // The newest value half of the time, so the body's computation feeds the carry.
    return b_.cast(pick(2) ? c.back() : c[pick(c.size())], type(carry).dtype);
  }

  std::vector<ValueId> inits() {
    std::vector<ValueId> arrays, scalars;
    for (ValueId v : pool_) (type(v).is_array() ? arrays : scalars).push_back(v);
    return {arrays[pick(arrays.size())], scalars[pick(scalars.size())]};
  }

  // Half the time, a loop body starts by gathering a value computed from its array carry: the
  // prologue loop_rotation moves to the end of the body.
  void maybe_gather(ValueId array_carry) {
    if (pick(2) == 0) return;
    ValueId x = b_.binary(pick(2) ? OpCode::kMul : OpCode::kAdd, array_carry, any_numeric());
    if (type(x).dtype == DType::kBool) x = b_.cast(x, DType::kFloat64);
    record(b_.neighbor_agg(graph_, x, ir::AggOp::kSum, pick(2) ? ir::Direction::kIn : ir::Direction::kOut));
  }

  void loop(int depth) {
    std::size_t mark = pool_.size();
    auto carries = b_.begin_loop(count_, inits());
    for (ValueId c : carries) pool_.push_back(c);
    maybe_gather(carries[0]);
    ops(3 + pick(6), depth + 1);
    std::vector<ValueId> ys;
    for (ValueId c : carries) ys.push_back(yield_for(c));
    pool_.resize(mark);  // the region's values go out of scope
    for (ValueId r : b_.end_loop(ys)) pool_.push_back(r);
  }

  void while_loop(int depth) {
    std::size_t mark = pool_.size();
    std::vector<ValueId> init = inits();
    init.push_back(b_.constant_int(0, DType::kInt64, false));  // the iteration counter
    auto carries = b_.begin_while(init);
    ValueId cond = b_.binary(OpCode::kLt, carries.back(), count_);
    auto body = b_.begin_while_body(cond);
    for (ValueId c : body) pool_.push_back(c);
    maybe_gather(body[0]);
    ops(3 + pick(6), depth + 1);
    std::vector<ValueId> ys;
    for (std::size_t i = 0; i + 1 < body.size(); ++i) ys.push_back(yield_for(body[i]));
    ys.push_back(b_.binary(OpCode::kAdd, body.back(), b_.constant_int(1)));
    pool_.resize(mark);
    for (ValueId r : b_.end_while(ys)) pool_.push_back(r);
  }

  std::mt19937_64 rng_;
  ir::Builder b_{"random"};
  std::vector<ValueId> pool_;
  ValueId count_ = ir::kNoValue;
  ValueId graph_ = ir::kNoValue;
};

// A 13-node graph with a self loop, parallel edges, an isolated node and a sink.
std::shared_ptr<const Graph> small_graph() {
  static const std::int64_t src[] = {0, 1, 2, 2, 3, 4, 4, 5, 6, 7, 8, 9, 9, 10, 11, 3, 5};
  static const std::int64_t dst[] = {1, 2, 0, 3, 3, 5, 5, 6, 7, 8, 9, 10, 0, 11, 1, 7, 2};
  EdgeListView edges;
  edges.src64 = src;
  edges.dst64 = dst;
  static const std::shared_ptr<const Graph> g = Graph::from_edges(edges, kLength);
  return g;
}

std::vector<Value> inputs(std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  const double specials[] = {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                             -std::numeric_limits<double>::infinity(), -0.0, 0.0, 1.0, -1.0};
  auto floats = [&] {
    Value v = Value::array(exec::DType::kFloat64, kLength);
    std::uniform_real_distribution<double> d(-4.0, 4.0);
    for (std::int64_t i = 0; i < kLength; ++i) v.data<double>()[i] = i < 7 && rng() % 4 != 0 ? specials[i] : d(rng);
    return v;
  };
  Value ints = Value::array(exec::DType::kInt64, kLength);
  for (std::int64_t i = 0; i < kLength; ++i) ints.data<std::int64_t>()[i] = static_cast<std::int64_t>(rng() % 11) - 5;
  return {Value::of_graph(small_graph()), floats(), floats(), ints, Value::of_f64(seed % 2 ? 0.75 : -0.0),
          Value::of_i64(kLoopCount)};
}

// Runs without any optimizer pass even once the compile pipeline calls optimize().
std::vector<Value> run(const ir::Program& p, std::uint64_t seed) {
  const char* old = std::getenv("FUSEFLOW_DISABLE_PASSES");
  std::string saved = old ? old : "";
  ::setenv("FUSEFLOW_DISABLE_PASSES", "all", 1);
  std::vector<Value> out;
  try {
    out = compile(p)->run(inputs(seed));
  } catch (...) {
    if (old) ::setenv("FUSEFLOW_DISABLE_PASSES", saved.c_str(), 1);
    else ::unsetenv("FUSEFLOW_DISABLE_PASSES");
    throw;
  }
  if (old) ::setenv("FUSEFLOW_DISABLE_PASSES", saved.c_str(), 1);
  else ::unsetenv("FUSEFLOW_DISABLE_PASSES");
  return out;
}

std::size_t element_bytes(exec::DType t) {
  switch (t) {
    case exec::DType::kBool: return 1;
    case exec::DType::kInt32: case exec::DType::kFloat32: return 4;
    default: return 8;
  }
}

bool same_element(exec::DType t, const unsigned char* a, const unsigned char* b) {
  if (t == exec::DType::kFloat64) {
    double x, y;
    std::memcpy(&x, a, 8), std::memcpy(&y, b, 8);
    if (std::isnan(x) && std::isnan(y)) return true;
  } else if (t == exec::DType::kFloat32) {
    float x, y;
    std::memcpy(&x, a, 4), std::memcpy(&y, b, 4);
    if (std::isnan(x) && std::isnan(y)) return true;
  }
  return std::memcmp(a, b, element_bytes(t)) == 0;
}

// Empty string when equal, else what differs.
std::string compare(const std::vector<Value>& want, const std::vector<Value>& got) {
  if (want.size() != got.size()) return "output count differs";
  for (std::size_t o = 0; o < want.size(); ++o) {
    const Value& a = want[o];
    const Value& b = got[o];
    if (a.kind != b.kind || a.type != b.type) return "output " + std::to_string(o) + ": kind/type differs";
    if (a.is_scalar()) {
      if (!same_element(a.type, a.scalar.raw, b.scalar.raw)) {
        return "output " + std::to_string(o) + ": " + std::to_string(a.as_f64()) + " vs " + std::to_string(b.as_f64());
      }
      continue;
    }
    if (a.length != b.length) return "output " + std::to_string(o) + ": length differs";
    std::size_t size = element_bytes(a.type);
    auto* pa = static_cast<const unsigned char*>(a.raw_data());
    auto* pb = static_cast<const unsigned char*>(b.raw_data());
    for (std::int64_t i = 0; i < a.length; ++i) {
      if (!same_element(a.type, pa + i * size, pb + i * size)) return "output " + std::to_string(o) + "[" + std::to_string(i) + "] differs";
    }
  }
  return "";
}

TEST(PassesPreserveResults, RandomProgramsBitForBit) {
  // FUSEFLOW_RANDOM_PROGRAMS=5000 for a longer search; 150 keeps the suite fast.
  const char* env_count = std::getenv("FUSEFLOW_RANDOM_PROGRAMS");
  const int kPrograms = env_count ? std::atoi(env_count) : 150;
  int ran = 0;
  std::vector<int> changed_by(registered_passes().size(), 0);
  for (std::uint64_t seed = 1; seed <= static_cast<std::uint64_t>(kPrograms); ++seed) {
    ir::Program original = RandomProgram(seed).build();
    std::vector<Value> want;
    try {
      want = run(original, seed);
    } catch (const Error& e) {
      ADD_FAILURE() << "seed " << seed << ": the unoptimized program does not run: " << e.what() << "\n" << ir::print(original);
      continue;
    }
    ++ran;
    std::size_t k = 0;
    for (const PassInfo& pass : registered_passes()) {
      ir::Program p = original;
      bool changed = run_pass(p, pass, {}, /*verify=*/true);
      changed_by[k++] += changed;
      if (!changed) continue;
      std::string diff = compare(want, run(p, seed));
      EXPECT_EQ(diff, "") << "seed " << seed << ", pass " << pass.name << "\nbefore:\n" << ir::print(original) << "after:\n" << ir::print(p);
    }
    ir::Program p = original;
    OptimizeOptions o;
    o.use_environment = false;
    optimize(p, o);
    // optimize() reaches a fixed point: running it again changes nothing.
    ir::Program again = p;
    EXPECT_FALSE(optimize(again, o).changed()) << "seed " << seed << "\n" << ir::print(p) << "second run:\n" << ir::print(again);
    std::string diff = compare(want, run(p, seed));
    EXPECT_EQ(diff, "") << "seed " << seed << ", whole pipeline\nbefore:\n" << ir::print(original) << "after:\n" << ir::print(p);
  }
  EXPECT_EQ(ran, kPrograms);
  // The generator must give every pass work, or the test proves nothing.
  std::size_t k = 0;
  for (const PassInfo& pass : registered_passes()) {
    EXPECT_GE(changed_by[k], kPrograms / 10) << pass.name << " changed too few random programs";
    ++k;
  }
}

}  // namespace
}  // namespace fuseflow::opt
