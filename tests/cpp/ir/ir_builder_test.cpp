// Builder: NumPy promotion, broadcasting, length symbols, implicit casts, loop carries, errors.
#include <gtest/gtest.h>

#include <string>

#include "fuseflow/core/dtype.h"
#include "fuseflow/core/error.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/text.h"

namespace fuseflow::ir {
namespace {

using D = DType;

// Expected values written from NumPy 2.4: np.result_type on arrays / with Python scalars.
TEST(IrDType, PromotionMatchesNumPy) {
  EXPECT_EQ(promote_types(D::kInt32, D::kFloat32), D::kFloat64);
  EXPECT_EQ(promote_types(D::kInt64, D::kFloat32), D::kFloat64);
  EXPECT_EQ(promote_types(D::kInt32, D::kInt64), D::kInt64);
  EXPECT_EQ(promote_types(D::kBool, D::kInt32), D::kInt32);
  EXPECT_EQ(promote_types(D::kFloat32, D::kFloat64), D::kFloat64);
  // Python scalars are weak (NEP 50).
  EXPECT_EQ(promote({D::kFloat32, false}, {D::kFloat64, true}).dtype, D::kFloat32);
  EXPECT_EQ(promote({D::kInt32, false}, {D::kInt64, true}).dtype, D::kInt32);
  EXPECT_EQ(promote({D::kInt32, false}, {D::kFloat64, true}).dtype, D::kFloat64);
  EXPECT_EQ(promote({D::kBool, false}, {D::kInt64, true}).dtype, D::kInt64);
  auto both_weak = promote({D::kInt64, true}, {D::kFloat64, true});
  EXPECT_EQ(both_weak.dtype, D::kFloat64);
  EXPECT_TRUE(both_weak.weak);
  EXPECT_EQ(sum_result(D::kInt32), D::kInt64);
  EXPECT_EQ(float_result(D::kFloat32), D::kFloat32);
  EXPECT_EQ(float_result(D::kInt32), D::kFloat64);
  EXPECT_EQ(parse_dtype("float32"), D::kFloat32);
  EXPECT_EQ(parse_dtype("i64"), D::kInt64);
  EXPECT_FALSE(parse_dtype("float16").has_value());
}

TEST(IrBuilder, WeakScalarKeepsFloat32AndCastsExplicitly) {
  Builder b("f");
  ValueId x = b.add_array_input(D::kFloat32, b.new_input_symbol());
  ValueId c = b.constant_float(2.5);
  ValueId y = b.binary(OpCode::kMul, x, c);
  EXPECT_EQ(b.type(y), Type::array(D::kFloat32, b.type(x).length));
  // The weak f64 constant is cast to f32 by an explicit op before the multiply.
  b.set_outputs({y});
  Program p = b.finish();
  ASSERT_EQ(p.body.ops.size(), 3u);
  EXPECT_EQ(p.body.ops[1].code, OpCode::kCast);
  EXPECT_EQ(p.type(p.body.ops[1].results[0]).dtype, D::kFloat32);
}

TEST(IrBuilder, InputsAfterOpsAreRejected) {
  Builder b;
  ValueId x = b.add_array_input(D::kFloat64, b.new_input_symbol());
  b.unary(OpCode::kExp, x);
  EXPECT_THROW(b.add_scalar_input(D::kFloat64, true), Error);
}

TEST(IrBuilder, IntDivisionAndMathCastToFloat64) {
  Builder b;
  ValueId x = b.add_array_input(D::kInt32, b.new_input_symbol());
  ValueId y = b.add_array_input(D::kInt64, b.type(x).length);
  ValueId q = b.binary(OpCode::kDiv, x, y);
  EXPECT_EQ(b.type(q).dtype, D::kFloat64);
  ValueId e = b.unary(OpCode::kExp, x);
  EXPECT_EQ(b.type(e).dtype, D::kFloat64);
  ValueId s = b.binary(OpCode::kAdd, x, y);
  EXPECT_EQ(b.type(s).dtype, D::kInt64);
  b.set_outputs({q, e, s});
  Program p = b.finish();
  // Every binary op's operands share a dtype: the casts are explicit ops.
  int casts = 0;
  for (const Op& op : p.body.ops) {
    if (op.code == OpCode::kCast) ++casts;
    if (op.operands.size() == 2) {
      EXPECT_EQ(p.type(op.operands[0]).dtype, p.type(op.operands[1]).dtype);
    }
  }
  EXPECT_GE(casts, 3);
}

TEST(IrBuilder, LengthMismatchNamesOpValuesAndLocation) {
  Builder b;
  ValueId x = b.add_array_input(D::kFloat64, b.new_input_symbol());
  ValueId y = b.add_array_input(D::kFloat64, b.new_input_symbol());
  b.set_location({"user.py", 42});
  try {
    b.binary(OpCode::kAdd, x, y);
    FAIL() << "expected a length mismatch";
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    EXPECT_NE(m.find("add"), std::string::npos) << m;
    EXPECT_NE(m.find("length mismatch"), std::string::npos) << m;
    EXPECT_NE(m.find("n0"), std::string::npos) << m;
    EXPECT_NE(m.find("n1"), std::string::npos) << m;
    EXPECT_NE(m.find("user.py:42"), std::string::npos) << m;
  }
}

TEST(IrBuilder, LengthOneBroadcasts) {
  Builder b;
  ValueId x = b.add_array_input(D::kFloat64, b.new_input_symbol());
  ValueId one = b.add_array_input(D::kFloat64, b.one_symbol());
  ValueId s = b.binary(OpCode::kSub, one, x);
  EXPECT_EQ(b.type(s).length, b.type(x).length);
}

TEST(IrBuilder, FullOfNumNodesHasLengthN) {
  Builder b;
  ValueId g = b.add_graph_input();
  ValueId n = b.num_nodes(g);
  ValueId f = b.full(n, b.constant_float(1.0));
  ValueId deg = b.out_degree(g);
  ValueId sum = b.binary(OpCode::kAdd, f, deg);  // same symbol N: no mismatch
  EXPECT_EQ(b.type(sum).length, b.nodes_symbol(g));
  EXPECT_EQ(b.type(f).dtype, D::kFloat64);
  EXPECT_FALSE(b.type(f).weak);
  ValueId e = b.edge_src(g, f);
  EXPECT_EQ(b.type(e).length, b.edges_symbol(g));
  EXPECT_THROW(b.binary(OpCode::kAdd, e, f), Error);
  EXPECT_THROW(b.neighbor_agg(g, e, AggOp::kSum, Direction::kIn), Error);
}

TEST(IrBuilder, RuntimeCountsGiveOneSymbolPerCountValue) {
  Builder b;
  ValueId k = b.add_scalar_input(D::kInt64, true);
  ValueId a = b.full(k, b.constant_float(0.0));
  ValueId r = b.arange(k);
  ValueId s = b.binary(OpCode::kAdd, a, r);  // same count value -> same length
  EXPECT_EQ(b.type(s).dtype, D::kFloat64);
  ValueId k2 = b.binary(OpCode::kAdd, k, b.constant_int(1));
  ValueId c = b.arange(k2);
  EXPECT_THROW(b.binary(OpCode::kAdd, a, c), Error);
  EXPECT_THROW(b.full(b.constant_float(3.0), b.constant_float(0.0)), Error);  // count must be an int
}

TEST(IrBuilder, NeighborAggTypes) {
  Builder b;
  ValueId g = b.add_graph_input();
  ValueId x = b.add_array_input(D::kInt32, b.nodes_symbol(g));
  ValueId w = b.add_array_input(D::kFloat32, b.edges_symbol(g));
  EXPECT_EQ(b.type(b.neighbor_agg(g, x, AggOp::kSum, Direction::kIn)).dtype, D::kInt64);
  EXPECT_EQ(b.type(b.neighbor_agg(g, x, AggOp::kMean, Direction::kOut)).dtype, D::kFloat64);
  EXPECT_EQ(b.type(b.neighbor_agg(g, x, AggOp::kMode, Direction::kBoth)).dtype, D::kInt32);
  EXPECT_EQ(b.type(b.neighbor_agg(g, x, AggOp::kCount, Direction::kIn)).dtype, D::kInt64);
  EXPECT_EQ(b.type(b.neighbor_agg(g, x, AggOp::kSum, Direction::kIn, w)).dtype, D::kFloat64);
  EXPECT_THROW(b.neighbor_agg(g, x, AggOp::kMin, Direction::kIn, w), Error);
  EXPECT_THROW(b.neighbor_agg(g, b.binary(OpCode::kGt, x, b.constant_int(0)), AggOp::kMode, Direction::kIn), Error);
}

TEST(IrBuilder, LoopCarryKeepsTypeOrFailsWithTypeError) {
  Builder b;
  ValueId x = b.add_array_input(D::kFloat64, b.new_input_symbol());
  ValueId n = b.add_scalar_input(D::kInt64, true);
  auto args = b.begin_loop(n, {x, b.constant_int(0)});
  ASSERT_EQ(args.size(), 2u);
  EXPECT_FALSE(b.type(args[1]).weak);  // carries are strong
  ValueId next = b.binary(OpCode::kMul, args[0], b.constant_float(0.5));
  ValueId count = b.binary(OpCode::kAdd, args[1], b.constant_int(1));
  auto res = b.end_loop({next, count});
  EXPECT_EQ(b.type(res[0]), b.type(x));
  EXPECT_EQ(b.type(res[1]), Type::scalar(D::kInt64));

  auto args2 = b.begin_loop(n, {x});
  ValueId as_f32 = b.cast(args2[0], D::kFloat32);
  try {
    b.end_loop({as_f32});
    FAIL();
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidType);
    EXPECT_NE(std::string(e.what()).find("carry 0 changes type from f64[n0] to f32[n0]"), std::string::npos) << e.what();
  }
}

TEST(IrBuilder, ValuesOfAClosedRegionCannotEscape) {
  Builder b;
  ValueId x = b.add_array_input(D::kFloat64, b.new_input_symbol());
  auto args = b.begin_loop(b.constant_int(3), {x});
  ValueId inner = b.unary(OpCode::kExp, args[0]);
  b.end_loop({inner});
  EXPECT_THROW(b.unary(OpCode::kExp, inner), Error);
  EXPECT_THROW(b.set_outputs({inner}), Error);
}

TEST(IrBuilder, WhileNeedsScalarCondition) {
  Builder b;
  ValueId x = b.add_array_input(D::kFloat64, b.new_input_symbol());
  auto cargs = b.begin_while({x});
  EXPECT_THROW(b.begin_while_body(b.binary(OpCode::kGt, cargs[0], b.constant_float(1.0))), Error);
  ValueId c = b.binary(OpCode::kGt, b.reduce(OpCode::kSum, cargs[0]), b.constant_float(1.0));
  auto body = b.begin_while_body(c);
  auto res = b.end_while({b.binary(OpCode::kMul, body[0], b.constant_float(0.5))});
  b.set_outputs(res);
  Program p = b.finish();
  EXPECT_EQ(p.body.ops.back().code, OpCode::kWhile);
  EXPECT_EQ(p.body.ops.back().regions.size(), 2u);
}

TEST(IrBuilder, GraphOutputAndBoolArithmeticRejected) {
  Builder b;
  ValueId g = b.add_graph_input();
  EXPECT_THROW(b.set_outputs({g}), Error);
  ValueId d = b.out_degree(g);
  ValueId m = b.binary(OpCode::kGt, d, b.constant_int(0));
  EXPECT_THROW(b.binary(OpCode::kSub, m, m), Error);
  EXPECT_THROW(b.unary(OpCode::kNeg, m), Error);
  EXPECT_THROW(b.binary(OpCode::kAnd, b.unary(OpCode::kExp, d), m), Error);
  EXPECT_EQ(b.type(b.binary(OpCode::kAnd, m, m)).dtype, D::kBool);
}

TEST(IrVerifier, CorruptedResultTypeNamesOp) {
  Builder b;
  ValueId x = b.add_array_input(D::kFloat64, b.new_input_symbol());
  b.set_location({"prog.py", 7});
  ValueId y = b.unary(OpCode::kSqrt, x);
  b.set_outputs({y});
  Program p = b.finish();
  p.values[static_cast<std::size_t>(y)].dtype = D::kInt64;
  try {
    verify(p);
    FAIL();
  } catch (const Error& e) {
    std::string m = e.what();
    EXPECT_NE(m.find("sqrt"), std::string::npos) << m;
    EXPECT_NE(m.find("%1"), std::string::npos) << m;
    EXPECT_NE(m.find("prog.py:7"), std::string::npos) << m;
  }
}

TEST(IrVerifier, UseBeforeDefinitionIsCaught) {
  Builder b;
  ValueId x = b.add_array_input(D::kFloat64, b.new_input_symbol());
  ValueId y = b.unary(OpCode::kExp, x);
  ValueId z = b.unary(OpCode::kLog, y);
  b.set_outputs({z});
  Program p = b.finish();
  std::swap(p.body.ops[0], p.body.ops[1]);
  EXPECT_THROW(verify(p), Error);
}

}  // namespace
}  // namespace fuseflow::ir
