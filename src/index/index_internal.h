// Helpers shared by the EmbeddingIndex source files (storage, search, prefiltered search,
// persistence); private to src/index.
#pragma once

#include <sys/mman.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <string>
#include <vector>

#include "fuseflow/core/buffer.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/index/embedding_index.h"
#include "fuseflow/kernels/similarity.h"
#include "fuseflow/kernels/topk_select.h"

namespace fuseflow::index_detail {

using kernels::ScoredId;
using kernels::TopKHeap;

// Database rows scored per kernel call on the single-query path: 2 KB of scores in L1.
inline constexpr std::int64_t kScanBlockRows = 512;
// Rows per block on the batch path: 64 rows x 4 KB (dim 1024) stay in L2 while every query
// tile of the batch sweeps them.
inline constexpr std::int64_t kTileBlockRows = 64;
// A thread is worth waking for 64K floats (256 KB) of rows: ~10 us of streaming.
inline constexpr std::int64_t kMinFloatsPerThread = 1 << 16;
// The batch prefilter keeps one upper bound per (query, row): at most 64 MB of them.
inline constexpr std::int64_t kMaxBatchBoundEntries = std::int64_t{1} << 24;
// Int8 rounding error per value, in units of the scale: 1/2, plus room for the rounding of x/s.
inline constexpr double kQuantHalfStep = 0.5 + 1e-4;

inline std::int64_t round_up_stride(std::int64_t dim) {
  const auto m = static_cast<std::int64_t>(kernels::kSimilarityLengthMultiple);
  return (dim + m - 1) / m * m;
}

// Scans stream through the whole store: with 4 KB pages every 4 KB row costs a TLB miss, which
// measured ~2x below the streaming bandwidth huge pages give (THP here is "madvise" mode). The
// advice must precede the first touch; the ends that are not 2 MB aligned keep small pages.
template <class T>
void advise_huge_pages(Buffer<T>& buffer) {
  constexpr std::uintptr_t kHuge = std::uintptr_t{2} << 20;
  const auto begin = reinterpret_cast<std::uintptr_t>(buffer.data());
  const std::uintptr_t end = begin + buffer.size() * sizeof(T);
  const std::uintptr_t first = (begin + kHuge - 1) & ~(kHuge - 1);
  const std::uintptr_t last = end & ~(kHuge - 1);
  if (last > first) ::madvise(reinterpret_cast<void*>(first), last - first, MADV_HUGEPAGE);  // advice only
}

// Bytes as text for messages: "1.5 GiB".
inline std::string fmt_bytes(double bytes) {
  static const char* units[] = {"bytes", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB"};
  int u = 0;
  while (bytes >= 1024.0 && u < 6) bytes /= 1024.0, ++u;
  char text[48];
  std::snprintf(text, sizeof text, u == 0 ? "%.0f %s" : "%.1f %s", bytes, units[u]);
  return text;
}

// a * b elements for `what`, or MemoryError when the product leaves int64 (never wraps).
inline std::int64_t checked_count(std::int64_t a, std::int64_t b, const std::string& what) {
  std::int64_t product = 0;
  if (a < 0 || b < 0 || __builtin_mul_overflow(a, b, &product)) {
    throw Error(ErrorCode::kOutOfMemory, "cannot allocate " + what + ": " + std::to_string(a) + " x " +
                                             std::to_string(b) + " elements exceed the address space");
  }
  return product;
}

// `count` elements of T for `what`: a size past the address space or a failed allocation throws
// MemoryError naming `what` and the bytes asked for (Buffer's own message names neither).
template <class T>
Buffer<T> allocate(std::int64_t count, const std::string& what) {
  constexpr std::int64_t kMaxBytes = std::int64_t{1} << 62;
  const double bytes = static_cast<double>(count) * sizeof(T);
  if (count < 0 || count > kMaxBytes / static_cast<std::int64_t>(sizeof(T))) {
    throw Error(ErrorCode::kOutOfMemory, "cannot allocate " + fmt_bytes(bytes) + " for " + what);
  }
  try {
    return Buffer<T>(static_cast<std::size_t>(count));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kOutOfMemory) throw;
    throw Error(ErrorCode::kOutOfMemory, "cannot allocate " + fmt_bytes(bytes) + " for " + what);
  }
}

// A copy of the first `used` elements of `old` in a new buffer of `capacity` (allocated as above).
template <class T>
Buffer<T> grown_copy(const Buffer<T>& old, std::int64_t used, std::int64_t capacity, const std::string& what) {
  Buffer<T> bigger = allocate<T>(capacity, what);
  advise_huge_pages(bigger);
  if (used > 0) std::memcpy(bigger.data(), old.data(), static_cast<std::size_t>(used) * sizeof(T));
  return bigger;
}

// memcpy in 64 MB steps with a Ctrl-C check between them (a copy of gigabytes takes seconds).
inline void copy_polled(void* out, const void* in, std::size_t bytes) {
  constexpr std::size_t kStep = std::size_t{64} << 20;
  for (std::size_t done = 0; done < bytes; done += kStep) {
    check_interrupt();
    std::memcpy(static_cast<char*>(out) + done, static_cast<const char*>(in) + done, std::min(kStep, bytes - done));
  }
}

inline std::string fmt_value(double v) {
  char text[32];
  std::snprintf(text, sizeof text, "%g", v);
  return text;
}

// Reads element (r, c) of a caller matrix as float64 (exact for both input dtypes).
inline double element(const MatrixView& m, std::int64_t r, std::int64_t c) {
  const std::int64_t offset = r * m.row_stride + c * m.col_stride;
  return m.is_float64 ? static_cast<const double*>(m.data)[offset]
                      : static_cast<double>(static_cast<const float*>(m.data)[offset]);
}

// |row|^2 in float64 and whether every value is finite. Four partial sums break the add
// latency chain (a single chain was ~20% of a small search's fixed cost).
inline double sum_squares(const float* row, std::int64_t cols, bool* finite = nullptr) {
  double s0 = 0.0, s1 = 0.0, s2 = 0.0, s3 = 0.0;
  bool all_finite = true;
  std::int64_t c = 0;
  for (; c + 4 <= cols; c += 4) {
    const double v0 = row[c], v1 = row[c + 1], v2 = row[c + 2], v3 = row[c + 3];
    s0 += v0 * v0;
    s1 += v1 * v1;
    s2 += v2 * v2;
    s3 += v3 * v3;
  }
  for (; c < cols; ++c) s0 += static_cast<double>(row[c]) * row[c];
  const double total = (s0 + s1) + (s2 + s3);
  // Any NaN/inf value makes the sum NaN/inf; only then scan for the offender.
  if (!std::isfinite(total)) {
    for (c = 0; c < cols; ++c) all_finite &= std::isfinite(row[c]);
  }
  if (finite != nullptr) *finite = all_finite;
  return total;
}

inline double stored_sq_norm(const float* row, std::int64_t cols) { return sum_squares(row, cols); }

// Copies row r into `out` (stride floats, zero padded), rejecting NaN/inf; returns |row|^2 in
// float64 so the cosine normalisation is accurate.
inline double copy_row_checked(const MatrixView& m, std::int64_t r, std::int64_t stride, float* out, const char* argument) {
  double sq = 0.0;
  if (!m.is_float64 && m.col_stride == 1) {
    const float* src = static_cast<const float*>(m.data) + r * m.row_stride;
    std::memcpy(out, src, static_cast<std::size_t>(m.cols) * sizeof(float));
  } else {
    for (std::int64_t c = 0; c < m.cols; ++c) out[c] = static_cast<float>(element(m, r, c));
  }
  bool finite = true;
  sq = sum_squares(out, m.cols, &finite);
  if (!finite) {
    for (std::int64_t c = 0; c < m.cols; ++c) {
      if (!std::isfinite(out[c])) {
        throw_value_error(argument, "must contain only finite values, but " + std::string(argument) + "[" +
                                        std::to_string(r) + ", " + std::to_string(c) +
                                        "] = " + fmt_value(element(m, r, c)) + " (as float32)");
      }
    }
  }
  std::fill(out + m.cols, out + stride, 0.0f);
  return sq;
}

inline void normalise(float* row, std::int64_t cols, double sq_norm) {
  const double inv = 1.0 / std::sqrt(sq_norm);
  for (std::int64_t c = 0; c < cols; ++c) row[c] = static_cast<float>(row[c] * inv);
}


using fuseflow::ParallelInterrupt;  // include/fuseflow/core/parallel_interrupt.h

inline void write_results(TopKHeap& heap, bool negate, float* scores, std::int64_t* ids) {
  std::vector<ScoredId> best = heap.take_sorted();
  for (std::size_t i = 0; i < best.size(); ++i) {
    scores[i] = negate ? -best[i].score : best[i].score;
    ids[i] = best[i].id;
  }
}

}  // namespace fuseflow::index_detail
