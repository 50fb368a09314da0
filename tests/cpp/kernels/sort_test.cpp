// sort_axis / argsort_axis against std::stable_sort with NumPy's order (NaN last), on the last and
// on a middle axis, every instantiated type, and the stability of argsort on ties.
#include "fuseflow/kernels/sort.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <limits>
#include <numeric>
#include <random>
#include <vector>

namespace fuseflow::kernels {
namespace {

template <class T>
bool numpy_less(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (std::isnan(a)) return false;
    if (std::isnan(b)) return true;
  }
  return a < b;
}

template <class T>
std::vector<T> values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::vector<T> v(n);
  for (auto& x : v) {
    if constexpr (std::is_floating_point_v<T>) {
      const auto r = rng() % 10;
      constexpr T kInf = std::numeric_limits<T>::infinity();
      x = r == 0 ? std::numeric_limits<T>::quiet_NaN() : r == 1 ? T(-0.0) : r == 2 ? T(0.0)
        : r == 3 ? kInf : r == 4 ? -kInf  // infinities: Highway 1.0.3's float sort mishandles +inf
                 : static_cast<T>(static_cast<int>(rng() % 50) - 25) / T(4);
    } else {
      x = static_cast<T>(rng() % 20);  // many ties
    }
  }
  return v;
}

template <class T>
void check(const AxisView& v, std::uint64_t seed) {
  const auto x = values<T>(static_cast<std::size_t>(v.size()), seed);
  std::vector<T> y(x.size());
  std::vector<std::int64_t> idx(x.size());
  sort_axis<T>(x.data(), y.data(), v);
  argsort_axis<T>(x.data(), idx.data(), v);
  for (std::int64_t o = 0; o < v.outer; ++o) {
    for (std::int64_t k = 0; k < v.inner; ++k) {
      const auto at = [&](std::int64_t i) { return (o * v.len + i) * v.inner + k; };
      std::vector<std::int64_t> ref(static_cast<std::size_t>(v.len));
      std::iota(ref.begin(), ref.end(), 0);
      std::stable_sort(ref.begin(), ref.end(), [&](std::int64_t a, std::int64_t b) { return numpy_less(x[at(a)], x[at(b)]); });
      for (std::int64_t i = 0; i < v.len; ++i) {
        const T want = x[at(ref[i])];
        const T got = y[at(i)];
        if constexpr (std::is_floating_point_v<T>) {
          ASSERT_TRUE(std::isnan(want) ? std::isnan(got) : got == want) << i;
        } else {
          ASSERT_EQ(got, want) << i;
        }
        ASSERT_EQ(idx[at(i)], ref[i]) << "argsort must be stable, position " << i;
      }
    }
  }
}

TEST(SortAxis, EveryTypeLastAndMiddleAxis) {
  for (const AxisView v : {AxisView{1, 1000, 1}, AxisView{4, 33, 1}, AxisView{3, 17, 5}, AxisView{2, 0, 3},
                           AxisView{5, 1, 2}, AxisView{1, 70000, 1}}) {
    check<double>(v, 1);
    check<float>(v, 2);
    check<std::int64_t>(v, 3);
    check<std::int32_t>(v, 4);
    check<std::uint8_t>(v, 5);
  }
}

}  // namespace
}  // namespace fuseflow::kernels
