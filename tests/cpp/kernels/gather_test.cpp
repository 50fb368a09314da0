// take(): against a serial gather for every row width, negative indices, and the IndexError that
// names idx with the first bad position at one and two threads.
#include "fuseflow/kernels/gather.h"

#include <gtest/gtest.h>

#include <complex>
#include <random>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::kernels {
namespace {

class Gather : public ::testing::Test {
 protected:
  void TearDown() override { set_num_threads(0); }
};

template <class T>
void check(const AxisView& v, std::int64_t m, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> x(static_cast<std::size_t>(v.size()));
  for (auto& e : x) e = static_cast<T>(rng() % 1000);
  std::vector<std::int64_t> idx(static_cast<std::size_t>(m));
  for (auto& i : idx) i = static_cast<std::int64_t>(rng() % (2 * v.len)) - v.len;  // [-len, len)
  std::vector<T> out(static_cast<std::size_t>(v.outer * m * v.inner));
  take<std::int64_t>(x.data(), v, sizeof(T), idx.data(), m, out.data());
  for (std::int64_t o = 0; o < v.outer; ++o) {
    for (std::int64_t j = 0; j < m; ++j) {
      const std::int64_t i = idx[j] < 0 ? idx[j] + v.len : idx[j];
      for (std::int64_t k = 0; k < v.inner; ++k) {
        ASSERT_EQ(out[(o * m + j) * v.inner + k], x[(o * v.len + i) * v.inner + k]);
      }
    }
  }
}

TEST_F(Gather, MatchesASerialGather) {
  for (const int threads : {1, 2}) {
    set_num_threads(threads);
    check<double>(AxisView{1, 1000, 1}, 300000, 1);
    check<float>(AxisView{3, 50, 1}, 1000, 2);
    check<std::int16_t>(AxisView{2, 9, 3}, 77, 3);
    check<std::uint8_t>(AxisView{1, 9, 1}, 77, 4);
    check<std::int64_t>(AxisView{4, 17, 5}, 100, 5);
  }
}

TEST_F(Gather, OutOfRangeNamesIdxAndTheFirstBadPosition) {
  std::vector<double> x(10, 1.0);
  std::vector<std::int32_t> idx(200000, 3);
  idx[150000] = 10;
  idx[190000] = -11;
  std::vector<double> out(idx.size());
  for (const int threads : {1, 2}) {
    set_num_threads(threads);
    try {
      take<std::int32_t>(x.data(), AxisView{1, 10, 1}, 8, idx.data(), static_cast<std::int64_t>(idx.size()), out.data());
      FAIL() << "no error";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kOutOfRange);
      const std::string msg = e.what();
      EXPECT_EQ(msg.rfind("idx:", 0), 0u) << msg;
      EXPECT_NE(msg.find("index 10 at position 150000"), std::string::npos) << msg;
    }
  }
}

}  // namespace
}  // namespace fuseflow::kernels
