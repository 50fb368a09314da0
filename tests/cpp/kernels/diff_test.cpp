// diff(): against repeated serial differences on every axis, wrapping integers, bool as !=.
#include "fuseflow/kernels/diff.h"

#include <gtest/gtest.h>

#include <random>
#include <vector>

#include "fuseflow/core/error.h"

namespace fuseflow::kernels {
namespace {

template <class T>
std::vector<T> serial_diff(std::vector<T> x, AxisView v, std::int64_t n, bool is_bool) {
  for (std::int64_t order = 0; order < n && v.len > 0; ++order) {
    std::vector<T> y(static_cast<std::size_t>(v.outer * (v.len - 1) * v.inner));
    for (std::int64_t o = 0; o < v.outer; ++o) {
      for (std::int64_t i = 0; i + 1 < v.len; ++i) {
        for (std::int64_t k = 0; k < v.inner; ++k) {
          const T a = x[(o * v.len + i) * v.inner + k];
          const T b = x[(o * v.len + i + 1) * v.inner + k];
          y[(o * (v.len - 1) + i) * v.inner + k] = is_bool ? static_cast<T>(a != b) : static_cast<T>(b - a);
        }
      }
    }
    x = std::move(y);
    v.len -= 1;
  }
  return x;
}

TEST(Diff, EveryOrderAndAxisMatchesSerial) {
  std::mt19937_64 rng(1);
  for (const AxisView v : {AxisView{1, 10, 1}, AxisView{3, 6, 4}, AxisView{2, 1, 3}, AxisView{2, 0, 2}}) {
    std::vector<double> x(static_cast<std::size_t>(v.size()));
    for (auto& e : x) e = static_cast<double>(rng() % 100) / 3.0;
    std::vector<std::uint8_t> b(x.size());
    for (auto& e : b) e = static_cast<std::uint8_t>(rng() % 2);
    for (std::int64_t n = 0; n <= 4; ++n) {
      const std::int64_t out_len = std::max<std::int64_t>(v.len - n, 0);
      std::vector<double> y(static_cast<std::size_t>(v.outer * out_len * v.inner));
      ASSERT_EQ(diff<double>(x.data(), y.data(), v, n, false), out_len);
      const auto want = serial_diff(x, v, std::min(n, v.len), false);
      if (out_len > 0) ASSERT_EQ(y, want) << "n=" << n;
      std::vector<std::uint8_t> yb(y.size());
      diff<std::uint8_t>(b.data(), yb.data(), v, n, true);
      if (out_len > 0) ASSERT_EQ(yb, serial_diff(b, v, std::min(n, v.len), true)) << "bool n=" << n;
    }
  }
}

TEST(Diff, IntegersWrapAndNegativeOrderIsAValueError) {
  const std::vector<std::int32_t> x = {2147483647, -2147483647 - 1};
  std::int32_t y = 0;
  diff<std::int32_t>(x.data(), &y, AxisView{1, 2, 1}, 1, false);
  EXPECT_EQ(y, 1);  // INT32_MIN - INT32_MAX wraps to 1, as NumPy
  try {
    diff<std::int32_t>(x.data(), &y, AxisView{1, 2, 1}, -1, false);
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(std::string(e.what()).rfind("n:", 0), 0u) << e.what();
  }
}

}  // namespace
}  // namespace fuseflow::kernels
