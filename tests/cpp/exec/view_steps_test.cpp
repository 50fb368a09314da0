// dim and slice in the IR: text round trip, the type rules, and the executor's ViewStep against
// serial reference loops (both copy paths: whole rows by memcpy, and the strided last axis),
// plus the run-time check of hand-written bounds.
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
using ir::ValueId;

TEST(ViewOps, TextRoundTrips) {
  const std::string text =
      "func @f(%0:f32[n0, n1], %1:~i64, %2:~i64) {\n"
      "  %3:~i64 = dim.axis1 %0\n"
      "  %4:f32[n0, %1] = slice.axis1 %0, %1, %2, %2\n"
      "  %5:f32[%1, %2] = reshape %0, %1, %2\n"
      "  %6:f32[n0, %1] = concatenate.axis1 %1, %0, %4\n"
      "  %7:f32[n0, %2, n1] = stack.axis1 %2, %0, %0\n"
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

TEST(ViewOps, RulesNameTheProblem) {
  expect_error("func @f(%0:f64[n0, n1]) {\n  %1:~i64 = dim.axis2 %0\n  return %1\n}\n", "axis 2 is out of range");
  expect_error("func @f(%0:f64[n0, n1], %1:f64[n1], %2:~i64) {\n  %3:f64[%2, n1] = concatenate.axis0 %2, %0, %1\n  return %3\n}\n",
               "all axes but axis 0 must match");
  expect_error("func @f(%0:f64[n0, n1], %1:f32[n0, n1], %2:~i64) {\n  %3:f64[%2, n0, n1] = stack.axis0 %2, %0, %1\n  return %3\n}\n",
               "arrays must share one dtype");
  expect_error("func @f(%0:f64[n0], %1:~f64) {\n  %2:f64[%1] = slice.axis0 %0, %1, %1, %1\n  return %2\n}\n",
               "count");
  expect_error("func @f(%0:f64[n0], %1:~i64) {\n  %2:f64[%1] = slice.axis0 %0, %1, %1\n  return %2\n}\n", "slice");
}

Value array2(std::vector<double>& data, std::int64_t rows, std::int64_t cols) {
  Value v = Value::borrowed_array(DType::kFloat64, data.data(), rows * cols, nullptr);
  v.rank = 2;
  v.dims[0] = rows;
  v.dims[1] = cols;
  return v;
}

// x[begin::step] along axis 0 (rows by memcpy) and along axis 1 (strided elements), over a shape
// larger than one block; count, begin and step are program inputs.
TEST(ViewStepExec, MatchesSerialLoops) {
  const std::int64_t R = 41, C = 37;
  Builder b("f");
  const auto r = b.new_input_symbol(), c = b.new_input_symbol();
  const ValueId x = b.add_shaped_input(DType::kFloat64, {r, c});
  const ValueId count = b.add_scalar_input(DType::kInt64, false);
  const ValueId begin = b.add_scalar_input(DType::kInt64, false);
  const ValueId step = b.add_scalar_input(DType::kInt64, false);
  b.set_outputs({b.slice(x, count, begin, step, 0), b.slice(x, count, begin, step, 1), b.dim(x, 1)});
  auto f = compile(b.finish());
  std::vector<double> xs(static_cast<std::size_t>(R * C));
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = 0.5 * static_cast<double>((i * 7919) % 211) - 9.0;
  struct Case { std::int64_t count, begin, step; };
  for (const Case& k : {Case{12, 35, -3}, Case{18, 1, 2}, Case{0, 0, 1}, Case{1, 36, 5}}) {
    std::vector<Value> out = f->run({array2(xs, R, C), Value::of_i64(k.count), Value::of_i64(k.begin), Value::of_i64(k.step)});
    ASSERT_EQ(out.size(), 3u);
    EXPECT_EQ(out[2].as_i64(), C);
    ASSERT_EQ(out[0].length, k.count * C);
    ASSERT_EQ(out[1].length, R * k.count);
    for (std::int64_t j = 0; j < k.count; ++j) {
      const std::int64_t src = k.begin + j * k.step;
      for (std::int64_t i = 0; i < C; ++i) ASSERT_EQ(out[0].data<double>()[j * C + i], xs[static_cast<std::size_t>(src * C + i)]);
      for (std::int64_t i = 0; i < R; ++i) ASSERT_EQ(out[1].data<double>()[i * k.count + j], xs[static_cast<std::size_t>(i * C + src)]);
    }
  }
  // Bounds that leave the axis (hand-written IR: the tracer never makes them) raise IndexError.
  for (const Case& k : {Case{5, 38, 1}, Case{3, 1, -1}, Case{-1, 0, 1}, Case{2, 0, 0}}) {
    try {
      f->run({array2(xs, R, C), Value::of_i64(k.count), Value::of_i64(k.begin), Value::of_i64(k.step)});
      FAIL() << "expected an IndexError for " << k.count << " " << k.begin << " " << k.step;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
      EXPECT_NE(std::string(e.what()).find("do not fit an axis of length"), std::string::npos) << e.what();
    }
  }
}

// reshape copies the elements when the counts agree and is a ValueError naming the shape else.
TEST(ViewStepExec, ReshapeChecksTheElementCount) {
  Builder b("f");
  const auto r = b.new_input_symbol(), c = b.new_input_symbol();
  const ValueId x = b.add_shaped_input(DType::kFloat64, {r, c});
  const ValueId d0 = b.add_scalar_input(DType::kInt64, false);
  const ValueId d1 = b.add_scalar_input(DType::kInt64, false);
  b.set_outputs({b.reshape(x, {d0, d1})});
  auto f = compile(b.finish());
  std::vector<double> xs(12);
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = static_cast<double>(i) - 4.5;
  std::vector<Value> out = f->run({array2(xs, 3, 4), Value::of_i64(6), Value::of_i64(2)});
  ASSERT_EQ(out[0].dims[0], 6);
  ASSERT_EQ(out[0].dims[1], 2);
  for (std::size_t i = 0; i < xs.size(); ++i) ASSERT_EQ(out[0].data<double>()[i], xs[i]);
  for (auto [a, bb] : {std::pair<std::int64_t, std::int64_t>{5, 2}, {-1, -12}, {0, 12}}) {
    try {
      f->run({array2(xs, 3, 4), Value::of_i64(a), Value::of_i64(bb)});
      FAIL() << "expected a ValueError for " << a << ", " << bb;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
      const std::string want = "shape: cannot reshape array of size 12 into shape (" + std::to_string(a) + ", " + std::to_string(bb) + ")";
      EXPECT_NE(std::string(e.what()).find(want), std::string::npos) << e.what();
    }
  }
}

}  // namespace
}  // namespace fuseflow
