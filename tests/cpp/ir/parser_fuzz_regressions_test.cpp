// Inputs found by fuzz/ir_parser_fuzz.cpp (parse -> print -> parse, optimize, lower) that broke a
// rule, each kept as a regression test with the fix it needed.
#include <gtest/gtest.h>

#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/exec/lower.h"
#include "fuseflow/ir/text.h"
#include "fuseflow/opt/pass_manager.h"

namespace fuseflow::ir {
namespace {

// The fuzz harness's checks on a program that parses.
void survives_the_pipeline(const std::string& text) {
  Program p = parse(text);
  EXPECT_EQ(print(parse(print(p))), print(p));
  opt::OptimizeOptions options;
  options.use_environment = false;
  ASSERT_NO_THROW(opt::optimize(p, options));
  const std::string optimized = print(p);
  Program again;
  ASSERT_NO_THROW(again = parse(optimized)) << optimized;
  EXPECT_EQ(print(again), optimized);
  ASSERT_NO_THROW((void)exec::lower_program(p)) << optimized;
}

TEST(ParserFuzzRegressions, DeadOpInsideAFusedRegionKeepsWhatItReads) {
  // crash-5e5e21b1: DCE kept the fused op whole but marked live only what its live inner ops read,
  // so it deleted the neighbor_agg the dead `mul` reads; the verifier did not check operands inside
  // fused regions, and the printer wrote `%?3`.
  survives_the_pipeline(R"(func @f(%0:graph, %1:f64[N], %2:~f64) {
  %3:f64[N] = neighbor_agg.sum.in %0, %1
  %4:f64[N] = fused {
  ^():
    %5:f64[N] = mul %3, %2
    %6:f64[N] = add %2, %1
    yield %6
  }
  return %4
}
)");
}

TEST(ParserFuzzRegressions, AFoldedCountKeepsTheShapeDeclaredWithItsRuntimeSymbol) {
  // crash-f0345d5b: constant folding turned the count %9 = 1 + 0 into `const 1`, whose definition
  // gives the "1" symbol; the verifier then rejected `full %9` declared f64[%9] (its run-time
  // symbol, still a valid shape) and the optimizer reported invalid IR.
  survives_the_pipeline(R"(func @f(%0:graph, %1:~i64, %2:~f64) {
  %3:~i64 = const 1
  %4:~i64 = mul %1, %3
  %5:f64 = cast %2
  %6:f64[%4] = full %4, %5
  %7:~i64 = num_nodes %0
  %8:~i64 = const 0
  %9:~i64 = add %3, %8
  %10:f64[%9] = full %9, %5
  %11:f64 = sum %6
  %12:f64 = sum %10
  return %11, %12, %1
}
)");
}

TEST(ParserFuzzRegressions, VerifierChecksOperandsInsideFusedRegions) {
  Program p = parse(R"(func @f(%0:graph, %1:f64[N], %2:~f64) {
  %3:f64[N] = neighbor_agg.sum.in %0, %1
  %4:f64[N] = fused {
  ^():
    %5:f64[N] = mul %3, %2
    %6:f64[N] = add %2, %1
    yield %6
  }
  return %4
}
)");
  p.body.ops.erase(p.body.ops.begin());  // %3's definition goes; the fused op still reads it
  try {
    verify(p);
    FAIL() << "accepted:\n" << print(p);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    EXPECT_NE(std::string(e.what()).find("is used before its definition or outside its scope"), std::string::npos) << e.what();
  }
}

TEST(ParserFuzzRegressions, AnEscapedByteInAStringMustBeUtf8Too) {
  // crash-2469a575: `\` followed by byte 0x9F put the raw byte into the location's file name, so
  // the printed program (and any message quoting the location) was not UTF-8.
  try {
    parse("func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %0 loc(\"q\\\x9F\x12.py\":3)\n  return %1\n}\n");
    FAIL() << "accepted";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("line 2, column 30: a string must be UTF-8; got byte \\x9F"), std::string::npos) << e.what();
  }
  // An escaped UTF-8 character stands for itself.
  Program p = parse("func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %0 loc(\"\\\xE6\xBC\xA2.py\":3)\n  return %1\n}\n");
  EXPECT_EQ(p.body.ops[0].loc.file, "\xE6\xBC\xA2.py");
}

}  // namespace
}  // namespace fuseflow::ir
