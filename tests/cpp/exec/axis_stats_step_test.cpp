// The array statistics in the IR (axis_len, diff, top_k, median, quantile, bincount, histogram):
// text round trip, the type rules (each error names the rule), and the executor's steps against
// serial reference loops and their run-time argument errors.
#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdint>
#include <functional>
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

TEST(ArrayStats, TextRoundTrips) {
  const std::string text =
      "func @f(%0:f64[n0, n1], %1:~i64, %2:f64[n2], %3:i64[n3], %4:f64[n3], %5:f64, %6:f64) {\n"
      "  %7:i64 = axis_len.axis1 %0\n"
      "  %8:f64[n0, %7] = diff.axis1 %0, %7\n"
      "  %9:f64[%1, n1] = top_k.axis0 %0, %1\n"
      "  %10:i64[%1, n1] = top_k_indices.axis0 %0, %1\n"
      "  %11:f64[n0, 1] = median.axis1.keep %0\n"
      "  %12:f64[n2, n1] = quantile.axis0 %0, %2\n"
      "  %13:f64[%1] = bincount.axis0 %3, %1, %4\n"
      "  %14:i64[%1] = histogram.axis0 %4, %1, %5, %6\n"
      "  %15:f64[%1] = histogram_edges.axis0 %4, %1, %5, %6\n"
      "  %16:i64[%1] = histogram_bins.axis0 %4, %2, %1\n"
      "  %17:f64 = median.axis0.all %0\n"
      "  %18:f64[n2, 1, 1] = quantile.axis0.all.keep %0, %2\n"
      "  %19:i64[%1] = histogram.axis0 %0, %1, %5, %6\n"
      "  return %8, %9, %10, %11, %12, %13, %14, %15, %16, %17, %18, %19\n"
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

TEST(ArrayStats, RulesNameTheProblem) {
  expect_error("func @f(%0:f64[n0, n1], %1:i64) {\n  %2:f64[n0, %1] = diff.axis2 %0, %1\n  return %2\n}\n", "axis 2 is out of range");
  expect_error("func @f(%0:f64[n0, n1]) {\n  %1:f64 = median.axis1.all %0\n  return %1\n}\n", "every axis has axis 0");
  expect_error("func @f(%0:f64[n0, n1]) {\n  %1:f64 = median.axis0.keep.all %0\n  return %1\n}\n", "'.'-attributes");
  expect_error("func @f(%0:f64[n0, n1], %1:f64) {\n  %2:f64[n0, %1] = top_k.axis1 %0, %1\n  return %2\n}\n", "count");
  expect_error("func @f(%0:bool[n0]) {\n  %1:f64 = quantile.axis0 %0, %0\n  return %1\n}\n", "quantile of bool");
  expect_error("func @f(%0:f64[n0], %1:i64) {\n  %2:f64 = quantile.axis0 %0, %1\n  return %2\n}\n", "must be float");
  expect_error("func @f(%0:f64[n0], %1:i64) {\n  %2:i64[%1] = bincount.axis0 %0, %1\n  return %2\n}\n", "integer operand");
  expect_error("func @f(%0:i64[n0, n1], %1:i64) {\n  %2:i64[%1] = bincount.axis0 %0, %1\n  return %2\n}\n", "1-D operand");
  expect_error("func @f(%0:i64[n0], %1:i64, %2:f64[n1]) {\n  %3:f64[%1] = bincount.axis0 %0, %1, %2\n  return %3\n}\n",
               "of the operand's length");
  expect_error("func @f(%0:f64[n0], %1:i64, %2:i64) {\n  %3:i64[%1] = histogram.axis0 %0, %1, %2, %2\n  return %3\n}\n",
               "range bounds must be float64");
}

Value array2(std::vector<double>& data, std::int64_t rows, std::int64_t cols) {
  Value v = Value::borrowed_array(DType::kFloat64, data.data(), rows * cols, nullptr);
  v.rank = 2;
  v.dims[0] = rows;
  v.dims[1] = cols;
  return v;
}

void expect_value_error(const std::function<void()>& f, const std::string& part) {
  try {
    f();
    FAIL() << "expected a ValueError with " << part;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << e.what();
    EXPECT_NE(std::string(e.what()).find(part), std::string::npos) << e.what();
  }
}

// diff (n = 2 along axis 1), top_k (k = 3 along axis 0) and median along axis 1 against serial
// loops over a (R, C) array larger than one block.
TEST(ArrayStatsExec, MatchesSerialLoops) {
  const std::int64_t R = 37, C = 29;
  Builder b("f");
  const auto r = b.new_input_symbol(), c = b.new_input_symbol();
  const ValueId x = b.add_shaped_input(DType::kFloat64, {r, c});
  const ValueId k = b.add_scalar_input(DType::kInt64, false);
  const ValueId len = b.array_stat(OpCode::kAxisLen, {x}, 1, false);
  const ValueId count = b.binary(OpCode::kSub, len, b.constant_int(2));
  b.set_outputs({b.array_stat(OpCode::kDiff, {x, count}, 1, false), b.array_stat(OpCode::kTopK, {x, k}, 0, false),
                 b.array_stat(OpCode::kTopKIndices, {x, k}, 0, false), b.array_stat(OpCode::kMedian, {x}, 1, false)});
  auto f = compile(b.finish());
  std::vector<double> xs(static_cast<std::size_t>(R * C));
  for (std::size_t i = 0; i < xs.size(); ++i) xs[i] = 0.1 * static_cast<double>((i * 7919) % 101) - 3.0;
  auto at = [&](std::int64_t i, std::int64_t j) { return xs[static_cast<std::size_t>(i * C + j)]; };
  std::vector<Value> out = f->run({array2(xs, R, C), Value::of_i64(3)});
  ASSERT_EQ(out.size(), 4u);
  ASSERT_EQ(out[0].dims[1], C - 2);
  const double* d = out[0].data<double>();
  for (std::int64_t i = 0; i < R; ++i) {
    for (std::int64_t j = 0; j < C - 2; ++j) {
      ASSERT_EQ(d[i * (C - 2) + j], (at(i, j + 2) - at(i, j + 1)) - (at(i, j + 1) - at(i, j))) << i << "," << j;
    }
  }
  ASSERT_EQ(out[1].dims[0], 3);
  const double* tv = out[1].data<double>();
  const std::int64_t* ti = out[2].data<std::int64_t>();
  for (std::int64_t j = 0; j < C; ++j) {
    std::vector<std::int64_t> order(static_cast<std::size_t>(R));
    for (std::int64_t i = 0; i < R; ++i) order[static_cast<std::size_t>(i)] = i;
    std::stable_sort(order.begin(), order.end(), [&](std::int64_t a, std::int64_t b2) { return at(a, j) > at(b2, j); });
    for (std::int64_t q = 0; q < 3; ++q) {
      ASSERT_EQ(ti[q * C + j], order[static_cast<std::size_t>(q)]) << q << "," << j;
      ASSERT_EQ(tv[q * C + j], at(order[static_cast<std::size_t>(q)], j));
    }
  }
  const double* med = out[3].data<double>();
  for (std::int64_t i = 0; i < R; ++i) {
    std::vector<double> line(xs.begin() + i * C, xs.begin() + (i + 1) * C);
    std::sort(line.begin(), line.end());
    ASSERT_EQ(med[i], line[static_cast<std::size_t>(C / 2)]) << i;  // C odd: the middle element
  }
  expect_value_error([&] { f->run({array2(xs, R, C), Value::of_i64(R + 1)}); }, "k: must be in [0, 37]");
}

// bincount with a fixed length and histogram with equal bins against serial counts, and their
// run-time errors naming x / range.
TEST(ArrayStatsExec, CountsMatchSerialLoops) {
  Builder b("f");
  const auto n = b.new_input_symbol(), m = b.new_input_symbol();
  const ValueId x = b.add_array_input(DType::kInt64, n);
  const ValueId y = b.add_array_input(DType::kFloat64, m);
  const ValueId lo = b.add_scalar_input(DType::kFloat64, false);
  const ValueId hi = b.add_scalar_input(DType::kFloat64, false);
  const ValueId bins = b.constant_int(4);
  b.set_outputs({b.array_stat(OpCode::kBinCount, {x, b.constant_int(6)}, 0, false),
                 b.array_stat(OpCode::kHistogram, {y, bins, lo, hi}, 0, false)});
  auto f = compile(b.finish());
  std::vector<std::int64_t> xs = {0, 5, 5, 2, 0, 0};
  std::vector<double> ys = {0.0, 0.5, 1.0, 1.99, 2.0, 3.5, 4.0, 4.5, -0.1, NAN};
  auto run = [&](std::vector<std::int64_t>& xv, double a, double z) {
    return f->run({Value::borrowed_array(DType::kInt64, xv.data(), static_cast<std::int64_t>(xv.size()), nullptr),
                   Value::borrowed_array(DType::kFloat64, ys.data(), static_cast<std::int64_t>(ys.size()), nullptr),
                   Value::of_f64(a), Value::of_f64(z)});
  };
  std::vector<Value> out = run(xs, 0.0, 4.0);
  const std::int64_t* counts = out[0].data<std::int64_t>();
  const std::vector<std::int64_t> want = {3, 0, 1, 0, 0, 2};
  for (std::size_t v = 0; v < want.size(); ++v) EXPECT_EQ(counts[v], want[v]) << v;
  const std::int64_t* h = out[1].data<std::int64_t>();
  const std::vector<std::int64_t> hw = {2, 2, 1, 2};  // [0,1) [1,2) [2,3) [3,4]; -0.1, 4.5, NaN dropped
  for (std::size_t i = 0; i < hw.size(); ++i) EXPECT_EQ(h[i], hw[i]) << i;
  std::vector<std::int64_t> big = {0, 6};
  expect_value_error([&] { run(big, 0.0, 4.0); }, "x: holds the value 6, outside the 6 bins");
  expect_value_error([&] { run(xs, 4.0, 0.0); }, "range: max must be larger than min");
  expect_value_error([&] { run(xs, 0.0, INFINITY); }, "range: supplied range of");
}

}  // namespace
}  // namespace fuseflow
