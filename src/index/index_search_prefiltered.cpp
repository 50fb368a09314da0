// The int8 prefilter of EmbeddingIndex search: quantised rows and queries, score intervals, and
// the single-query and batch searches that rescore only the rows that can reach the top k.
#include "fuseflow/index/embedding_index.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/kernels/similarity.h"
#include "fuseflow/kernels/topk_select.h"
#include "index_internal.h"

namespace fuseflow {

using namespace index_detail;

void EmbeddingIndex::quantize_row(std::int64_t r) {
  const float* x = row(r);
  std::int8_t* out = q8_.data() + r * stride8_;
  float max_abs = 0.0f;
  for (std::int64_t c = 0; c < dim_; ++c) max_abs = std::max(max_abs, std::abs(x[c]));
  // A row whose scale is not a normal float (every |x| < 127 * FLT_MIN: zeros and subnormals):
  // 127 / max_abs overflows (0 * inf = NaN, then an undefined int conversion; found by
  // fuzz/index_file_fuzz.cpp) and the scale has lost its relative precision, so the per-value
  // error |ex| <= scale / 2 behind the L1 interval fails. Such a row gets an all-zero int8 copy
  // and scale 0: its error is the row itself, measured exactly for the L2 interval, and its L1
  // term is FLT_MAX so the L1 interval never wins.
  const bool degenerate = !(max_abs / 127.0f >= std::numeric_limits<float>::min());
  const float scale = degenerate ? 0.0f : max_abs / 127.0f;
  const float inverse = degenerate ? 0.0f : 127.0f / max_abs;
  std::int32_t sum = 0, abs_sum = 0;
  std::int64_t sq_sum = 0;
  double error_sq = 0.0;
  for (std::int64_t c = 0; c < dim_; ++c) {
    // Round half away from zero: |x/scale - q| <= 1/2 up to the few ulps kQuantHalfStep allows.
    const float t = x[c] * inverse;
    const int v = static_cast<int>(t + (t >= 0.0f ? 0.5f : -0.5f));
    const auto q = static_cast<std::int8_t>(std::clamp(v, -127, 127));
    out[c] = q;
    sum += q;
    abs_sum += q < 0 ? -q : q;
    sq_sum += static_cast<std::int64_t>(q) * q;
    const double error = static_cast<double>(x[c]) - static_cast<double>(scale) * q;
    error_sq += error * error;
  }
  std::fill(out + dim_, out + stride8_, std::int8_t{0});
  q8_scale_[r] = scale;
  q8_sum_[r] = sum;
  // Rounded up (relative 1e-6 >> float rounding) so the bounds built from them stay bounds.
  constexpr double up = 1 + 1e-6;
  q8_l1_term_[r] = degenerate ? std::numeric_limits<float>::max()
                              : static_cast<float>(static_cast<double>(scale) * kQuantHalfStep * abs_sum * up);
  q8_norm_term_[r] = static_cast<float>(static_cast<double>(scale) * std::sqrt(static_cast<double>(sq_sum)) * up);
  q8_error_norm_[r] = static_cast<float>(std::sqrt(error_sq) * up + 1e-30);
  norms_[r] = static_cast<float>(std::sqrt(stored_sq_norm(x, dim_)) * up);
}

kernels::Int8BoundQuery EmbeddingIndex::quantize_query(const float* query, float query_sq_norm,
                                                       std::uint8_t* query8) const {
  const bool l2 = metric_ == Metric::kL2;
  const double dim = static_cast<double>(dim_);
  constexpr double h = kQuantHalfStep;
  constexpr double ulp = 1.0 / (1 << 23);  // 2 units of float32 roundoff
  const kernels::QuantizedQuery quantized = kernels::similarity_quantize_query(
      query, static_cast<std::size_t>(stride_), static_cast<std::size_t>(stride8_), query8);
  kernels::Int8BoundQuery bq;
  bq.scale = quantized.scale;
  bq.l1_term = static_cast<float>(h * (static_cast<double>(quantized.abs_sum) + h * dim) * (1 + 1e-6));
  // 1e-3: the residuals' squares were summed in float32 (relative error <= dim * 2^-24 ~ 6e-5 at 1024).
  bq.error_norm = static_cast<float>(quantized.error_norm * (1 + 1e-3 + dim * 1e-7) + 1e-30);
  bq.norm = static_cast<float>(std::sqrt(static_cast<double>(query_sq_norm)) * (1 + 1e-6));
  bq.sq_norm = query_sq_norm;
  // dot/cosine: score = x.q. l2: score = -|x-q|^2 = 2 x.q - (|x|^2 + |q|^2).
  bq.centre_approx = l2 ? 2.0f : 1.0f;
  bq.centre_norms = l2 ? -1.0f : 0.0f;
  // Worst-case float32 rounding of the exact kernel: a dot of dim products errs by <= (dim+32) ulp
  // |x||q|; sum of (x-q)^2 by <= (dim+32) 2ulp (|x|+|q|)^2, and |x|^2, |q|^2 are rounded once.
  bq.slack_dot = static_cast<float>(l2 ? 0.0 : (dim + 32) * ulp);
  bq.slack_l2 = static_cast<float>(l2 ? (dim + 32) * 2 * ulp : 0.0);
  bq.slack_sq = static_cast<float>(l2 ? 2 * ulp : 0.0);
  return bq;
}

void EmbeddingIndex::rescore(std::int64_t block, std::uint32_t* positions, std::size_t count, const std::uint8_t* alive,
                             const float* query, kernels::TopKHeap& heap) const {
  if (alive != nullptr) {  // tombstones never reach the heap
    std::size_t kept = 0;
    for (std::size_t j = 0; j < count; ++j) {
      if (alive[block + positions[j]] != 0) positions[kept++] = positions[j];
    }
    count = kept;
  }
  alignas(64) float exact[kScanBlockRows];
  const auto stride = static_cast<std::size_t>(stride_);
  for (std::size_t begin = 0; begin < count; begin += kScanBlockRows) {
    const std::size_t n = std::min<std::size_t>(kScanBlockRows, count - begin);
    if (metric_ == Metric::kL2) {
      kernels::similarity_l2_rows_at(row(block), stride, positions + begin, n, query, stride, exact);
      for (std::size_t j = 0; j < n; ++j) exact[j] = -exact[j];
    } else {
      kernels::similarity_dot_rows_at(row(block), stride, positions + begin, n, query, stride, exact);
    }
    for (std::size_t j = 0; j < n; ++j) heap.push(exact[j], ids_[block + positions[begin + j]]);
  }
}

kernels::Int8BoundRows EmbeddingIndex::bound_rows(std::int64_t offset) const {
  return {q8_scale_.data() + offset,      q8_sum_.data() + offset, q8_l1_term_.data() + offset,
          q8_norm_term_.data() + offset,  q8_error_norm_.data() + offset, norms_.data() + offset,
          sq_norms_.data() + offset};
}

// Two passes. Pass 1 scores the int8 copy: for row x and query q, with x = sx * xi + ex and
// q = sq * qi + eq (|ex| <= sx/2, |eq| <= sq/2 per value),
//   x.q - sx*sq*(xi.qi) = sx*(xi.eq) + sq*(qi.ex) + ex.eq,  so  |x.q - approx| <= B with
//   B = sx*sq*h*(|xi|_1 + |qi|_1 + h*dim),  h = 1/2 (+ margin for the rounding of x/s),
// or, by Cauchy-Schwarz on x.q - sx*sq*(xi.qi) = sx*(xi.eq) + ex.q, B = sx|xi|_2|eq|_2 + |ex|_2|q|_2
// with the residual norms measured exactly; the smaller of the two is used. Adding the worst-case float32 rounding of the exact kernel gives an interval [lo, hi] that
// holds the score the full scan would compute. L = k-th largest lo is a lower bound of the k-th
// best score, so rows with hi < L can never be returned; pass 2 rescores the others in float32
// with the same kernel as the full scan, hence the same results.
void EmbeddingIndex::search_single_prefiltered(const float* query, float query_sq_norm, std::int64_t k, float* scores,
                                               std::int64_t* ids) const {
  const bool l2 = metric_ == Metric::kL2;
  // Quantise the query: u8 = round(q / sq) + 128, so vpdpbusd (u8 x s8) can take it.
  thread_local Buffer<std::uint8_t> query8;
  if (query8.size() < static_cast<std::size_t>(stride8_)) query8 = Buffer<std::uint8_t>(static_cast<std::size_t>(stride8_));
  const kernels::Int8BoundQuery bq = quantize_query(query, query_sq_norm, query8.data());
  const std::uint8_t* query_u8 = query8.data();  // thread_local: worker threads must use this pointer

  const std::uint8_t* alive = dead_ > 0 ? alive_.data() : nullptr;
  // The int8 pass reads a quarter of the bytes, so threads pay off 4x later than a float scan.
  const int threads = threads_for(rows_ * stride8_, kMinFloatsPerThread);
  // hi per row; up to 4 MB is kept per calling thread (workers use the hi_all pointer).
  thread_local Buffer<float> cached_upper;
  Buffer<float> own_upper;
  Buffer<float>& upper = rows_ <= (1 << 20) ? cached_upper : own_upper;
  if (upper.size() < static_cast<std::size_t>(rows_)) upper = Buffer<float>(static_cast<std::size_t>(rows_));
  float* hi_all = upper.data();
  std::vector<TopKHeap> lower_heaps(static_cast<std::size_t>(threads), TopKHeap(static_cast<std::size_t>(k)));
  std::vector<TopKHeap> heaps(static_cast<std::size_t>(threads), TopKHeap(static_cast<std::size_t>(k)));
  std::vector<std::int64_t> rescored(static_cast<std::size_t>(threads), 0);
  float level = 0.0f;  // L, shared after the barrier
  ParallelInterrupt interrupt;

  // Blocks are handed out dynamically: on a shared machine a descheduled thread then delays
  // the call by at most one block instead of its whole share.
  const std::int64_t blocks = (rows_ + kScanBlockRows - 1) / kScanBlockRows;
#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    TopKHeap& lower = lower_heaps[static_cast<std::size_t>(t)];
    alignas(64) std::int32_t dots[kScanBlockRows];
    alignas(64) float lower_block[kScanBlockRows];
#pragma omp for schedule(dynamic)
    for (std::int64_t block = 0; block < blocks; ++block) {
      if (interrupt.poll()) continue;
      const std::int64_t b = block * kScanBlockRows;
      const std::int64_t n = std::min(kScanBlockRows, rows_ - b);
      kernels::similarity_int8_dot_rows(q8_.data() + b * stride8_, static_cast<std::size_t>(stride8_),
                                        static_cast<std::size_t>(n), query_u8, static_cast<std::size_t>(stride8_),
                                        dots);
      kernels::similarity_int8_bounds(dots, bound_rows(b), static_cast<std::size_t>(n), bq, lower_block,
                                      hi_all + b);
      if (alive != nullptr) {
        for (std::int64_t j = 0; j < n; ++j) {
          if (alive[b + j] == 0) hi_all[b + j] = -std::numeric_limits<float>::infinity();
        }
      }
      // Only the k-th largest lower bound matters, so the ids pushed along are irrelevant.
      kernels::topk_push_block(lower, lower_block, static_cast<std::size_t>(n), ids_.data() + b,
                               alive != nullptr ? alive + b : nullptr);
    }  // implicit barrier: every lower bound is in
#pragma omp single
    {
      for (int u = 1; u < nt; ++u) lower_heaps[0].merge(lower_heaps[static_cast<std::size_t>(u)]);
      // Fewer than k finite lower bounds: nothing can be pruned.
      level = lower_heaps[0].full() ? lower_heaps[0].threshold() : -std::numeric_limits<float>::infinity();
    }  // implicit barrier: every thread sees `level`
    TopKHeap& heap = heaps[static_cast<std::size_t>(t)];
    std::uint32_t positions[kScanBlockRows + 64];
#pragma omp for schedule(dynamic)
    for (std::int64_t block = 0; block < blocks; ++block) {
      if (interrupt.poll()) continue;
      const std::int64_t b = block * kScanBlockRows;
      const std::int64_t n = std::min(kScanBlockRows, rows_ - b);
      const std::size_t found = kernels::topk_filter_at_least(hi_all + b, static_cast<std::size_t>(n), level, positions);
      rescored[static_cast<std::size_t>(t)] += static_cast<std::int64_t>(found);
      rescore(b, positions, found, alive, query, heap);
    }
  }
  interrupt.rethrow();
  std::int64_t total_rescored = 0;
  for (std::int64_t c : rescored) total_rescored += c;
  last_rescored_rows_.store(total_rescored, std::memory_order_relaxed);
  for (int t = 1; t < threads; ++t) heaps[0].merge(heaps[static_cast<std::size_t>(t)]);
  write_results(heaps[0], l2, scores, ids);
}

// The batch form of search_single_prefiltered: an int8 register-tile pass (4 queries x 4 rows
// per VNNI tile) gives every (query, row) an interval; each query then rescores in float32 only
// the rows whose upper bound reaches its own k-th lower bound. Threads own disjoint queries.
void EmbeddingIndex::search_batch_prefiltered(const float* queries, const float* query_sq_norms, std::int64_t nq,
                                              std::int64_t k, float* scores, std::int64_t* ids) const {
  const bool l2 = metric_ == Metric::kL2;
  Buffer<std::uint8_t> queries8(static_cast<std::size_t>(nq * stride8_));
  std::vector<kernels::Int8BoundQuery> params(static_cast<std::size_t>(nq));
  for (std::int64_t q = 0; q < nq; ++q) {
    params[static_cast<std::size_t>(q)] = quantize_query(queries + q * stride_, query_sq_norms[q], queries8.data() + q * stride8_);
  }
  // hi per (query, row); up to 4 MB is kept per calling thread (page faults otherwise).
  thread_local Buffer<float> cached_upper;
  Buffer<float> own_upper;
  Buffer<float>& upper = nq * rows_ <= (1 << 20) ? cached_upper : own_upper;
  if (upper.size() < static_cast<std::size_t>(nq * rows_)) upper = Buffer<float>(static_cast<std::size_t>(nq * rows_));
  const std::uint8_t* alive = dead_ > 0 ? alive_.data() : nullptr;
  const int threads = threads_for(nq * rows_ * stride8_ / 16, kMinFloatsPerThread);
  std::int64_t rescored_total = 0;
  ParallelInterrupt interrupt;

#pragma omp parallel num_threads(threads) reduction(+ : rescored_total)
  {
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    const std::int64_t tiles = (nq + 3) / 4;
    const std::int64_t q_begin = std::min(nq, tiles * t / nt * 4);
    const std::int64_t q_end = std::min(nq, tiles * (t + 1) / nt * 4);
    const std::int64_t mine = q_end - q_begin;
    std::vector<TopKHeap> lower(static_cast<std::size_t>(mine), TopKHeap(static_cast<std::size_t>(k)));
    std::vector<std::int32_t> dots(static_cast<std::size_t>(std::max<std::int64_t>(mine, 1) * kTileBlockRows));
    alignas(64) float lower_block[kTileBlockRows];
    for (std::int64_t b = 0; b < rows_ && mine > 0; b += kTileBlockRows) {
      if (interrupt.poll()) break;
      const std::int64_t n = std::min(kTileBlockRows, rows_ - b);
      kernels::similarity_int8_dot_tile(queries8.data() + q_begin * stride8_, static_cast<std::size_t>(stride8_),
                                        static_cast<std::size_t>(mine), q8_.data() + b * stride8_,
                                        static_cast<std::size_t>(stride8_), static_cast<std::size_t>(n),
                                        static_cast<std::size_t>(stride8_), dots.data(), kTileBlockRows);
      for (std::int64_t q = q_begin; q < q_end; ++q) {
        float* hi = upper.data() + q * rows_ + b;
        kernels::similarity_int8_bounds(dots.data() + (q - q_begin) * kTileBlockRows, bound_rows(b),
                                        static_cast<std::size_t>(n), params[static_cast<std::size_t>(q)], lower_block, hi);
        if (alive != nullptr) {
          for (std::int64_t j = 0; j < n; ++j) {
            if (alive[b + j] == 0) hi[j] = -std::numeric_limits<float>::infinity();
          }
        }
        kernels::topk_push_block(lower[static_cast<std::size_t>(q - q_begin)], lower_block, static_cast<std::size_t>(n),
                                 ids_.data() + b, alive != nullptr ? alive + b : nullptr);
      }
    }
    std::vector<std::uint32_t> positions(static_cast<std::size_t>(kScanBlockRows + 64));
    for (std::int64_t q = q_begin; q < q_end; ++q) {
      if (interrupt.poll()) break;
      const TopKHeap& bounds = lower[static_cast<std::size_t>(q - q_begin)];
      const float level = bounds.full() ? bounds.threshold() : -std::numeric_limits<float>::infinity();
      const float* query = queries + q * stride_;
      const float* hi = upper.data() + q * rows_;
      TopKHeap heap(static_cast<std::size_t>(k));
      for (std::int64_t b = 0; b < rows_; b += kScanBlockRows) {
        const std::int64_t n = std::min(kScanBlockRows, rows_ - b);
        const std::size_t found = kernels::topk_filter_at_least(hi + b, static_cast<std::size_t>(n), level, positions.data());
        rescored_total += static_cast<std::int64_t>(found);
        rescore(b, positions.data(), found, alive, query, heap);
      }
      write_results(heap, l2, scores + q * k, ids + q * k);
    }
  }
  interrupt.rethrow();
  last_rescored_rows_.store(rescored_total, std::memory_order_relaxed);
}

}  // namespace fuseflow
