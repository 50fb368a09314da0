// Bounds-checked parallel gather (see gather.h).
#include "fuseflow/kernels/gather.h"

#include <algorithm>
#include <cstring>
#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::kernels {
namespace {

constexpr std::int64_t kChunk = 8192;     // (o, j) items per scheduling unit / interrupt poll
constexpr std::int64_t kPrefetch = 16;    // indices ahead: random rows miss every cache level

// Copies one item (a row of `inner` elements): typed for the common scalar sizes, memcpy else.
template <class E>
struct TypedRow {
  std::size_t bytes;
  void operator()(const unsigned char* src, unsigned char* dst) const {
    E value;
    std::memcpy(&value, src, sizeof(E));
    std::memcpy(dst, &value, sizeof(E));
  }
};
struct BytesRow {
  std::size_t bytes;
  void operator()(const unsigned char* src, unsigned char* dst) const { std::memcpy(dst, src, bytes); }
};

// Returns the first bad position j (or m when every index is in range).
template <class I, class Copy>
std::int64_t gather(const unsigned char* x, const AxisView& v, const I* idx, std::int64_t m, unsigned char* out,
                    Copy copy) {
  const std::size_t row = copy.bytes;
  const std::int64_t len = v.len;
  const std::int64_t items = v.outer * m;
  const std::int64_t chunks = (items + kChunk - 1) / kChunk;
  std::int64_t first_bad = m;
  const int threads = threads_for(items * static_cast<std::int64_t>(row), std::int64_t{1} << 17);
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(static) reduction(min : first_bad)
  for (std::int64_t c = 0; c < chunks; ++c) {
    if (interrupt.poll()) continue;
    const std::int64_t begin = c * kChunk;
    const std::int64_t end = std::min(items, begin + kChunk);
    std::int64_t o = begin / m;
    std::int64_t j = begin % m;
    const unsigned char* xo = x + static_cast<std::size_t>(o * len) * row;
    for (std::int64_t t = begin; t < end; ++t) {
      if (j + kPrefetch < m) {
        // A prefetch never faults; the address is formed in integers so a wild index is no UB.
        const std::int64_t ahead = static_cast<std::int64_t>(idx[j + kPrefetch]);
        __builtin_prefetch(reinterpret_cast<const void*>(reinterpret_cast<std::uintptr_t>(xo) +
                                                         static_cast<std::uintptr_t>(ahead) * row));
      }
      std::int64_t i = static_cast<std::int64_t>(idx[j]);
      if (i < 0) i += len;
      if (i < 0 || i >= len) {
        first_bad = std::min(first_bad, j);
      } else {
        copy(xo + static_cast<std::size_t>(i) * row, out + static_cast<std::size_t>(t) * row);
      }
      if (++j == m) {
        j = 0;
        ++o;
        xo += static_cast<std::size_t>(len) * row;
      }
    }
  }
  interrupt.rethrow();
  return first_bad;
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
  } else if (row == 8) {
    bad = gather(src, v, idx, m, dst, TypedRow<std::uint64_t>{8});
  } else if (row == 4) {
    bad = gather(src, v, idx, m, dst, TypedRow<std::uint32_t>{4});
  } else if (row == 2) {
    bad = gather(src, v, idx, m, dst, TypedRow<std::uint16_t>{2});
  } else if (row == 1) {
    bad = gather(src, v, idx, m, dst, TypedRow<std::uint8_t>{1});
  } else {
    bad = gather(src, v, idx, m, dst, BytesRow{row});
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
