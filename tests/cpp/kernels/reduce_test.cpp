// Block reductions: values against long double / serial references, the documented 16-partial
// summation order reproduced bitwise on every compiled SIMD target, NaN and empty-input rules.
#include "fuseflow/kernels/reduce.h"

#include <gtest/gtest.h>
#include <hwy/targets.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

namespace fuseflow::kernels {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

template <class T>
std::vector<T> random_values(std::size_t n, std::uint64_t seed, double lo = -1e3, double hi = 1e3) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// The contract of reduce.h written out serially: partial i % 16, index order, pairwise combine.
template <class T>
double serial_contract_sum(const T* x, const T* y, std::size_t n) {
  double partial[kSumPartials] = {};
  for (std::size_t i = 0; i < n; ++i) {
    const double term = y ? static_cast<double>(x[i]) * static_cast<double>(y[i]) : static_cast<double>(x[i]);
    partial[i % kSumPartials] = partial[i % kSumPartials] + term;
  }
  for (std::size_t width = kSumPartials / 2; width >= 1; width /= 2) {
    for (std::size_t j = 0; j < width; ++j) partial[j] = partial[j] + partial[j + width];
  }
  return partial[0];
}

bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof(double)) == 0; }

const std::vector<std::size_t> kLengths = {0, 1, 2, 3, 7, 8, 15, 16, 17, 31, 33, 100, 4095, 4096, 100003};

// Restores dispatch to the real CPU however the test leaves (other suites share the process).
struct RealTargetsOnExit {
  ~RealTargetsOnExit() { hwy::SetSupportedTargetsForTest(0); }
};

template <class Body>
void for_each_target(Body body) {
  const RealTargetsOnExit restore;
  for (std::int64_t target : hwy::SupportedAndGeneratedTargets()) {
    hwy::SetSupportedTargetsForTest(target);
    SCOPED_TRACE(hwy::TargetName(target));
    body();
  }
}

TEST(KernelsReduce, SumAndDotFollowTheFixedOrderBitwiseOnEveryTarget) {
  for_each_target([] {
    for (std::size_t n : kLengths) {
      const auto x = random_values<double>(n, 1 + n), y = random_values<double>(n, 2 + n);
      ASSERT_TRUE(same_bits(sum(x.data(), n), serial_contract_sum<double>(x.data(), nullptr, n))) << "sum n=" << n;
      ASSERT_TRUE(same_bits(dot(x.data(), y.data(), n), serial_contract_sum(x.data(), y.data(), n))) << "dot n=" << n;
      const auto xf = random_values<float>(n, 3 + n), yf = random_values<float>(n, 4 + n);
      ASSERT_TRUE(same_bits(sum(xf.data(), n), serial_contract_sum<float>(xf.data(), nullptr, n))) << "f32 sum n=" << n;
      ASSERT_TRUE(same_bits(dot(xf.data(), yf.data(), n), serial_contract_sum(xf.data(), yf.data(), n)))
          << "f32 dot n=" << n;
    }
  });
}

// Rows of a matrix with a stride past the row's end (padding between rows), an odd row count so
// that the unpaired last row is covered, and NaN, infinities and signed zeros mixed in.
template <class T>
std::vector<T> rows_with_specials(std::size_t rows, std::size_t stride, std::uint64_t seed) {
  auto v = random_values<T>(rows * stride, seed);
  for (std::size_t k = 0; k < v.size(); k += 37) v[k] = static_cast<T>(k % 3 == 0 ? -0.0 : 0.0);
  if (v.size() > 50) v[50] = std::numeric_limits<T>::quiet_NaN();
  if (v.size() > 90) v[90] = std::numeric_limits<T>::infinity();
  if (v.size() > 91) v[91] = -std::numeric_limits<T>::infinity();
  return v;
}

template <class T>
void check_rows_match_lines(std::size_t n) {
  const std::size_t rows = 7, stride = n + 3;
  const auto x = rows_with_specials<T>(rows, stride, 11 + n);
  std::vector<double> sums(rows), squares(rows);
  std::vector<T> lo(rows), hi(rows);
  sum_rows(x.data(), rows, n, stride, false, sums.data());
  sum_rows(x.data(), rows, n, stride, true, squares.data());
  min_rows(x.data(), rows, n, stride, lo.data());
  max_rows(x.data(), rows, n, stride, hi.data());
  for (std::size_t r = 0; r < rows; ++r) {
    const T* line = x.data() + r * stride;
    ASSERT_TRUE(same_bits(sums[r], sum(line, n))) << "sum row " << r << " n=" << n;
    ASSERT_TRUE(same_bits(squares[r], sum_squares(line, n))) << "sum of squares row " << r << " n=" << n;
    const T lo1 = min(line, n), hi1 = max(line, n);
    ASSERT_EQ(std::memcmp(&lo[r], &lo1, sizeof(T)), 0) << "min row " << r << " n=" << n;
    ASSERT_EQ(std::memcmp(&hi[r], &hi1, sizeof(T)), 0) << "max row " << r << " n=" << n;
  }
}

TEST(KernelsReduce, RowStatisticsAreEachLinesResultBitwiseOnEveryTarget) {
  for_each_target([] {
    for (std::size_t n : kLengths) {
      if (n > 4096) continue;
      check_rows_match_lines<double>(n);
      check_rows_match_lines<float>(n);
    }
  });
  // The single-line sum itself follows the contract, so the rows do too (checked directly once).
  const auto x = random_values<float>(2 * 300, 12);
  double two[2];
  sum_rows(x.data(), 2, 300, 300, false, two);
  EXPECT_TRUE(same_bits(two[0], serial_contract_sum<float>(x.data(), nullptr, 300)));
  EXPECT_TRUE(same_bits(two[1], serial_contract_sum<float>(x.data() + 300, nullptr, 300)));
}

TEST(KernelsReduce, SumAndDotAreAccurate) {
  for (std::size_t n : kLengths) {
    const auto x = random_values<double>(n, 10 + n), y = random_values<double>(n, 20 + n);
    long double exact_sum = 0, exact_dot = 0, abs_sum = 0, abs_dot = 0;
    for (std::size_t i = 0; i < n; ++i) {
      exact_sum += x[i];
      abs_sum += std::fabs(x[i]);
      exact_dot += static_cast<long double>(x[i]) * y[i];
      abs_dot += std::fabs(static_cast<long double>(x[i]) * y[i]);
    }
    // Worst-case bound of recursive summation over n/16 terms plus the 4-level tree.
    const double eps = std::numeric_limits<double>::epsilon();
    const double depth = static_cast<double>(n / kSumPartials + 5);
    EXPECT_LE(std::fabs(sum(x.data(), n) - exact_sum), depth * eps * abs_sum + 1e-300) << "n=" << n;
    EXPECT_LE(std::fabs(dot(x.data(), y.data(), n) - exact_dot), (depth + 1) * eps * abs_dot + 1e-300) << "n=" << n;
  }
}

TEST(KernelsReduce, SumPropagatesNaNAndInfinity) {
  std::vector<double> x(37, 1.0);
  x[20] = kInf;
  EXPECT_EQ(sum(x.data(), x.size()), kInf);
  x[5] = -kInf;
  EXPECT_TRUE(std::isnan(sum(x.data(), x.size())));
  x.assign(37, 1.0);
  x[36] = kNaN;  // in the scalar tail
  EXPECT_TRUE(std::isnan(sum(x.data(), x.size())));
  EXPECT_TRUE(std::isnan(dot(x.data(), x.data(), x.size())));
  EXPECT_EQ(sum(x.data(), 0), 0.0);
  EXPECT_EQ(dot(x.data(), x.data(), 0), 0.0);
}

TEST(KernelsReduce, MinMaxArgMatchSerialOnEveryTarget) {
  for_each_target([] {
    for (std::size_t n : kLengths) {
      if (n == 0) continue;
      auto x = random_values<double>(n, 30 + n, -50, 50);
      for (double& v : x) v = std::round(v);  // many ties: arg* must return the first one
      const auto lo = std::min_element(x.begin(), x.end()), hi = std::max_element(x.begin(), x.end());
      ASSERT_EQ(min(x.data(), n), *lo) << "n=" << n;
      ASSERT_EQ(max(x.data(), n), *hi) << "n=" << n;
      ASSERT_EQ(argmin(x.data(), n), lo - x.begin()) << "n=" << n;
      ASSERT_EQ(argmax(x.data(), n), hi - x.begin()) << "n=" << n;
      const std::vector<float> xf(x.begin(), x.end());
      ASSERT_EQ(min(xf.data(), n), static_cast<float>(*lo)) << "f32 n=" << n;
      ASSERT_EQ(max(xf.data(), n), static_cast<float>(*hi)) << "f32 n=" << n;
      ASSERT_EQ(argmin(xf.data(), n), lo - x.begin()) << "f32 n=" << n;
      ASSERT_EQ(argmax(xf.data(), n), hi - x.begin()) << "f32 n=" << n;
    }
  });
}

// Zeros are ordered -0 < +0 (IEEE 754-2019 minimum / maximum): whatever the order, the lanes and
// the target, a min over -0.0 and +0.0 is -0.0 and a max +0.0. Each case holds both zeros at
// several positions and nothing below (min) or above (max) them; arg* still return the first zero.
TEST(KernelsReduce, MinMaxOrderZerosWhateverTheOrder) {
  for_each_target([] {
    for (std::size_t n : kLengths) {
      if (n < 2) continue;
      for (std::uint64_t seed = 0; seed < 8; ++seed) {
        std::mt19937_64 rng(seed * 977 + n);
        std::vector<double> pos(n), neg(n);
        for (std::size_t i = 0; i < n; ++i) {
          pos[i] = static_cast<double>(rng() % 100 + 1);  // > 0: zeros are the minimum
          neg[i] = -pos[i];                               // < 0: zeros are the maximum
        }
        const std::size_t a = rng() % n, b = (a + 1 + rng() % (n - 1)) % n;  // two distinct slots
        const std::size_t first = std::min(a, b);
        for (auto* x : {&pos, &neg}) {
          (*x)[a] = seed % 2 ? -0.0 : 0.0;
          (*x)[b] = seed % 2 ? 0.0 : -0.0;
        }
        const std::vector<float> pos_f(pos.begin(), pos.end()), neg_f(neg.begin(), neg.end());
        EXPECT_TRUE(same_bits(min(pos.data(), n), -0.0)) << "n=" << n << " seed=" << seed;
        EXPECT_TRUE(same_bits(max(neg.data(), n), 0.0)) << "n=" << n << " seed=" << seed;
        EXPECT_TRUE(std::signbit(min(pos_f.data(), n)) && min(pos_f.data(), n) == 0.0f) << "n=" << n;
        EXPECT_TRUE(!std::signbit(max(neg_f.data(), n)) && max(neg_f.data(), n) == 0.0f) << "n=" << n;
        EXPECT_EQ(argmin(pos.data(), n), static_cast<std::int64_t>(first)) << "n=" << n;
        EXPECT_EQ(argmax(neg.data(), n), static_cast<std::int64_t>(first)) << "n=" << n;
        double rows_out[2];
        const std::vector<double> two = [&] {
          std::vector<double> r(pos);
          r.insert(r.end(), pos.rbegin(), pos.rend());  // the same values in reverse order
          return r;
        }();
        min_rows(two.data(), 2, n, n, rows_out);
        EXPECT_TRUE(same_bits(rows_out[0], -0.0) && same_bits(rows_out[1], -0.0)) << "rows n=" << n;
      }
    }
    // Only one sign of zero: that sign.
    std::vector<double> z(37, 0.0);
    EXPECT_TRUE(same_bits(min(z.data(), z.size()), 0.0));
    std::fill(z.begin(), z.end(), -0.0);
    EXPECT_TRUE(same_bits(max(z.data(), z.size()), -0.0));
  });
}

TEST(KernelsReduce, ReduceExtremeIsOrderFree) {
  const double values[] = {0.0, -0.0, 1.0, -1.0, kInf, -kInf, 5e-324};
  for (double a : values) {
    for (double b : values) {
      for (bool minimum : {true, false}) {
        EXPECT_TRUE(same_bits(reduce_extreme(a, b, minimum), reduce_extreme(b, a, minimum))) << a << " " << b;
      }
    }
  }
  EXPECT_TRUE(same_bits(reduce_extreme(0.0, -0.0, true), -0.0));
  EXPECT_TRUE(same_bits(reduce_extreme(-0.0, 0.0, false), 0.0));
  EXPECT_TRUE(std::isnan(reduce_extreme(kNaN, 1.0, true)));
  EXPECT_TRUE(std::isnan(reduce_extreme(1.0, kNaN, false)));
  EXPECT_EQ(reduce_extreme<std::int64_t>(3, -2, true), -2);
  EXPECT_EQ(reduce_extreme<std::int64_t>(3, -2, false), 3);
}

TEST(KernelsReduce, MinMaxPropagateNaNAndArgReturnsFirstNaN) {
  for_each_target([] {
    for (std::size_t n : {std::size_t{1}, std::size_t{9}, std::size_t{40}, std::size_t{1000}}) {
      for (std::size_t at : {std::size_t{0}, n / 2, n - 1}) {
        auto x = random_values<double>(n, 40 + n);
        x[at] = kNaN;
        if (at + 1 < n) x[n - 1] = kNaN;  // a later NaN must not win
        EXPECT_TRUE(std::isnan(min(x.data(), n))) << "n=" << n << " at=" << at;
        EXPECT_TRUE(std::isnan(max(x.data(), n))) << "n=" << n << " at=" << at;
        EXPECT_EQ(argmin(x.data(), n), static_cast<std::int64_t>(at)) << "n=" << n;
        EXPECT_EQ(argmax(x.data(), n), static_cast<std::int64_t>(at)) << "n=" << n;
        const std::vector<float> xf(x.begin(), x.end());
        EXPECT_TRUE(std::isnan(min(xf.data(), n)));
        EXPECT_EQ(argmax(xf.data(), n), static_cast<std::int64_t>(at));
      }
    }
  });
}

TEST(KernelsReduce, EmptyInputsGiveIdentities) {
  const double* none = nullptr;
  const float* none_f = nullptr;
  EXPECT_EQ(min(none, 0), kInf);
  EXPECT_EQ(max(none, 0), -kInf);
  EXPECT_EQ(min(none_f, 0), std::numeric_limits<float>::infinity());
  EXPECT_EQ(argmin(none, 0), -1);
  EXPECT_EQ(argmax(none_f, 0), -1);
  EXPECT_EQ(sum(none, 0), 0.0);
}

TEST(KernelsReduce, InfinitiesAreOrdinaryExtremes) {
  std::vector<double> x = {3, -kInf, 5, kInf, 2, 7, 1, 0, 4};
  EXPECT_EQ(min(x.data(), x.size()), -kInf);
  EXPECT_EQ(argmin(x.data(), x.size()), 1);
  EXPECT_EQ(max(x.data(), x.size()), kInf);
  EXPECT_EQ(argmax(x.data(), x.size()), 3);
}

// min/max catch a NaN through each lane's running sum; a sum that turns NaN without one (+inf and
// -inf in one lane) must not make the result NaN. 64 elements apart is the same lane of the same
// accumulator on every target (two accumulators of 1 to 16 lanes).
TEST(KernelsReduce, MinMaxNaNProbeHasNoFalsePositives) {
  for_each_target([] {
    for (std::size_t n : {std::size_t{100}, std::size_t{1000}}) {
      std::vector<double> x = random_values<double>(n, 50 + n);
      x[3] = kInf;
      x[3 + 64] = -kInf;
      EXPECT_EQ(max(x.data(), n), kInf) << "n=" << n;
      EXPECT_EQ(min(x.data(), n), -kInf) << "n=" << n;
      std::vector<float> xf(x.begin(), x.end());
      EXPECT_EQ(max(xf.data(), n), std::numeric_limits<float>::infinity()) << "n=" << n;
      EXPECT_EQ(min(xf.data(), n), -std::numeric_limits<float>::infinity()) << "n=" << n;
      x[n - 40] = kNaN;  // a real NaN is still found
      xf[n - 40] = std::numeric_limits<float>::quiet_NaN();
      EXPECT_TRUE(std::isnan(max(x.data(), n))) << "n=" << n;
      EXPECT_TRUE(std::isnan(min(xf.data(), n))) << "n=" << n;
    }
  });
}

}  // namespace
}  // namespace fuseflow::kernels
