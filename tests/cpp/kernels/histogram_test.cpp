// bincount / histogram against serial counting, at one and two threads, and their rules.
#include "fuseflow/kernels/histogram.h"

#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::kernels {
namespace {

class Histogram : public ::testing::Test {
 protected:
  void TearDown() override { set_num_threads(0); }
};

TEST_F(Histogram, BincountCountsAndWeightedSumsMatchSerial) {
  std::mt19937_64 rng(1);
  std::vector<std::int32_t> x(300000);
  std::vector<double> w(x.size());
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = static_cast<std::int32_t>(rng() % 97);
    w[i] = static_cast<double>(rng() % 1000) / 7.0;
  }
  const auto n = static_cast<std::int64_t>(x.size());
  ASSERT_EQ(bincount_max(x.data(), n), 96);
  std::vector<std::int64_t> counts(100, 0);
  std::vector<double> sums(100, 0.0);
  for (std::size_t i = 0; i < x.size(); ++i) {
    ++counts[x[i]];
    sums[x[i]] += w[i];
  }
  for (const int threads : {1, 2}) {
    set_num_threads(threads);
    const auto got = bincount(x.data(), n, 100);
    const auto got_w = bincount_weighted(x.data(), w.data(), n, 100);
    for (int b = 0; b < 100; ++b) {
      ASSERT_EQ(got[b], counts[b]) << b;
      ASSERT_EQ(got_w[b], sums[b]) << b;  // index order: bitwise
    }
  }
}

TEST_F(Histogram, NegativeValuesNameXAndTheFirstPosition) {
  const std::vector<std::int64_t> x = {1, 2, -3, 4, -5};
  try {
    bincount_max(x.data(), 5);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    const std::string msg = e.what();
    EXPECT_EQ(msg.rfind("x:", 0), 0u) << msg;
    EXPECT_NE(msg.find("-3 at position 2"), std::string::npos) << msg;
  }
}

TEST_F(Histogram, UniformBinsAgreeWithTheEdgesTheyReport) {
  // The kernel's bin must be the edge interval the value lies in: edges[b] <= v < edges[b+1],
  // the last bin closed; values outside and NaN dropped.
  const std::int64_t nbins = 7;
  std::vector<double> edges(nbins + 1);
  for (std::int64_t i = 0; i <= nbins; ++i) edges[i] = -1.0 + 2.0 * static_cast<double>(i) / nbins;
  edges[nbins] = 1.0;
  std::vector<double> x = {-1.0, 1.0, 2.0, -2.0, std::numeric_limits<double>::quiet_NaN()};
  for (std::int64_t i = 0; i <= nbins; ++i) x.push_back(edges[i]);
  std::mt19937_64 rng(2);
  std::uniform_real_distribution<double> dist(-1.2, 1.2);
  for (int i = 0; i < 10000; ++i) x.push_back(dist(rng));
  std::vector<std::int64_t> want(nbins, 0);
  for (const double v : x) {
    if (!(v >= -1.0 && v <= 1.0)) continue;
    std::int64_t b = nbins - 1;
    for (std::int64_t i = 0; i < nbins; ++i) {
      if (v >= edges[i] && v < edges[i + 1]) {
        b = i;
        break;
      }
    }
    ++want[b];
  }
  const auto got = histogram_uniform<double, double>(x.data(), static_cast<std::int64_t>(x.size()), edges.data(), nbins,
                                                     2.0, false);
  const auto got_edges = histogram_edges<double>(x.data(), static_cast<std::int64_t>(x.size()), edges.data(), nbins);
  for (std::int64_t b = 0; b < nbins; ++b) {
    EXPECT_EQ(got[b], want[b]) << b;
    EXPECT_EQ(got_edges[b], want[b]) << b;
  }
}

TEST_F(Histogram, DecreasingEdgesAreAValueErrorNamingBins) {
  const std::vector<double> x = {1.0};
  const std::vector<double> edges = {0.0, 2.0, 1.0};
  try {
    histogram_edges<double>(x.data(), 1, edges.data(), 2);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("bins:", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace fuseflow::kernels
