// Sorting along an axis (see sort.h). Highway's vqsort does the sorting; this file gathers the
// lines, moves NaNs out of its way and packs (key, index) pairs for the stable argsort.
#include "fuseflow/kernels/sort.h"

#include <hwy/contrib/sort/vqsort.h>

#include <algorithm>
#include <array>
#include <cstring>
#include <limits>
#include <type_traits>

#include "fuseflow/core/buffer.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/kernels/order_key.h"

namespace fuseflow::kernels {
namespace {

// Lines of `view` in parallel: body(sorter, scratch, base offset of the line) with a per-thread
// Sorter and a per-thread scratch buffer the body sizes (freed when the call ends).
template <class Scratch, class Body>
void for_each_line(const AxisView& v, Body&& body) {
  const std::int64_t lines = v.lines();
  // A line of a few elements is cheap: give each thread enough lines to pay for the team.
  // Never more threads than lines: an idle team member still costs a wake-up and a join.
  const int threads = static_cast<int>(std::min<std::int64_t>(threads_for(v.size(), std::int64_t{1} << 14), std::max<std::int64_t>(lines, 1)));
  ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads)
  {
    hwy::Sorter sorter;
    Scratch scratch{};
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t line = 0; line < lines; ++line) {
      if (interrupt.poll()) continue;
      const std::int64_t o = line / v.inner;
      const std::int64_t k = line % v.inner;
      body(sorter, scratch, o * v.len * v.inner + k);
    }
  }
  interrupt.rethrow();
}

// Highway 1.0.3's float vqsort turns +inf into the largest finite value (its padding), so
// floats are sorted as unsigned integers under the order-preserving bijection (negative: flip all
// bits; positive: set the sign bit), in place, then mapped back. -0.0 sorts before +0.0, which
// NumPy's order allows (they compare equal). Elements are only touched through memcpy here; the
// integer view is read by vqsort, which lives in its own library.
template <class T>
void sort_floats_as_bits(hwy::Sorter& sorter, T* data, std::int64_t n) {
  using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
  constexpr Bits kSign = Bits{1} << (sizeof(T) * 8 - 1);
  auto* bits = reinterpret_cast<Bits*>(data);
  for (std::int64_t i = 0; i < n; ++i) {
    Bits b;
    std::memcpy(&b, data + i, sizeof(T));
    b = (b & kSign) ? ~b : (b | kSign);
    std::memcpy(data + i, &b, sizeof(T));
  }
  sorter(bits, static_cast<std::size_t>(n), hwy::SortAscending());
  for (std::int64_t i = 0; i < n; ++i) {
    Bits b;
    std::memcpy(&b, data + i, sizeof(T));
    b = (b & kSign) ? (b & ~kSign) : ~b;
    std::memcpy(data + i, &b, sizeof(T));
  }
}

template <class T>
void sort_line_in_place(hwy::Sorter& sorter, T* data, std::int64_t n) {
  if constexpr (sizeof(T) == 1) {
    std::array<std::int64_t, 256> counts{};
    for (std::int64_t i = 0; i < n; ++i) ++counts[data[i]];
    std::int64_t at = 0;
    for (int value = 0; value < 256; ++value) {
      for (std::int64_t c = 0; c < counts[value]; ++c) data[at++] = static_cast<T>(value);
    }
  } else {
    std::int64_t finite = n;
    if constexpr (std::is_floating_point_v<T>) {
      // NaNs go to the tail in their original order (the sort never sees them: vqsort's order of
      // NaN is not NumPy's).
      std::int64_t nans = 0;
      for (std::int64_t i = 0; i < n; ++i) nans += data[i] != data[i];
      if (nans > 0) {
        Buffer<T> tail(static_cast<std::size_t>(nans));
        std::int64_t front = 0;
        std::int64_t back = 0;
        for (std::int64_t i = 0; i < n; ++i) {
          if (data[i] != data[i]) {
            tail[back++] = data[i];
          } else {
            data[front++] = data[i];
          }
        }
        std::copy(tail.begin(), tail.end(), data + front);
        finite = front;
      }
    }
    if constexpr (std::is_floating_point_v<T>) {
      sort_floats_as_bits(sorter, data, finite);
    } else {
      sorter(data, static_cast<std::size_t>(finite), hwy::SortAscending());
    }
  }
}

}  // namespace

template <class T>
void sort_axis(const T* x, T* y, AxisView v) {
  if (v.size() == 0) return;
  const std::int64_t n = v.len;
  if (v.inner == 1) {
    for_each_line<int>(v, [&](hwy::Sorter& sorter, int&, std::int64_t base) {
      std::copy(x + base, x + base + n, y + base);
      sort_line_in_place(sorter, y + base, n);
    });
    return;
  }
  for_each_line<Buffer<T>>(v, [&](hwy::Sorter& sorter, Buffer<T>& line, std::int64_t base) {
    if (line.size() < static_cast<std::size_t>(n)) line = Buffer<T>(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) line[i] = x[base + i * v.inner];
    sort_line_in_place(sorter, line.data(), n);
    for (std::int64_t i = 0; i < n; ++i) y[base + i * v.inner] = line[i];
  });
}

template <class T>
void argsort_axis(const T* x, std::int64_t* idx, AxisView v) {
  if (v.size() == 0) return;
  const std::int64_t n = v.len;
  const std::int64_t stride = v.inner;
  // 32-bit keys and indices below 2^32 share one uint64 (key high, index low); else 128 bits.
  if (sizeof(OrderKey<T>) == 4 && n <= (std::int64_t{1} << 32)) {
    for_each_line<Buffer<std::uint64_t>>(v, [&](hwy::Sorter& sorter, Buffer<std::uint64_t>& keys, std::int64_t base) {
      if (keys.size() < static_cast<std::size_t>(n)) keys = Buffer<std::uint64_t>(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) {
        keys[i] = (static_cast<std::uint64_t>(order_key(x[base + i * stride])) << 32) | static_cast<std::uint64_t>(i);
      }
      sorter(keys.data(), static_cast<std::size_t>(n), hwy::SortAscending());
      for (std::int64_t i = 0; i < n; ++i) idx[base + i * stride] = static_cast<std::int64_t>(keys[i] & 0xFFFFFFFFu);
    });
    return;
  }
  for_each_line<Buffer<hwy::uint128_t>>(v, [&](hwy::Sorter& sorter, Buffer<hwy::uint128_t>& keys, std::int64_t base) {
    if (keys.size() < static_cast<std::size_t>(n)) keys = Buffer<hwy::uint128_t>(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) {
      keys[i].hi = order_key(x[base + i * stride]);
      keys[i].lo = static_cast<std::uint64_t>(i);
    }
    sorter(keys.data(), static_cast<std::size_t>(n), hwy::SortAscending());
    for (std::int64_t i = 0; i < n; ++i) idx[base + i * stride] = static_cast<std::int64_t>(keys[i].lo);
  });
}

template <class T>
void sort_line(T* data, std::int64_t n) {
  hwy::Sorter sorter;
  sort_line_in_place(sorter, data, n);
}

#define FF_SORT_INSTANTIATE(T)                                        \
  template void sort_axis<T>(const T*, T*, AxisView);                 \
  template void argsort_axis<T>(const T*, std::int64_t*, AxisView);   \
  template void sort_line<T>(T*, std::int64_t);
FF_SORT_INSTANTIATE(std::uint8_t)
FF_SORT_INSTANTIATE(std::int32_t)
FF_SORT_INSTANTIATE(std::int64_t)
FF_SORT_INSTANTIATE(float)
FF_SORT_INSTANTIATE(double)
#undef FF_SORT_INSTANTIATE

}  // namespace fuseflow::kernels
