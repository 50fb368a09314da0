// Text format: exact print -> parse -> print round trip, malformed text with line/column, dot.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/text.h"
#include "test_programs.h"

namespace fuseflow::ir {
namespace {

using D = DType;

using testing::pagerank_program;

TEST(IrText, PageRankRoundTripsExactly) {
  Program p = pagerank_program();
  std::string text = print(p);
  EXPECT_NE(text.find("neighbor_agg.sum.in %0, "), std::string::npos) << text;
  EXPECT_NE(text.find("func @pagerank(%0:graph, %1:~f64, %2:~i64) {"), std::string::npos) << text;
  EXPECT_NE(text.find(":f64[N] = loop %2, "), std::string::npos) << text;
  Program q = parse(text);
  EXPECT_EQ(print(q), text);
  PrintOptions with_loc;
  with_loc.locations = true;
  std::string located = print(p, with_loc);
  EXPECT_NE(located.find("loc(\"pr.py\":3)"), std::string::npos);
  EXPECT_EQ(print(parse(located), with_loc), located);
}

TEST(IrText, EveryOpRoundTrips) {
  Builder b("all_ops");
  ValueId g = b.add_graph_input();
  ValueId x = b.add_array_input(D::kFloat64, b.nodes_symbol(g));
  ValueId i = b.add_array_input(D::kInt32, b.nodes_symbol(g));
  ValueId w = b.add_array_input(D::kFloat64, b.edges_symbol(g));
  ValueId one = b.add_array_input(D::kFloat32, b.one_symbol());
  ValueId s = b.add_scalar_input(D::kFloat32, false);
  std::vector<ValueId> outs;
  for (OpCode u : {OpCode::kNeg, OpCode::kAbs, OpCode::kExp, OpCode::kLog, OpCode::kLog1p, OpCode::kExpm1, OpCode::kSqrt,
                   OpCode::kSin, OpCode::kCos, OpCode::kTanh, OpCode::kSigmoid, OpCode::kErf, OpCode::kErfc,
                   OpCode::kNormCdf, OpCode::kFloor, OpCode::kCeil, OpCode::kRound}) {
    outs.push_back(b.unary(u, x));
  }
  outs.push_back(b.unary(OpCode::kNot, i));
  for (OpCode op : {OpCode::kAdd, OpCode::kSub, OpCode::kMul, OpCode::kDiv, OpCode::kFloorDiv, OpCode::kMod, OpCode::kPow,
                    OpCode::kMinimum, OpCode::kMaximum, OpCode::kEq, OpCode::kNe, OpCode::kLt, OpCode::kLe, OpCode::kGt,
                    OpCode::kGe}) {
    outs.push_back(b.binary(op, x, i));
    outs.push_back(b.binary(op, one, s));
  }
  for (OpCode op : {OpCode::kAnd, OpCode::kOr, OpCode::kXor}) outs.push_back(b.binary(op, i, b.constant_int(3)));
  outs.push_back(b.where(b.binary(OpCode::kLt, x, b.constant_float(0.5)), x, i));
  outs.push_back(b.clip(x, b.constant_float(-1.0), b.constant_int(2)));
  for (OpCode r : {OpCode::kSum, OpCode::kMean, OpCode::kMin, OpCode::kMax, OpCode::kArgMin, OpCode::kArgMax}) {
    outs.push_back(b.reduce(r, i));
  }
  outs.push_back(b.dot(x, i));
  for (NormKind k : {NormKind::kL1, NormKind::kL2, NormKind::kInf}) outs.push_back(b.norm(x, k));
  outs.push_back(b.arange(b.length(x)));
  outs.push_back(b.full(b.num_edges(g), b.constant_bool(true)));
  outs.push_back(b.in_degree(g));
  outs.push_back(b.edge_dst(g, x));
  outs.push_back(b.cast(x, D::kInt32));
  for (AggOp a : {AggOp::kSum, AggOp::kMean, AggOp::kMin, AggOp::kMax, AggOp::kCount, AggOp::kMode}) {
    for (Direction d : {Direction::kIn, Direction::kOut, Direction::kBoth}) outs.push_back(b.neighbor_agg(g, i, a, d));
  }
  outs.push_back(b.neighbor_agg(g, x, AggOp::kMean, Direction::kBoth, w));
  for (double c : {std::numeric_limits<double>::quiet_NaN(), std::numeric_limits<double>::infinity(),
                   -std::numeric_limits<double>::infinity(), -0.0, 1e-310, 0.1, 1e300, 3.0}) {
    outs.push_back(b.constant_float(c, D::kFloat64, false));
  }
  outs.push_back(b.constant_int(-9223372036854775807LL - 1, D::kInt64, false));
  outs.push_back(b.constant_int(7, D::kInt32, false));
  // Nested loops and a while with two carries.
  auto a = b.begin_loop(b.constant_int(2), {x, s});
  auto inner = b.begin_loop(b.constant_int(3), {a[0]});
  auto inner_out = b.end_loop({b.binary(OpCode::kMul, inner[0], a[1])});
  auto loop_out = b.end_loop({inner_out[0], a[1]});
  outs.push_back(loop_out[0]);
  auto c = b.begin_while({x, b.constant_int(0)});
  auto body = b.begin_while_body(b.binary(OpCode::kLt, c[1], b.constant_int(5)));
  auto wout = b.end_while({b.unary(OpCode::kSqrt, body[0]), b.binary(OpCode::kAdd, body[1], b.constant_int(1))});
  outs.push_back(wout[0]);
  outs.push_back(wout[1]);
  b.set_outputs(outs);
  Program p = b.finish();
  std::string text = print(p);
  Program q = parse(text);
  EXPECT_EQ(print(q), text);
  EXPECT_NE(text.find("const nan"), std::string::npos);
  EXPECT_NE(text.find("const -inf"), std::string::npos);
  EXPECT_NE(text.find("const -0.0"), std::string::npos);
  EXPECT_NE(text.find("const 1e-310"), std::string::npos);
  EXPECT_NE(text.find("} do {"), std::string::npos);
  EXPECT_NE(text.find("bool[E] = full"), std::string::npos) << text;
  // Constants keep their exact bits.
  bool found_tiny = false;
  for (const Op& op : q.body.ops) found_tiny = found_tiny || (op.code == OpCode::kConst && op.attrs.value.f == 1e-310);
  EXPECT_TRUE(found_tiny);
}

void expect_parse_error(const std::string& text, int line, int column, const std::string& fragment) {
  try {
    parse(text);
    FAIL() << "parsed: " << text;
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << m;
    std::string where = "line " + std::to_string(line) + ", column " + std::to_string(column);
    EXPECT_NE(m.find(where), std::string::npos) << m << " (expected " << where << ")";
    EXPECT_NE(m.find(fragment), std::string::npos) << m;
  }
}

TEST(IrText, MalformedTextReportsLineAndColumn) {
  expect_parse_error("fun @f() {\n  return\n}\n", 1, 1, "expected 'func'");
  expect_parse_error("func @f(%0:f64[n0]) {\n  %1:f64[n0] = exq %0\n  return %1\n}\n", 2, 16, "unknown op 'exq'");
  expect_parse_error("func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %5\n  return %1\n}\n", 2, 20, "%5 is not defined");
  expect_parse_error("func @f(%0:f64[n0]) {\n  %1:f32[n0] = exp %0\n  return %1\n}\n", 2, 3, "declared f32[n0] but the op gives f64[n0]");
  expect_parse_error("func @f(%0:f65) {\n  return\n}\n", 1, 12, "unknown dtype 'f65'");
  expect_parse_error("func @f(%0:f64[n0], %1:f64[n1]) {\n  %2:f64[n0] = add %0, %1\n  return %2\n}\n", 2, 16, "length mismatch");
  expect_parse_error("func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %0\n", 3, 1, "expected 'return' before end of text");
  expect_parse_error("func @f(%0:f64[n0]) {\n  %1:~f64 = const 1.2.3\n  return %1\n}\n", 2, 19, "malformed float literal");
  expect_parse_error("func @f(%0:f64[n0], %1:i32[n0]) {\n  %2:f64[n0] = add %0, %1\n  return %2\n}\n", 2, 16, "casts are explicit");
  expect_parse_error("func @f(%0:f64[N]) {\n  return %0\n}\n", 1, 16, "names a graph input that does not exist");
  expect_parse_error("func @f(%0:f64[n0]) {\n  %1:f64[n0] = exp %0\n  %1:f64[n0] = exp %0\n  return %1\n}\n", 3, 3, "defined twice");
  expect_parse_error("func @f(%0:f64[n0]) {\n  return %0\n} extra", 3, 3, "expected end of text");
  expect_parse_error("func @f(%0:f64[n0]) {\n  %1:f64[n0] = loop %0, %0 {\n  ^(%2:f64[n0]):\n    yield %2\n  }\n  return %1\n}\n", 2, 21,
                     "count");
  expect_parse_error("func @f(%0:f64[n0], %1:~i64) {\n  %2:f64[n0] = loop %1, %0 {\n  ^(%3:f64[n0]):\n    %4:f32[n0] = cast %3\n    yield %4\n  }\n  return %2\n}\n",
                     5, 5, "carry 0 changes type");
}

TEST(IrText, HandWrittenProgramParses) {
  const char* text =
      "# a comment\n"
      "func @saxpy(%0:f64[n0], %1:f64[n0], %2:~f64) {\n"
      "  %3:f64[n0] = mul %2, %0\n"
      "  %4:f64[n0] = add %3, %1   # trailing comment\n"
      "  return %4\n"
      "}\n";
  Program p = parse(text);
  EXPECT_EQ(p.inputs().size(), 3u);
  EXPECT_EQ(p.outputs().size(), 1u);
  EXPECT_EQ(print(p),
            "func @saxpy(%0:f64[n0], %1:f64[n0], %2:~f64) {\n"
            "  %3:f64[n0] = mul %2, %0\n"
            "  %4:f64[n0] = add %3, %1\n"
            "  return %4\n"
            "}\n");
}

TEST(IrText, DotHasNodesEdgesAndLoopCluster) {
  std::string dot = to_dot(pagerank_program());
  EXPECT_EQ(dot.rfind("digraph \"pagerank\" {", 0), 0u) << dot;
  EXPECT_NE(dot.find("subgraph cluster_"), std::string::npos);
  EXPECT_NE(dot.find("neighbor_agg.sum.in"), std::string::npos);
  EXPECT_NE(dot.find(" -> "), std::string::npos);
  EXPECT_EQ(dot.back(), '\n');
}

}  // namespace
}  // namespace fuseflow::ir

namespace fuseflow::ir {
namespace {

// Every one-character deletion, duplication or replacement of a valid program either parses to a
// program that prints back identically, or throws fuseflow::Error — never another exception.
TEST(IrText, MutatedTextNeverCrashes) {
  std::string text = print(pagerank_program(), PrintOptions{true});
  const std::string replacements = "%:=,({[^~.\"0aN \n";
  int parsed = 0, rejected = 0;
  auto attempt = [&](const std::string& mutated) {
    try {
      Program p = parse(mutated);
      EXPECT_EQ(print(parse(print(p))), print(p));
      ++parsed;
    } catch (const Error&) {
      ++rejected;
    } catch (const std::exception& e) {
      ADD_FAILURE() << "non-fuseflow exception " << e.what() << " for:\n" << mutated;
    }
  };
  for (std::size_t i = 0; i < text.size(); ++i) {
    attempt(text.substr(0, i) + text.substr(i + 1));
    attempt(text.substr(0, i) + text[i] + text.substr(i));
    for (char c : replacements) {
      std::string m = text;
      m[i] = c;
      attempt(m);
    }
  }
  EXPECT_GT(rejected, 0);
  EXPECT_GT(parsed, 0);  // e.g. whitespace changes still parse
}

TEST(IrText, HugeNumbersAreRejectedCleanly) {
  EXPECT_THROW(parse("func @f(%0:f64[n99999999999999999999]) {\n  return %0\n}\n"), Error);
  EXPECT_THROW(parse("func @f(%0:graph, %1:f64[N99999999999999999999]) {\n  return %1\n}\n"), Error);
  EXPECT_THROW(parse("func @f() {\n  %0:~i64 = const 99999999999999999999\n  return %0\n}\n"), Error);
  EXPECT_THROW(parse("func @f() {\n  %0:i32 = const 3000000000\n  return %0\n}\n"), Error);
  EXPECT_THROW(parse("func @f() {\n  %0:~f64 = const 1e999\n  return %0\n}\n"), Error);
}

}  // namespace
}  // namespace fuseflow::ir
