// quantile_axis / median_axis against a serial reference on a fully sorted copy, written from
// NumPy's definition (linear method, its lerp with the gamma >= 0.5 branch, its mean for medians).
#include "fuseflow/kernels/quantile.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "fuseflow/core/error.h"

namespace fuseflow::kernels {
namespace {

double reference_quantile(std::vector<double> line, double q) {
  std::sort(line.begin(), line.end());
  const auto n = static_cast<std::int64_t>(line.size());
  const double h = static_cast<double>(n - 1) * q;
  double prev = std::floor(h);
  if (h >= static_cast<double>(n - 1)) prev = -1.0;
  const double gamma = h - prev;
  const std::int64_t lo = prev < 0 ? n - 1 : static_cast<std::int64_t>(prev);
  const std::int64_t hi = prev < 0 ? n - 1 : lo + 1;
  const double a = line[lo];
  const double b = line[hi];
  const double d = b - a;
  return gamma >= 0.5 ? b - d * (1.0 - gamma) : a + d * gamma;
}

TEST(QuantileAxis, LinearMethodOnEveryLineBitwise) {
  const AxisView v{3, 41, 4};
  std::mt19937_64 rng(1);
  std::normal_distribution<double> dist;
  std::vector<double> x(static_cast<std::size_t>(v.size()));
  for (auto& e : x) e = dist(rng);
  const std::vector<double> qs = {0.0, 0.1, 0.25, 0.5, 0.5 + 1e-12, 0.9, 1.0};
  std::vector<double> out(qs.size() * static_cast<std::size_t>(v.lines()));
  quantile_axis<double, double>(x.data(), v, qs.data(), static_cast<std::int64_t>(qs.size()), out.data());
  std::vector<double> med(static_cast<std::size_t>(v.lines()));
  median_axis<double, double>(x.data(), v, med.data());
  for (std::int64_t o = 0; o < v.outer; ++o) {
    for (std::int64_t c = 0; c < v.inner; ++c) {
      std::vector<double> line;
      for (std::int64_t i = 0; i < v.len; ++i) line.push_back(x[(o * v.len + i) * v.inner + c]);
      const std::int64_t l = o * v.inner + c;
      for (std::size_t j = 0; j < qs.size(); ++j) {
        ASSERT_EQ(out[j * v.lines() + l], reference_quantile(line, qs[j])) << "q=" << qs[j];
      }
      std::sort(line.begin(), line.end());
      ASSERT_EQ(med[l], line[v.len / 2]);  // odd length: the middle element
    }
  }
}

TEST(QuantileAxis, ManyQuantilesTakeTheFullSortPath) {
  std::vector<std::int32_t> x(101);
  std::mt19937 rng(3);
  for (auto& e : x) e = static_cast<std::int32_t>(rng() % 1000);
  std::vector<double> qs;
  for (int j = 0; j <= 40; ++j) qs.push_back(j / 40.0);
  std::vector<double> out(qs.size());
  quantile_axis<std::int32_t, double>(x.data(), AxisView{1, 101, 1}, qs.data(), static_cast<std::int64_t>(qs.size()),
                                      out.data());
  const std::vector<double> line(x.begin(), x.end());
  for (std::size_t j = 0; j < qs.size(); ++j) EXPECT_EQ(out[j], reference_quantile(line, qs[j])) << qs[j];
}

TEST(MedianAxis, EvenLengthIsTheMeanOfTheMiddlePairAndNaNPropagates) {
  const std::vector<float> x = {4, 1, 3, 2, 5, 6, std::numeric_limits<float>::quiet_NaN(), 0};
  std::vector<float> out(2);
  median_axis<float, float>(x.data(), AxisView{2, 4, 1}, out.data());
  EXPECT_EQ(out[0], 2.5f);
  EXPECT_TRUE(std::isnan(out[1]));
  std::vector<double> q(2);
  const double half = 0.5;
  quantile_axis<float, double>(x.data(), AxisView{2, 4, 1}, &half, 1, q.data());
  EXPECT_EQ(q[0], 2.5);
  EXPECT_TRUE(std::isnan(q[1]));
}

TEST(QuantileAxis, QOutsideTheUnitIntervalIsAValueError) {
  const std::vector<double> x = {1, 2, 3};
  double out = 0;
  for (const double q : {-0.1, 1.5, std::numeric_limits<double>::quiet_NaN()}) {
    try {
      quantile_axis<double, double>(x.data(), AxisView{1, 3, 1}, &q, 1, &out);
      FAIL() << "no error for q=" << q;
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
      EXPECT_EQ(std::string(e.what()).rfind("q:", 0), 0u) << e.what();
    }
  }
}

}  // namespace
}  // namespace fuseflow::kernels
