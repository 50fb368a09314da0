// N-d arrays: the IR's shapes (text, builder broadcasting, verifier rules) and the executor's
// strided broadcast reads, checked against a serial reference loop over the broadcast indices.
#include <gtest/gtest.h>

#include <cstdint>
#include <string>
#include <vector>

#include "fuseflow/api/compiled.h"
#include "fuseflow/core/error.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/text.h"

namespace fuseflow {
namespace {

using exec::DType;
using ir::Builder;
using ir::OpCode;
using ir::ValueId;

TEST(NdShapes, TextRoundTripsAndOneDimensionalPrintsAsBefore) {
  const std::string text =
      "func @f(%0:f32[n0, 1, n1], %1:f32[n1], %2:f64[n2]) {\n"
      "  %3:f32[n0, 1, n1] = broadcast_to %1\n"
      "  %4:f32[n0, 1, n1] = add %0, %3\n"
      "  %5:f64[n2] = exp %2\n"
      "  return %4, %5\n"
      "}\n";
  EXPECT_EQ(ir::print(ir::parse(text)), text);
}

TEST(NdShapes, TextWithoutBroadcastToIsRejected) {
  const std::string text =
      "func @f(%0:f64[n0, n1], %1:f64[n1]) {\n"
      "  %2:f64[n0, n1] = add %0, %1\n"
      "  return %2\n"
      "}\n";
  try {
    ir::parse(text);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find("broadcast_to"), std::string::npos) << e.what();
  }
}

TEST(NdShapes, BuilderBroadcastsBothOperandsToTheOuterShape) {
  Builder b("f");
  const auto n0 = b.new_input_symbol();
  const auto n1 = b.new_input_symbol();
  const auto one = b.one_symbol();
  const ValueId col = b.add_shaped_input(DType::kFloat64, {n0, one});
  const ValueId row = b.add_shaped_input(DType::kFloat64, {one, n1});
  const ValueId r = b.binary(OpCode::kMul, col, row);
  const ir::Type& t = b.type(r);
  ASSERT_EQ(t.rank, 2);
  EXPECT_EQ(t.dims[0], n0);
  EXPECT_EQ(t.dims[1], n1);
  int broadcasts = 0;
  for (const ir::Op& op : b.program().body.ops) broadcasts += op.code == OpCode::kBroadcastTo;
  EXPECT_EQ(broadcasts, 2);
}

TEST(NdShapes, MismatchedAxesNameBothShapes) {
  Builder b("f");
  const ValueId x = b.add_shaped_input(DType::kFloat64, {b.new_input_symbol(), b.new_input_symbol()});
  const ValueId y = b.add_array_input(DType::kFloat64, b.new_input_symbol());
  try {
    b.binary(OpCode::kAdd, x, y);
    FAIL() << "expected an error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    EXPECT_NE(std::string(e.what()).find("[n0, n1]"), std::string::npos) << e.what();
    EXPECT_NE(std::string(e.what()).find("do not broadcast"), std::string::npos) << e.what();
  }
}

Value shaped(std::vector<double>& data, std::vector<std::int64_t> dims) {
  Value v = Value::borrowed_array(DType::kFloat64, data.data(), static_cast<std::int64_t>(data.size()), nullptr);
  if (dims.size() > 1) {
    v.rank = static_cast<std::uint8_t>(dims.size());
    for (std::size_t k = 0; k < dims.size(); ++k) v.dims[k] = dims[k];
  }
  return v;
}

// (A, 1, C) * (B, 1) - (C,) over several blocks (A*B*C = 7*13*37 > 3 blocks of 256), compared
// with the same arithmetic on explicitly indexed elements.
TEST(NdBroadcastExec, StridedReadsMatchSerialIndexing) {
  const std::int64_t A = 7, B = 13, C = 37;
  Builder b("f");
  const auto a = b.new_input_symbol(), bb = b.new_input_symbol(), c = b.new_input_symbol();
  const auto one = b.one_symbol();
  const ValueId x = b.add_shaped_input(DType::kFloat64, {a, one, c});
  const ValueId y = b.add_shaped_input(DType::kFloat64, {bb, one});
  const ValueId z = b.add_array_input(DType::kFloat64, c);
  b.set_outputs({b.binary(OpCode::kSub, b.binary(OpCode::kMul, x, y), z)});
  auto f = compile(b.finish());
  std::vector<double> xs(static_cast<std::size_t>(A * C)), ys(static_cast<std::size_t>(B)), zs(static_cast<std::size_t>(C));
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = 0.5 + static_cast<double>(i) * 0.25;
  for (std::size_t i = 0; i < ys.size(); ++i) ys[i] = -3.0 + static_cast<double>(i);
  for (std::size_t i = 0; i < zs.size(); ++i) zs[i] = static_cast<double>(i * i) / 7.0;
  std::vector<Value> out = f->run({shaped(xs, {A, 1, C}), shaped(ys, {B, 1}), shaped(zs, {C})});
  ASSERT_EQ(out.size(), 1u);
  ASSERT_EQ(out[0].rank, 3);
  EXPECT_EQ(out[0].dims[0], A);
  EXPECT_EQ(out[0].dims[1], B);
  EXPECT_EQ(out[0].dims[2], C);
  ASSERT_EQ(out[0].length, A * B * C);
  const double* r = out[0].data<double>();
  for (std::int64_t i = 0; i < A; ++i) {
    for (std::int64_t j = 0; j < B; ++j) {
      for (std::int64_t k = 0; k < C; ++k) {
        const double want = xs[static_cast<std::size_t>(i * C + k)] * ys[static_cast<std::size_t>(j)] - zs[static_cast<std::size_t>(k)];
        ASSERT_EQ(r[(i * B + j) * C + k], want) << i << "," << j << "," << k;
      }
    }
  }
  // A later call with another size of the same axis must agree with its own trace's symbols.
  std::vector<double> z2(5, 0.0);
  EXPECT_THROW(f->run({shaped(xs, {A, 1, C}), shaped(ys, {B, 1}), shaped(z2, {5})}), Error);
}

}  // namespace
}  // namespace fuseflow
