// top_k_axis against the first k of a stable descending sort (NaN above +inf, ties to the lower
// index), on the last and a middle axis, and the k rule.
#include "fuseflow/kernels/top_k_axis.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

#include "fuseflow/core/error.h"

namespace fuseflow::kernels {
namespace {

template <class T>
bool ranks_above(T a, T b) {  // a strictly above b in top_k's order
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(b)) return false;
    if (std::isnan(a)) return true;
  }
  return a > b;
}

template <class T>
void check(const AxisView& v, std::int64_t k, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> x(static_cast<std::size_t>(v.size()));
  for (auto& e : x) {
    if constexpr (std::is_floating_point_v<T>) {
      e = rng() % 13 == 0 ? std::numeric_limits<T>::quiet_NaN() : static_cast<T>(static_cast<int>(rng() % 9) - 4);
    } else {
      e = static_cast<T>(rng() % 9);
    }
  }
  std::vector<T> values(static_cast<std::size_t>(v.outer * k * v.inner));
  std::vector<std::int64_t> indices(values.size());
  top_k_axis<T>(x.data(), v, k, values.data(), indices.data());
  for (std::int64_t o = 0; o < v.outer; ++o) {
    for (std::int64_t c = 0; c < v.inner; ++c) {
      const auto at = [&](std::int64_t i) { return (o * v.len + i) * v.inner + c; };
      std::vector<std::int64_t> ref(static_cast<std::size_t>(v.len));
      std::iota(ref.begin(), ref.end(), 0);
      std::stable_sort(ref.begin(), ref.end(), [&](std::int64_t a, std::int64_t b) { return ranks_above(x[at(a)], x[at(b)]); });
      for (std::int64_t j = 0; j < k; ++j) {
        const std::int64_t out = (o * k + j) * v.inner + c;
        ASSERT_EQ(indices[out], ref[j]) << "line " << o << "," << c << " rank " << j;
        const T want = x[at(ref[j])];
        if constexpr (std::is_floating_point_v<T>) {
          ASSERT_TRUE(std::isnan(want) ? std::isnan(values[out]) : values[out] == want);
        } else {
          ASSERT_EQ(values[out], want);
        }
      }
    }
  }
}

TEST(TopKAxis, MatchesAStableDescendingSort) {
  for (const std::int64_t k : {0, 1, 3, 20}) {
    check<double>(AxisView{3, 20, 1}, k, 1);
    check<float>(AxisView{2, 20, 4}, k, 2);
    check<std::int64_t>(AxisView{3, 20, 1}, k, 3);
    check<std::int32_t>(AxisView{1, 20, 3}, k, 4);
    check<std::uint8_t>(AxisView{2, 20, 1}, k, 5);
  }
  check<double>(AxisView{1, 100000, 1}, 10, 6);
}

TEST(TopKAxis, KAboveTheAxisLengthIsAValueError) {
  const std::vector<double> x(5, 1.0);
  std::vector<double> values(6);
  std::vector<std::int64_t> indices(6);
  try {
    top_k_axis<double>(x.data(), AxisView{1, 5, 1}, 6, values.data(), indices.data());
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    EXPECT_EQ(std::string(e.what()).rfind("k:", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace fuseflow::kernels
