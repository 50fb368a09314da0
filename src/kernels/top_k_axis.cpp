// top_k along an axis: per line, (descending key, index) pairs are selected with nth_element and
// the k winners sorted; packing both into one unsigned integer makes every comparison one compare.
#include "fuseflow/kernels/top_k_axis.h"

#include <algorithm>
#include <string>

#include "fuseflow/core/buffer.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/kernels/order_key.h"

namespace fuseflow::kernels {
namespace {

struct Wide {  // 64-bit keys: (inverted key, index), ordered lexicographically
  std::uint64_t key;
  std::uint64_t index;
  bool operator<(const Wide& o) const { return key < o.key || (key == o.key && index < o.index); }
};

template <class T, class Packed>
void top_k_lines(const T* x, const AxisView& v, std::int64_t k, T* values, std::int64_t* indices) {
  const std::int64_t n = v.len;
  const std::int64_t lines = v.lines();
  // Never more threads than lines: an idle team member still costs a wake-up and a join.
  const int threads = static_cast<int>(std::min<std::int64_t>(threads_for(v.size(), std::int64_t{1} << 14), lines));
  ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads)
  {
    Buffer<Packed> keys(static_cast<std::size_t>(n));
#pragma omp for schedule(dynamic, 16)
    for (std::int64_t line = 0; line < lines; ++line) {
      if (interrupt.poll()) continue;
      const std::int64_t o = line / v.inner;
      const std::int64_t c = line % v.inner;
      const T* in = x + o * n * v.inner + c;
      // Inverted keys: ascending packed order = descending value, then ascending index.
      for (std::int64_t i = 0; i < n; ++i) {
        const auto inverted = static_cast<std::uint64_t>(static_cast<OrderKey<T>>(~order_key(in[i * v.inner])));
        if constexpr (sizeof(Packed) == 8) {
          keys[i] = (inverted << 32) | static_cast<std::uint64_t>(i);
        } else {
          keys[i] = Wide{inverted, static_cast<std::uint64_t>(i)};
        }
      }
      if (k < n) std::nth_element(keys.begin(), keys.begin() + k, keys.end());
      std::sort(keys.begin(), keys.begin() + k);
      T* out_v = values + o * k * v.inner + c;
      std::int64_t* out_i = indices + o * k * v.inner + c;
      for (std::int64_t j = 0; j < k; ++j) {
        std::int64_t pos;
        if constexpr (sizeof(Packed) == 8) {
          pos = static_cast<std::int64_t>(keys[j] & 0xFFFFFFFFu);
        } else {
          pos = static_cast<std::int64_t>(keys[j].index);
        }
        out_i[j * v.inner] = pos;
        out_v[j * v.inner] = in[pos * v.inner];
      }
    }
  }
  interrupt.rethrow();
}

}  // namespace

template <class T>
void top_k_axis(const T* x, AxisView v, std::int64_t k, T* values, std::int64_t* indices) {
  if (k < 0 || k > v.len) {
    throw_value_error("k", "must be in [0, " + std::to_string(v.len) + "] (the axis length), got " + std::to_string(k));
  }
  if (v.lines() == 0 || k == 0) return;
  if (sizeof(OrderKey<T>) == 4 && v.len <= (std::int64_t{1} << 32)) {
    top_k_lines<T, std::uint64_t>(x, v, k, values, indices);
  } else {
    top_k_lines<T, Wide>(x, v, k, values, indices);
  }
}

template void top_k_axis<std::uint8_t>(const std::uint8_t*, AxisView, std::int64_t, std::uint8_t*, std::int64_t*);
template void top_k_axis<std::int32_t>(const std::int32_t*, AxisView, std::int64_t, std::int32_t*, std::int64_t*);
template void top_k_axis<std::int64_t>(const std::int64_t*, AxisView, std::int64_t, std::int64_t*, std::int64_t*);
template void top_k_axis<float>(const float*, AxisView, std::int64_t, float*, std::int64_t*);
template void top_k_axis<double>(const double*, AxisView, std::int64_t, double*, std::int64_t*);

}  // namespace fuseflow::kernels
