// Loops nest at most ir::kMaxRegionDepth (256) deep, and the whole pipeline handles that depth:
// parse, verify, print, reparse, every optimizer pass (fusion then adds a fused region inside the
// deepest body), lowering and a run. One level more is a ValueError naming the line and the limit,
// from the parser, the Builder and verify() alike -- never a stack overflow (issue 16, r06: 7000
// nested loops crashed the recursive parser).
#include <gtest/gtest.h>

#include <cmath>
#include <functional>
#include <string>
#include <vector>

#include "fuseflow/api/compiled.h"
#include "fuseflow/core/error.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/text.h"
#include "fuseflow/opt/pass_manager.h"

namespace fuseflow::ir {
namespace {

// `depth` loops inside each other, each running %1 times; the innermost body triples its carry
// in two adds (so with %1 == 1 the program returns 3 * x). Line 2 + 2k opens loop k (0-based).
std::string nested_loops(int depth) {
  std::string text = "func @f(%0:f64[n0], %1:~i64) {\n";
  int next = 2, cur = 0;
  std::vector<int> results;
  for (int k = 0; k < depth; ++k) {
    text += "%" + std::to_string(next) + ":f64[n0] = loop %1, %" + std::to_string(cur) + " {\n";
    text += "^(%" + std::to_string(next + 1) + ":f64[n0]):\n";
    results.push_back(next);
    cur = next + 1;
    next += 2;
  }
  text += "%" + std::to_string(next) + ":f64[n0] = add %" + std::to_string(cur) + ", %" + std::to_string(cur) + "\n";
  text += "%" + std::to_string(next + 1) + ":f64[n0] = add %" + std::to_string(next) + ", %" + std::to_string(cur) + "\n";
  cur = next + 1;
  for (int k = depth - 1; k >= 0; --k) {
    text += "yield %" + std::to_string(cur) + "\n}\n";
    cur = results[static_cast<std::size_t>(k)];
  }
  text += "return %" + std::to_string(cur) + "\n}\n";
  return text;
}

void expect_depth_error(const std::function<void()>& f, const std::string& fragment) {
  try {
    f();
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("256"), std::string::npos) << e.what();
  }
}

TEST(NestingLimit, TheWholePipelineRunsAProgramAtTheLimit) {
  Program p = parse(nested_loops(kMaxRegionDepth));
  const std::string text = print(p);
  EXPECT_EQ(print(parse(text)), text);
  opt::OptimizeOptions options;
  options.use_environment = false;
  Program optimized = p;
  opt::optimize(optimized, options);
  EXPECT_NE(print(optimized).find("fused"), std::string::npos);  // a fused region at depth 257
  EXPECT_EQ(print(parse(print(optimized))), print(optimized));
  Value x = Value::array(exec::DType::kFloat64, 3);
  for (int i = 0; i < 3; ++i) x.data<double>()[i] = 0.5 + i;
  std::vector<Value> out = compile(p)->run({x, Value::of_i64(1)});
  ASSERT_EQ(out.size(), 1u);
  for (int i = 0; i < 3; ++i) EXPECT_EQ(out[0].data<double>()[i], 3 * (0.5 + i));
}

TEST(NestingLimit, ParserRejectsOneLevelMoreNamingTheLineAndLimit) {
  // Loop k opens on line 2 + 2k: the 257th (k = 256) on line 514.
  expect_depth_error([] { parse(nested_loops(kMaxRegionDepth + 1)); }, "IR text: line 514, ");
  // Far deeper input (the reproducer's 7000 levels) fails the same way, without recursing further.
  expect_depth_error([] { parse(nested_loops(7000)); }, "IR text: line 514, ");
}

TEST(NestingLimit, BuilderRejectsOneLevelMore) {
  Builder b("f");
  ValueId x = b.add_array_input(DType::kFloat64, b.new_input_symbol());
  ValueId n = b.add_scalar_input(DType::kInt64, true);
  std::vector<ValueId> carry{x};
  for (int k = 0; k < kMaxRegionDepth; ++k) carry = b.begin_loop(n, carry);
  expect_depth_error([&] { b.begin_loop(n, carry); }, "loops nest deeper than");
  expect_depth_error([&] { b.begin_while(carry); }, "loops nest deeper than");
  // A fused region (a leaf) still fits inside the deepest body.
  b.begin_fused();
  ValueId y = b.unary(OpCode::kNeg, carry[0]);
  EXPECT_EQ(b.end_fused({y}).size(), 1u);
}

TEST(NestingLimit, VerifierRejectsAHandBuiltProgramOneLevelDeeper) {
  // Programs built without the Builder (as an optimizer pass could) are checked by verify().
  Program p = parse(nested_loops(kMaxRegionDepth));
  Op* deepest = &p.body.ops[0];
  while (!deepest->regions[0].ops.empty() && deepest->regions[0].ops[0].code == OpCode::kLoop) deepest = &deepest->regions[0].ops[0];
  Op extra = *deepest;  // a copy of the innermost loop, nested inside it once more
  Block& body = deepest->regions[0];
  extra.operands = {extra.operands[0], body.args[0]};
  std::vector<ValueId> fresh;
  for (int k = 0; k < 3; ++k) {
    p.values.push_back(p.type(body.args[0]));
    fresh.push_back(static_cast<ValueId>(p.values.size() - 1));
  }
  extra.regions[0].args = {fresh[0]};
  extra.regions[0].ops.resize(1);
  extra.regions[0].ops[0].operands = {fresh[0], fresh[0]};
  extra.regions[0].ops[0].results = {fresh[1]};
  extra.regions[0].yields = {fresh[1]};
  extra.results = {fresh[2]};
  body.ops.insert(body.ops.begin(), extra);
  expect_depth_error([&] { verify(p); }, "verify: loop: loops nest deeper than");
}

}  // namespace
}  // namespace fuseflow::ir
