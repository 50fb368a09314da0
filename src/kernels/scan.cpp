// Inclusive scans along an axis (see scan.h for the order of operations).
#include "fuseflow/kernels/scan.h"

#include <omp.h>

#include <algorithm>
#include <limits>
#include <type_traits>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::kernels {
namespace {

// Integer arithmetic wraps modulo 2^bits like NumPy's (through unsigned: no signed-overflow UB).
template <class T>
T wrap_add(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
  } else {
    return a + b;
  }
}
template <class T>
T wrap_mul(T a, T b) {
  if constexpr (std::is_integral_v<T>) {
    using U = std::make_unsigned_t<T>;
    return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
  } else {
    return a * b;
  }
}

template <class T>
struct Sum {
  // -0.0 so that identity + s == s bitwise, also for s == -0.0.
  static T identity() { return std::is_floating_point_v<T> ? T(-0.0) : T(0); }
  static T apply(T a, T b) { return wrap_add(a, b); }
};
template <class T>
struct Prod {
  static T identity() { return T(1); }
  static T apply(T a, T b) { return wrap_mul(a, b); }
};
// NaN propagates (np.maximum / np.minimum): a NaN on either side wins.
template <class T>
struct Max {
  static T identity() {
    return std::is_floating_point_v<T> ? -std::numeric_limits<T>::infinity() : std::numeric_limits<T>::lowest();
  }
  static T apply(T a, T b) { return (a > b || a != a) ? a : b; }
};
template <class T>
struct Min {
  static T identity() {
    return std::is_floating_point_v<T> ? std::numeric_limits<T>::infinity() : std::numeric_limits<T>::max();
  }
  static T apply(T a, T b) { return (a < b || a != a) ? a : b; }
};

// One block of a contiguous line: writes y (when kWrite) from `carry` and returns the block total
// formed from the identity. The write and no-write forms perform the same operations on the
// totals, so pass 1 of the parallel scan reproduces the one-pass totals bitwise.
template <class Op, bool kWrite, class In, class Out>
Out scan_block(const In* x, Out* y, std::int64_t n, Out carry) {
  Out v = carry;
  Out t = Op::identity();
  std::int64_t i = 0;
  for (; i + 4 <= n; i += 4) {
    const Out s0 = static_cast<Out>(x[i]);
    const Out s1 = Op::apply(s0, static_cast<Out>(x[i + 1]));
    const Out s2 = Op::apply(s1, static_cast<Out>(x[i + 2]));
    const Out s3 = Op::apply(s2, static_cast<Out>(x[i + 3]));
    if constexpr (kWrite) {
      y[i] = Op::apply(v, s0);
      y[i + 1] = Op::apply(v, s1);
      y[i + 2] = Op::apply(v, s2);
      y[i + 3] = Op::apply(v, s3);
      v = Op::apply(v, s3);
    }
    t = Op::apply(t, s3);
  }
  for (; i < n; ++i) {
    const Out s = static_cast<Out>(x[i]);
    if constexpr (kWrite) {
      v = Op::apply(v, s);
      y[i] = v;
    }
    t = Op::apply(t, s);
  }
  return t;
}

// A whole contiguous line on the calling thread (polls Ctrl-C between blocks).
template <class Op, class In, class Out>
void scan_line(const In* x, Out* y, std::int64_t n, ParallelInterrupt& interrupt) {
  Out carry = Op::identity();
  for (std::int64_t b = 0; b < n; b += kScanBlock) {
    if (b > 0 && interrupt.poll()) return;
    const std::int64_t count = std::min(kScanBlock, n - b);
    const Out total = scan_block<Op, true>(x + b, y + b, count, carry);
    carry = Op::apply(carry, total);
  }
}

// One long contiguous line with the team, in rounds of one block per member: each member forms
// its block's total (which brings the block into its L2: 256 KB of float64), one member turns the
// round's totals into carries, and each member rescans its block from its carry, now reading from
// cache. The line thus crosses the memory bus once each way, as in the one-thread scan; the old
// form (all totals, then all rescans) read it from memory twice and lost to one thread on 2 cores.
// The blocks and carries are the one-thread path's, so the bits are too.
template <class Op, class In, class Out>
void scan_line_parallel(const In* x, Out* y, std::int64_t n, int threads) {
  const std::int64_t blocks = (n + kScanBlock - 1) / kScanBlock;
  std::vector<Out> totals(static_cast<std::size_t>(threads));
  std::vector<Out> carries(static_cast<std::size_t>(threads));
  Out running = Op::identity();
  ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads)
  {
    const int member = omp_get_thread_num();
    const int team = omp_get_num_threads();
    // Every member runs the same rounds (the barriers need it); an interrupt ends them all at once.
    for (std::int64_t first = 0; first < blocks; first += team) {
      const std::int64_t b = first + member;
      const std::int64_t begin = b * kScanBlock;
      const std::int64_t count = b < blocks ? std::min(kScanBlock, n - begin) : 0;
      if (count > 0) totals[member] = scan_block<Op, false, In, Out>(x + begin, nullptr, count, Op::identity());
#pragma omp barrier
      if (member == 0 && !interrupt.poll()) {
        for (std::int64_t k = 0; k < team && first + k < blocks; ++k) {
          carries[k] = running;
          running = Op::apply(running, totals[k]);
        }
      }
#pragma omp barrier
      if (interrupt.stopped()) break;
      if (count > 0) scan_block<Op, true>(x + begin, y + begin, count, carries[member]);
    }
  }
  interrupt.rethrow();
}

// Non-last axis: columns of width `inner` advance row by row, strictly left to right (vectorises
// across the columns). Work items are (outer, column chunk) pairs.
template <class Op, class In, class Out>
void scan_strided(const In* x, Out* y, const AxisView& v) {
  constexpr std::int64_t kCols = 2048;
  const std::int64_t chunks = (v.inner + kCols - 1) / kCols;
  const std::int64_t items = v.outer * chunks;
  const int threads = static_cast<int>(std::min<std::int64_t>(threads_for(v.size(), std::int64_t{1} << 16), items));
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t item = 0; item < items; ++item) {
    if (interrupt.poll()) continue;
    const std::int64_t o = item / chunks;
    const std::int64_t c0 = (item % chunks) * kCols;
    const std::int64_t width = std::min(kCols, v.inner - c0);
    const In* xo = x + o * v.len * v.inner + c0;
    Out* yo = y + o * v.len * v.inner + c0;
    for (std::int64_t k = 0; k < width; ++k) yo[k] = static_cast<Out>(xo[k]);
    for (std::int64_t i = 1; i < v.len; ++i) {
      const In* xr = xo + i * v.inner;
      Out* yr = yo + i * v.inner;
      const Out* prev = yr - v.inner;
      for (std::int64_t k = 0; k < width; ++k) yr[k] = Op::apply(prev[k], static_cast<Out>(xr[k]));
    }
  }
  interrupt.rethrow();
}

template <class Op, class In, class Out>
void scan_with(const In* x, Out* y, const AxisView& v) {
  if (v.size() == 0) return;
  if (v.inner > 1) {
    scan_strided<Op>(x, y, v);
    return;
  }
  const int threads = threads_for(v.size(), std::int64_t{1} << 17);
  if (threads >= kMinThreadsForParallelLine && v.outer < threads && v.len >= 2 * kScanBlock) {
    for (std::int64_t o = 0; o < v.outer; ++o) scan_line_parallel<Op>(x + o * v.len, y + o * v.len, v.len, threads);
    return;
  }
  ParallelInterrupt interrupt;
  // Never more threads than lines: an idle team member still costs a wake-up and a join.
#pragma omp parallel for num_threads(static_cast<int>(std::min<std::int64_t>(threads, v.outer))) schedule(static)
  for (std::int64_t o = 0; o < v.outer; ++o) {
    if (interrupt.poll()) continue;
    scan_line<Op>(x + o * v.len, y + o * v.len, v.len, interrupt);
  }
  interrupt.rethrow();
}

}  // namespace

template <class In, class Out>
void scan(ScanOp op, const In* x, Out* y, AxisView view) {
  if (view.outer < 0 || view.len < 0 || view.inner < 0) throw_value_error("view", "dimensions must be >= 0");
  switch (op) {
    case ScanOp::kSum: scan_with<Sum<Out>>(x, y, view); return;
    case ScanOp::kProd: scan_with<Prod<Out>>(x, y, view); return;
    case ScanOp::kMax: scan_with<Max<Out>>(x, y, view); return;
    case ScanOp::kMin: scan_with<Min<Out>>(x, y, view); return;
  }
}

// bool arrives as uint8 (0/1): its sum takes int64 (NumPy), its max/min stay uint8.
template void scan(ScanOp, const std::uint8_t*, std::int64_t*, AxisView);
template void scan(ScanOp, const std::uint8_t*, std::uint64_t*, AxisView);
template void scan(ScanOp, const std::int32_t*, std::int64_t*, AxisView);
template void scan(ScanOp, const std::int64_t*, std::int64_t*, AxisView);
template void scan(ScanOp, const float*, float*, AxisView);
template void scan(ScanOp, const double*, double*, AxisView);
template void scan(ScanOp, const std::uint8_t*, std::uint8_t*, AxisView);
template void scan(ScanOp, const std::int32_t*, std::int32_t*, AxisView);

}  // namespace fuseflow::kernels
