// Bounds-checked parallel gather (see gather.h).
#include "fuseflow/kernels/gather.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::kernels {
namespace {

constexpr std::int64_t kChunk = 8192;    // (o, j) items per scheduling unit / interrupt poll
constexpr std::int64_t kPrefetch = 32;   // indices ahead: random rows miss every cache level

// One run of consecutive j for a fixed o: out[j] = x[idx[j]] with items of `row` bytes. The loop
// is kept small (random reads are latency-bound: the fewer instructions per item, the more misses
// the core keeps in flight); items of 1/2/4/8 bytes move as one typed load/store through
// restrict pointers, so no store forces idx or x to be reloaded. Returns the first bad j or m.
template <class E, class I>
std::int64_t gather_run_typed(const E* __restrict xs, E* __restrict os, const I* __restrict idx, std::int64_t j0,
                              std::int64_t j1, std::int64_t len, std::int64_t m) {
  std::int64_t bad = m;
  for (std::int64_t j = j0; j < j1; ++j) {
    if (j + kPrefetch < j1) {
      // A prefetch never faults; the address is formed in integers so a wild index is no UB.
      const auto ahead = static_cast<std::int64_t>(idx[j + kPrefetch]);
      __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(xs) +
                                                       static_cast<std::uintptr_t>(ahead) * sizeof(E)));
    }
    auto i = static_cast<std::int64_t>(idx[j]);
    i += i < 0 ? len : 0;
    if (static_cast<std::uint64_t>(i) >= static_cast<std::uint64_t>(len)) {
      if (bad == m) bad = j;
      continue;
    }
    os[j - j0] = xs[i];
  }
  return bad;
}

template <class I>
std::int64_t gather_run_bytes(const unsigned char* xs, unsigned char* os, const I* idx, std::int64_t j0,
                              std::int64_t j1, std::int64_t len, std::int64_t m, std::size_t row) {
  std::int64_t bad = m;
  for (std::int64_t j = j0; j < j1; ++j) {
    auto i = static_cast<std::int64_t>(idx[j]);
    i += i < 0 ? len : 0;
    if (static_cast<std::uint64_t>(i) >= static_cast<std::uint64_t>(len)) {
      if (bad == m) bad = j;
      continue;
    }
    std::memcpy(os + static_cast<std::size_t>(j - j0) * row, xs + static_cast<std::size_t>(i) * row, row);
  }
  return bad;
}

// Returns the first bad position j (or m when every index is in range). Work is cut into chunks
// of kChunk (o, j) items; inside a chunk, runs of constant o go to the tight loops above.
template <class E, class I>
std::int64_t gather(const unsigned char* x, const AxisView& v, const I* idx, std::int64_t m, unsigned char* out,
                    std::size_t row) {
  const std::int64_t len = v.len;
  const std::int64_t items = v.outer * m;
  const std::int64_t chunks = (items + kChunk - 1) / kChunk;
  std::int64_t first_bad = m;
  const int threads = threads_for(items * static_cast<std::int64_t>(row), std::int64_t{1} << 17);
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(min : first_bad)
  for (std::int64_t c = 0; c < chunks; ++c) {
    if (interrupt.poll()) continue;
    const std::int64_t end = std::min(items, (c + 1) * kChunk);
    for (std::int64_t t = c * kChunk; t < end;) {
      const std::int64_t o = t / m;
      const std::int64_t j0 = t % m;
      const std::int64_t j1 = std::min(m, j0 + (end - t));
      const unsigned char* xo = x + static_cast<std::size_t>(o * len) * row;
      unsigned char* oo = out + static_cast<std::size_t>(t) * row;
      std::int64_t bad;
      if constexpr (std::is_void_v<E>) {
        bad = gather_run_bytes(xo, oo, idx, j0, j1, len, m, row);
      } else {
        bad = gather_run_typed(reinterpret_cast<const E*>(xo), reinterpret_cast<E*>(oo), idx, j0, j1, len, m);
      }
      first_bad = std::min(first_bad, bad);
      t += j1 - j0;
    }
  }
  interrupt.rethrow();
  return first_bad;
}

bool aligned(const void* a, const void* b, std::size_t to) {
  return reinterpret_cast<std::uintptr_t>(a) % to == 0 && reinterpret_cast<std::uintptr_t>(b) % to == 0;
}

}  // namespace

template <class I>
void take(const void* x, AxisView v, std::size_t item_bytes, const I* idx, std::int64_t m, void* out) {
  if (m == 0 || v.outer == 0) return;
  const auto* src = static_cast<const unsigned char*>(x);
  auto* dst = static_cast<unsigned char*>(out);
  const std::size_t row = item_bytes * static_cast<std::size_t>(v.inner);
  std::int64_t bad = m;
  if (row == 0) {
    // Nothing to copy (inner == 0), but the indices are still checked, as NumPy does.
    for (std::int64_t j = 0; j < m && bad == m; ++j) {
      const auto i = static_cast<std::int64_t>(idx[j]);
      if (i < -v.len || i >= v.len) bad = j;
    }
  } else if (row == 8 && aligned(x, out, 8)) {
    bad = gather<std::uint64_t>(src, v, idx, m, dst, row);
  } else if (row == 4 && aligned(x, out, 4)) {
    bad = gather<std::uint32_t>(src, v, idx, m, dst, row);
  } else if (row == 2 && aligned(x, out, 2)) {
    bad = gather<std::uint16_t>(src, v, idx, m, dst, row);
  } else if (row == 1) {
    bad = gather<std::uint8_t>(src, v, idx, m, dst, row);
  } else {
    bad = gather<void>(src, v, idx, m, dst, row);
  }
  if (bad < m) {
    throw Error(ErrorCode::kOutOfRange,
                "idx: index " + std::to_string(static_cast<std::int64_t>(idx[bad])) + " at position " +
                    std::to_string(bad) + " is out of bounds for an axis of size " + std::to_string(v.len) +
                    " (valid: -" + std::to_string(v.len) + " to " + std::to_string(v.len - 1) + ")");
  }
}

template void take<std::int32_t>(const void*, AxisView, std::size_t, const std::int32_t*, std::int64_t, void*);
template void take<std::int64_t>(const void*, AxisView, std::size_t, const std::int64_t*, std::int64_t, void*);

}  // namespace fuseflow::kernels
