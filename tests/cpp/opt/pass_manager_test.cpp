// Pass manager: registry, the one wrapper (disable by name / environment, timing, verify after
// each pass naming it, interruption), optimize() on the DESIGN.md PageRank program.
#include <algorithm>
#include <gtest/gtest.h>

#include <chrono>
#include <cstdlib>
#include <string>
#include <thread>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/text.h"
#include "fuseflow/opt/pass_manager.h"
#include "test_programs.h"

namespace fuseflow::opt {
namespace {

using ir::OpCode;
using ir::ValueId;

// Sets FUSEFLOW_DISABLE_PASSES for one test and restores the previous state.
class ScopedDisableEnv {
 public:
  explicit ScopedDisableEnv(const char* value) {
    if (const char* old = std::getenv("FUSEFLOW_DISABLE_PASSES")) saved_ = old, had_ = true;
    ::setenv("FUSEFLOW_DISABLE_PASSES", value, 1);
  }
  ~ScopedDisableEnv() {
    if (had_) ::setenv("FUSEFLOW_DISABLE_PASSES", saved_.c_str(), 1);
    else ::unsetenv("FUSEFLOW_DISABLE_PASSES");
  }

 private:
  std::string saved_;
  bool had_ = false;
};

// The PageRank program of DESIGN.md, traced the way ff.jit traces it.
using testing::pagerank_program;

// Two equal ops: what CSE merges.
ir::Program duplicate_program() {
  ir::Builder b("dup");
  ValueId x = b.add_array_input(DType::kFloat64, b.new_input_symbol());
  ValueId a = b.unary(OpCode::kExp, x);
  ValueId c = b.unary(OpCode::kExp, x);
  b.set_outputs({b.binary(OpCode::kAdd, a, c)});
  return b.finish();
}

std::size_t count_ops(const ir::Block& block) {
  std::size_t n = block.ops.size();
  for (const ir::Op& op : block.ops) {
    for (const ir::Block& r : op.regions) n += count_ops(r);
  }
  return n;
}

const ir::Block& first_loop_body(const ir::Program& p) {
  for (const ir::Op& op : p.body.ops) {
    if (op.code == OpCode::kLoop) return op.regions.at(0);
  }
  throw std::runtime_error("no loop");
}

OptimizeOptions no_environment() {
  OptimizeOptions o;
  o.use_environment = false;
  return o;
}

// The simplification group only: these tests count plain ops, which fusion would wrap.
OptimizeOptions simplify_only() {
  OptimizeOptions o = no_environment();
  o.disabled = {"elementwise_fusion", "reduction_fusion", "neighbor_fusion", "memory_planning"};
  return o;
}

TEST(PassManager, RegistryHoldsTheSimplificationPassesInPipelineOrder) {
  std::vector<std::string> names;
  for (const PassInfo& p : registered_passes()) names.push_back(p.name);
  EXPECT_EQ(names, (std::vector<std::string>{"constant_folding", "algebraic_simplification", "cse", "licm", "loop_rotation", "dce",
                                             "elementwise_fusion", "reduction_fusion", "neighbor_fusion", "memory_planning"}));
  // Simplifications first (repeated to a fixed point), then the lowering passes once.
  for (std::size_t i = 0; i < names.size(); ++i) {
    EXPECT_EQ(registered_passes()[i].phase, i < 6 ? PassPhase::kSimplify : PassPhase::kLowering) << names[i];
  }
  for (const std::string& n : names) {
    ASSERT_NE(find_pass(n), nullptr);
    EXPECT_EQ(find_pass(n)->name, n);
  }
  EXPECT_EQ(find_pass("no_such_pass"), nullptr);
}

TEST(PassManager, OptimizeReportsEveryPassRunWithTimings) {
  ir::Program p = duplicate_program();
  PassReport r = optimize(p, simplify_only());
  ASSERT_GE(r.runs.size(), 5u);
  EXPECT_TRUE(r.changed());
  bool cse_changed = false;
  for (const PassRun& run : r.runs) {
    EXPECT_EQ(run.skipped, find_pass(run.name)->phase == PassPhase::kLowering) << run.name;
    EXPECT_GE(run.seconds, 0.0);
    if (run.name == "cse" && run.changed) cse_changed = true;
  }
  EXPECT_TRUE(cse_changed);
  // The last round changed nothing (fixed point reached within max_rounds).
  int last = 0;
  for (const PassRun& run : r.runs) last = std::max(last, run.round);
  for (const PassRun& run : r.runs) {
    if (run.round == last && find_pass(run.name)->phase == PassPhase::kSimplify) {
      EXPECT_FALSE(run.changed) << run.name;
    }
  }
  std::string table = r.str();
  for (const char* name : {"constant_folding", "algebraic_simplification", "cse", "licm", "dce", "total"}) {
    EXPECT_NE(table.find(name), std::string::npos) << table;
  }
  EXPECT_EQ(count_ops(p.body), 2u) << ir::print(p);  // exp, add
}

TEST(PassManager, EnvironmentDisablesPassesByName) {
  ScopedDisableEnv env("cse, licm,elementwise_fusion");
  ir::Program p = duplicate_program();
  std::string before = ir::print(p);
  PassReport r = optimize(p);
  EXPECT_EQ(ir::print(p), before);  // nothing else applies to this program
  for (const PassRun& run : r.runs) {
    EXPECT_EQ(run.skipped, run.name == "cse" || run.name == "licm" || run.name == "elementwise_fusion") << run.name;
  }
  // use_environment=false ignores it.
  optimize(p, simplify_only());
  EXPECT_EQ(count_ops(p.body), 2u);
}

TEST(PassManager, OptionsDisablePassesAndAllDisablesEverything) {
  ir::Program p = duplicate_program();
  OptimizeOptions o = simplify_only();
  o.disabled.push_back("cse");
  optimize(p, o);
  EXPECT_EQ(count_ops(p.body), 3u);
  o.disabled = {"all"};
  ir::Program q = pagerank_program();
  std::string before = ir::print(q);
  PassReport r = optimize(q, o);
  EXPECT_EQ(ir::print(q), before);
  for (const PassRun& run : r.runs) EXPECT_TRUE(run.skipped);
}

TEST(PassManager, UnknownPassNameInEnvironmentIsValueErrorListingPasses) {
  ScopedDisableEnv env("cse,lcim");
  ir::Program p = duplicate_program();
  try {
    optimize(p);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    std::string m = e.what();
    EXPECT_NE(m.find("FUSEFLOW_DISABLE_PASSES"), std::string::npos) << m;
    EXPECT_NE(m.find("'lcim'"), std::string::npos) << m;
    EXPECT_NE(m.find("licm"), std::string::npos) << m;
  }
}

TEST(PassManager, UnknownPassNameInOptionsIsValueError) {
  ir::Program p = duplicate_program();
  OptimizeOptions o = no_environment();
  o.disabled = {"fold"};
  try {
    optimize(p, o);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    EXPECT_NE(std::string(e.what()).find("OptimizeOptions::disabled"), std::string::npos) << e.what();
  }
  EXPECT_THROW(run_pass(p, "fold"), Error);
}

bool break_types(ir::Program& p) {
  // Declares the first op's result as f32 although the op computes f64: verify must catch it.
  p.values[static_cast<std::size_t>(p.body.ops.at(0).results.at(0))].dtype = DType::kFloat32;
  return true;
}

bool throw_inside(ir::Program&) { throw Error(ErrorCode::kInvalidValue, "boom"); }

TEST(PassManager, VerifyAfterEachPassNamesThePass) {
  ir::Program p = duplicate_program();
  PassInfo broken{"breaks_types", &break_types, PassPhase::kSimplify, "test pass"};
  try {
    run_pass(p, broken, {}, /*verify=*/true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
    std::string m = e.what();
    EXPECT_NE(m.find("optimizer pass 'breaks_types' produced invalid IR"), std::string::npos) << m;
    EXPECT_NE(m.find("exp"), std::string::npos) << m;  // the verifier names the op
  }
  ir::Program q = duplicate_program();
  EXPECT_NO_THROW(run_pass(q, broken, {}, /*verify=*/false));
}

TEST(PassManager, AnErrorInsideAPassNamesThePass) {
  ir::Program p = duplicate_program();
  PassInfo thrower{"throws", &throw_inside, PassPhase::kSimplify, "test pass"};
  try {
    run_pass(p, thrower, {}, true);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInternal);
    EXPECT_NE(std::string(e.what()).find("optimizer pass 'throws' failed: boom"), std::string::npos) << e.what();
  }
  // A disabled pass is not run at all.
  EXPECT_FALSE(run_pass(p, thrower, {"throws"}, true));
}

TEST(PassManager, InterruptStopsTheOptimizer) {
  ir::Program p = pagerank_program();
  InterruptScope scope(+[] { return true; });
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // the hook is polled at most every 20 ms
  try {
    optimize(p, no_environment());
    FAIL() << "expected an interruption";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInterrupted);
  }
}

TEST(PassManager, PageRankLoopKeepsOnlyCarryDependentWork) {
  ir::Program p = pagerank_program();
  std::size_t body_before = first_loop_body(p).ops.size();
  optimize(p, no_environment());
  ir::verify(p);
  const ir::Block& body = first_loop_body(p);
  // 1 - damping, its division by n, the casts of n and the constants leave the loop; the
  // carry-dependent work (where/sum, mul/neighbor_agg, the update) stays.
  EXPECT_LT(body.ops.size(), body_before) << ir::print(p);
  for (const ir::Op& op : body.ops) {
    EXPECT_NE(op.code, OpCode::kConst) << ir::print(p);
    EXPECT_NE(op.code, OpCode::kCast) << ir::print(p);
  }
  bool has_agg = false;
  for (const ir::Op& op : body.ops) has_agg = has_agg || op.code == OpCode::kNeighborAgg || op.code == OpCode::kFusedAgg;
  EXPECT_TRUE(has_agg);
  // Canonical output: print -> parse -> print is stable after optimizing.
  std::string text = ir::print(p);
  EXPECT_EQ(ir::print(ir::parse(text)), text);
}

}  // namespace
}  // namespace fuseflow::opt
