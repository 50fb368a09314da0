// Array ops along an axis, transpose and take in the IR: text round trip, the type rules (each
// error names the rule), and the executor's AxisStep against serial reference loops.
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

TEST(AxisOps, TextRoundTrips) {
  const std::string text =
      "func @f(%0:i32[n0, n1], %1:i64[n2], %2:~i64) {\n"
      "  %3:i64[n0, n1] = cumsum.axis1 %0\n"
      "  %4:i32[n1, n0] = transpose.p10 %0\n"
      "  %5:i32[n0, n2] = take.axis1 %0, %1\n"
      "  %6:i32[n1] = take.axis0 %0, %2\n"
      "  %7:i64[n0, n1] = argsort.axis0 %0\n"
      "  return %3, %4, %5, %6, %7\n"
      "}\n";
  EXPECT_EQ(ir::print(ir::parse(text)), text);
}

void expect_error(const std::string& text, const std::string& part) {
  try {
    ir::parse(text);
    FAIL() << "expected an error for " << text;
  } catch (const Error& e) {
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

TEST(AxisOps, RulesNameTheProblem) {
  expect_error("func @f(%0:f64[n0, n1]) {\n  %1:f64[n0, n1] = cumsum.axis2 %0\n  return %1\n}\n", "axis 2 is out of range");
  expect_error("func @f(%0:f64[n0, n1]) {\n  %1:f64[n0, n1] = cumsum %0\n  return %1\n}\n", "takes 1 '.'-attributes");
  expect_error("func @f(%0:f64[n0, n1]) {\n  %1:f64[n0, n1] = sort.ax1 %0\n  return %1\n}\n", "takes '.axis<k>'");
  expect_error("func @f(%0:f64[n0, n1]) {\n  %1:f64[n0, n1] = transpose.p00 %0\n  return %1\n}\n", "perm must be a permutation");
  expect_error("func @f(%0:f64[n0, n1], %1:f64[n2]) {\n  %2:f64[n0, n2] = take.axis1 %0, %1\n  return %2\n}\n",
               "must be int32 or int64");
  expect_error("func @f(%0:f64[n0, n1, n2], %1:i64[n3, n4, n5]) {\n  %2:f64[n0, n3, n4, n5, n2] = take.axis1 %0, %1\n  return %2\n}\n",
               "at most 4");
}

Value array2(std::vector<double>& data, std::int64_t rows, std::int64_t cols) {
  Value v = Value::borrowed_array(DType::kFloat64, data.data(), rows * cols, nullptr);
  v.rank = 2;
  v.dims[0] = rows;
  v.dims[1] = cols;
  return v;
}

// cumsum along axis 0 (strictly left to right: bitwise the serial loop), a transpose and a take
// with negative indices, over a shape larger than one block.
TEST(AxisStepExec, MatchesSerialLoops) {
  const std::int64_t R = 37, C = 29;
  Builder b("f");
  const auto r = b.new_input_symbol(), c = b.new_input_symbol(), m = b.new_input_symbol();
  const ValueId x = b.add_shaped_input(DType::kFloat64, {r, c});
  const ValueId idx = b.add_array_input(DType::kInt64, m);
  b.set_outputs({b.axis_op(OpCode::kCumSum, x, 0), b.transpose(x, {1, 0}), b.take(x, idx, 1)});
  auto f = compile(b.finish());
  std::vector<double> xs(static_cast<std::size_t>(R * C));
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = 0.1 * static_cast<double>((i * 7919) % 101) - 3.0;
  std::vector<std::int64_t> is = {-1, 0, 5, -29, 28};
  Value iv = Value::borrowed_array(DType::kInt64, is.data(), static_cast<std::int64_t>(is.size()), nullptr);
  std::vector<Value> out = f->run({array2(xs, R, C), iv});
  ASSERT_EQ(out.size(), 3u);
  const double* cs = out[0].data<double>();
  for (std::int64_t j = 0; j < C; ++j) {
    double acc = 0;
    for (std::int64_t i = 0; i < R; ++i) {
      acc += xs[static_cast<std::size_t>(i * C + j)];
      ASSERT_EQ(cs[i * C + j], acc) << i << "," << j;
    }
  }
  ASSERT_EQ(out[1].dims[0], C);
  ASSERT_EQ(out[1].dims[1], R);
  const double* t = out[1].data<double>();
  for (std::int64_t i = 0; i < R; ++i) {
    for (std::int64_t j = 0; j < C; ++j) ASSERT_EQ(t[j * R + i], xs[static_cast<std::size_t>(i * C + j)]);
  }
  ASSERT_EQ(out[2].length, R * 5);
  const double* g = out[2].data<double>();
  for (std::int64_t i = 0; i < R; ++i) {
    for (std::int64_t k = 0; k < 5; ++k) {
      const std::int64_t col = is[static_cast<std::size_t>(k)] < 0 ? is[static_cast<std::size_t>(k)] + C : is[static_cast<std::size_t>(k)];
      ASSERT_EQ(g[i * 5 + k], xs[static_cast<std::size_t>(i * C + col)]);
    }
  }
  std::vector<std::int64_t> bad = {0, 29};
  Value bv = Value::borrowed_array(DType::kInt64, bad.data(), 2, nullptr);
  try {
    f->run({array2(xs, R, C), bv});
    FAIL() << "expected an IndexError";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
    EXPECT_NE(std::string(e.what()).find("idx: index 29 at position 1"), std::string::npos) << e.what();
  }
}

}  // namespace
}  // namespace fuseflow
