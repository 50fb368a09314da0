// n-th discrete difference along an axis.
#include "fuseflow/kernels/diff.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "fuseflow/core/buffer.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::kernels {

template <class T>
void diff_once(const T* x, T* y, AxisView v, bool is_bool) {
  if (v.len <= 1 || v.outer == 0 || v.inner == 0) return;
  // Each outer slab is one contiguous run: y[o, i, :] - a difference of two rows of `inner`
  // elements, so the flat loop over (len - 1) * inner elements vectorises.
  const std::int64_t run = (v.len - 1) * v.inner;
  const int threads = static_cast<int>(std::min<std::int64_t>(threads_for(v.outer * run, std::int64_t{1} << 16), v.outer));
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t o = 0; o < v.outer; ++o) {
    if (interrupt.poll()) continue;
    const T* a = x + o * v.len * v.inner;
    const T* b = a + v.inner;
    T* out = y + o * run;
    if (is_bool) {
      for (std::int64_t j = 0; j < run; ++j) out[j] = static_cast<T>(b[j] != a[j]);
    } else if constexpr (std::is_integral_v<T>) {
      using U = std::make_unsigned_t<T>;
      for (std::int64_t j = 0; j < run; ++j) out[j] = static_cast<T>(static_cast<U>(b[j]) - static_cast<U>(a[j]));
    } else {
      for (std::int64_t j = 0; j < run; ++j) out[j] = b[j] - a[j];
    }
  }
  interrupt.rethrow();
}

template <class T>
std::int64_t diff(const T* x, T* y, AxisView v, std::int64_t n, bool is_bool) {
  if (n < 0) throw_value_error("n", "order must be non-negative, got " + std::to_string(n));
  const std::int64_t out_len = std::max<std::int64_t>(v.len - n, 0);
  if (n == 0) {
    if (v.size() > 0) std::memcpy(y, x, static_cast<std::size_t>(v.size()) * sizeof(T));
    return out_len;
  }
  if (out_len == 0) return 0;
  // Orders below n alternate between two scratch arrays (each order is shorter than the last, so
  // y, sized for order n, cannot hold them); order n lands in y.
  const std::size_t first = static_cast<std::size_t>(v.outer * (v.len - 1) * v.inner);
  Buffer<T> scratch_a(n > 1 ? first : 0);
  Buffer<T> scratch_b(n > 2 ? first : 0);
  const T* src = x;
  AxisView cur = v;
  for (std::int64_t order = 1; order <= n; ++order) {
    T* dst = order == n ? y : (order % 2 == 1 ? scratch_a.data() : scratch_b.data());
    diff_once(src, dst, cur, is_bool);
    src = dst;
    cur.len -= 1;
  }
  return out_len;
}

#define FF_DIFF_INSTANTIATE(T)                                       \
  template void diff_once<T>(const T*, T*, AxisView, bool);          \
  template std::int64_t diff<T>(const T*, T*, AxisView, std::int64_t, bool);
FF_DIFF_INSTANTIATE(std::uint8_t)
FF_DIFF_INSTANTIATE(std::int32_t)
FF_DIFF_INSTANTIATE(std::int64_t)
FF_DIFF_INSTANTIATE(float)
FF_DIFF_INSTANTIATE(double)
#undef FF_DIFF_INSTANTIATE

}  // namespace fuseflow::kernels
