// Scans along an axis: the documented block/group order reproduced bitwise by a serial model at
// every block boundary and thread count, the plain serial scan within the recursive-summation
// bound, integers and max/min exact, a non-last axis bitwise equal to the serial scan.
#include "fuseflow/kernels/scan.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "../test_interrupts.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::kernels {
namespace {

template <class T>
std::vector<T> random_values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  std::vector<T> v(n);
  for (T& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// scan.h's contract written out serially: blocks of kScanBlock, groups of 4, carry per block.
template <class T>
std::vector<T> contract_cumsum(const std::vector<T>& x) {
  std::vector<T> y(x.size());
  T carry = T(-0.0);
  const auto n = static_cast<std::int64_t>(x.size());
  for (std::int64_t b = 0; b < n; b += kScanBlock) {
    const std::int64_t end = std::min(n, b + kScanBlock);
    T v = carry;
    T total = T(-0.0);
    std::int64_t i = b;
    for (; i + 4 <= end; i += 4) {
      T s[4];
      s[0] = x[i];
      for (int k = 1; k < 4; ++k) s[k] = s[k - 1] + x[i + k];
      for (int k = 0; k < 4; ++k) y[i + k] = v + s[k];
      v = v + s[3];
      total = total + s[3];
    }
    for (; i < end; ++i) {
      v = v + x[i];
      y[i] = v;
      total = total + x[i];
    }
    carry = carry + total;
  }
  return y;
}

template <class T>
bool bitwise_equal(const std::vector<T>& a, const std::vector<T>& b) {
  return a.size() == b.size() && (a.empty() || std::memcmp(a.data(), b.data(), a.size() * sizeof(T)) == 0);
}

class ScanSizes : public ::testing::TestWithParam<std::int64_t> {
 protected:
  void TearDown() override { set_num_threads(0); }
};

TEST_P(ScanSizes, CumsumFollowsTheBlockContractBitwiseAtAnyThreadCount) {
  const std::int64_t n = GetParam();
  const auto x = random_values<double>(static_cast<std::size_t>(n), 7 + n);
  const auto expected = contract_cumsum(x);
  for (const int threads : {1, 2, 3, 4}) {
    set_num_threads(threads);
    std::vector<double> y(x.size());
    scan<double, double>(ScanOp::kSum, x.data(), y.data(), AxisView{1, n, 1});
    EXPECT_TRUE(bitwise_equal(y, expected)) << "n=" << n << " threads=" << threads;
  }
}

TEST_P(ScanSizes, CumsumWithinTheRecursiveSummationBoundOfTheSerialScan) {
  // |y_i - s_i| <= (i + 1) * eps * sum_{j<=i} |x_j|, s_i the exact prefix (long double here):
  // the bound of any order of i + 1 additions.
  const std::int64_t n = GetParam();
  const auto x = random_values<float>(static_cast<std::size_t>(n), 11 + n);
  std::vector<float> y(x.size());
  scan<float, float>(ScanOp::kSum, x.data(), y.data(), AxisView{1, n, 1});
  long double exact = 0;
  long double abs_sum = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    exact += x[i];
    abs_sum += std::fabs(x[i]);
    const long double bound = (i + 1) * static_cast<long double>(std::numeric_limits<float>::epsilon()) * abs_sum;
    ASSERT_LE(std::fabs(y[i] - exact), bound) << "i=" << i;
  }
}

TEST_P(ScanSizes, IntegerSumsAndMaxMinAreExact) {
  const std::int64_t n = GetParam();
  std::mt19937_64 rng(3 + n);
  std::vector<std::int64_t> xi(static_cast<std::size_t>(n));
  for (auto& v : xi) v = static_cast<std::int64_t>(rng());  // sums overflow: they must wrap
  std::vector<double> xd = random_values<double>(static_cast<std::size_t>(n), 5 + n);
  if (n > 10) xd[n / 2] = std::numeric_limits<double>::quiet_NaN();
  for (const int threads : {1, kMinThreadsForParallelLine, 3}) {
    set_num_threads(threads);
    std::vector<std::int64_t> yi(xi.size());
    scan<std::int64_t, std::int64_t>(ScanOp::kSum, xi.data(), yi.data(), AxisView{1, n, 1});
    std::uint64_t acc = 0;
    for (std::int64_t i = 0; i < n; ++i) {
      acc += static_cast<std::uint64_t>(xi[i]);
      ASSERT_EQ(yi[i], static_cast<std::int64_t>(acc)) << i;
    }
    std::vector<double> ymax(xd.size());
    scan<double, double>(ScanOp::kMax, xd.data(), ymax.data(), AxisView{1, n, 1});
    double running = -std::numeric_limits<double>::infinity();
    for (std::int64_t i = 0; i < n; ++i) {
      running = std::isnan(running) || std::isnan(xd[i]) ? std::numeric_limits<double>::quiet_NaN()
                                                         : std::max(running, xd[i]);
      if (std::isnan(running)) {
        ASSERT_TRUE(std::isnan(ymax[i])) << i;
      } else {
        ASSERT_EQ(ymax[i], running) << i;
      }
    }
  }
}

INSTANTIATE_TEST_SUITE_P(BlockBoundaries, ScanSizes,
                         ::testing::Values(0, 1, 3, 4, 5, kScanBlock - 1, kScanBlock, kScanBlock + 1,
                                           2 * kScanBlock, 3 * kScanBlock + 7,
                                           16 * kScanBlock + 3));  // 3 threads: a short last round

TEST(Scan, NonLastAxisIsTheSerialScanBitwise) {
  const AxisView v{3, 50, 37};
  const auto x = random_values<double>(static_cast<std::size_t>(v.size()), 99);
  std::vector<double> y(x.size());
  std::vector<double> prod(x.size());
  scan<double, double>(ScanOp::kSum, x.data(), y.data(), v);
  scan<double, double>(ScanOp::kProd, x.data(), prod.data(), v);
  for (std::int64_t o = 0; o < v.outer; ++o) {
    for (std::int64_t k = 0; k < v.inner; ++k) {
      double s = 0;
      double p = 1;
      for (std::int64_t i = 0; i < v.len; ++i) {
        const std::int64_t at = (o * v.len + i) * v.inner + k;
        s = i == 0 ? x[at] : s + x[at];
        p = i == 0 ? x[at] : p * x[at];
        ASSERT_EQ(y[at], s);
        ASSERT_EQ(prod[at], p);
      }
    }
  }
}

TEST(Scan, ManyShortRowsAndMixedTypes) {
  const AxisView v{1000, 7, 1};
  std::vector<std::int32_t> x(static_cast<std::size_t>(v.size()));
  for (std::size_t i = 0; i < x.size(); ++i) x[i] = static_cast<std::int32_t>(i * 2654435761u);
  std::vector<std::int64_t> y(x.size());
  scan<std::int32_t, std::int64_t>(ScanOp::kSum, x.data(), y.data(), v);
  for (std::int64_t o = 0; o < v.outer; ++o) {
    std::int64_t s = 0;
    for (std::int64_t i = 0; i < v.len; ++i) {
      s += x[o * v.len + i];
      ASSERT_EQ(y[o * v.len + i], s);
    }
  }
  std::vector<std::int32_t> ymin(x.size());
  scan<std::int32_t, std::int32_t>(ScanOp::kMin, x.data(), ymin.data(), v);
  for (std::int64_t o = 0; o < v.outer; ++o) {
    std::int32_t m = x[o * v.len];
    for (std::int64_t i = 0; i < v.len; ++i) {
      m = std::min(m, x[o * v.len + i]);
      ASSERT_EQ(ymin[o * v.len + i], m);
    }
  }
}

TEST(Scan, NegativeZeroSurvivesAsTheFirstElement) {
  const std::vector<double> x = {-0.0, -0.0, 1.0};
  std::vector<double> y(3);
  scan<double, double>(ScanOp::kSum, x.data(), y.data(), AxisView{1, 3, 1});
  EXPECT_TRUE(std::signbit(y[0]));
  EXPECT_TRUE(std::signbit(y[1]));
  EXPECT_EQ(y[2], 1.0);
}

TEST(Scan, CtrlCStopsALongScan) {
  const std::int64_t n = 8 * kScanBlock;
  std::vector<double> x(static_cast<std::size_t>(n), 1.0);
  std::vector<double> y(x.size());
  testing::expect_interrupted([&] { scan<double, double>(ScanOp::kSum, x.data(), y.data(), AxisView{1, n, 1}); });
}

}  // namespace
}  // namespace fuseflow::kernels
