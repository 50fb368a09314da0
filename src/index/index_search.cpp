// EmbeddingIndex::search and its float32 paths: the single-query row scan and the batch tiles.
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

SearchResult EmbeddingIndex::search(const MatrixView& queries, std::int64_t k) const {
  std::shared_lock guard(*lock_);
  if (queries.cols != dim_) {
    throw_value_error("queries", "must have dim=" + std::to_string(dim_) + " values per query, got " +
                                     std::to_string(queries.cols));
  }
  if (k < 1) throw_value_error("k", "must be >= 1, got " + std::to_string(k));
  const std::int64_t nq = queries.rows;
  SearchResult result;
  result.num_queries = nq;
  result.k = std::min(k, live_count());
  const std::string of = " of " + std::to_string(nq) + " queries x " + std::to_string(result.k) + " results";
  const std::int64_t results = checked_count(nq, result.k, "the results" + of);
  result.scores = allocate<float>(results, "the scores" + of);
  result.ids = allocate<std::int64_t>(results, "the ids" + of);
  check_mapping();

  // One padded, aligned copy of the queries: converts float64, checks values, normalises cosine.
  // Up to 4 MB is reused per calling thread: a fresh buffer per call costs page faults every time.
  constexpr std::size_t kCachedQueryFloats = std::size_t{1} << 20;
  const std::string queries_what = "a padded copy of " + std::to_string(nq) + " queries (dim " + std::to_string(dim_) + ")";
  const auto query_floats = static_cast<std::size_t>(checked_count(nq, stride_, queries_what));
  thread_local Buffer<float> cached_padded, cached_norms;
  Buffer<float> own_padded, own_norms;
  Buffer<float>& padded = query_floats <= kCachedQueryFloats ? cached_padded : own_padded;
  Buffer<float>& query_sq_norms = query_floats <= kCachedQueryFloats ? cached_norms : own_norms;
  if (padded.size() < query_floats) padded = allocate<float>(static_cast<std::int64_t>(query_floats), queries_what);
  if (query_sq_norms.size() < static_cast<std::size_t>(nq)) query_sq_norms = allocate<float>(nq, "the query norms");
  // The int8 query quantisation needs a normal-float scale (max|q| / 127); a query of only
  // subnormal values (but not all zero) would break its error bound, so it turns the prefilter
  // off for this call.
  bool subnormal_query = false;
  for (std::int64_t q = 0; q < nq; ++q) {
    if ((q & 1023) == 0) check_interrupt();
    float* out = padded.data() + q * stride_;
    const double sq = copy_row_checked(queries, q, stride_, out, "queries");
    if (metric_ == Metric::kCosine) {
      if (!(sq > 0.0)) {
        throw_value_error("queries", "query " + std::to_string(q) + " has zero norm; cosine needs non-zero queries");
      }
      normalise(out, dim_, sq);
    }
    float max_abs = 0.0f;
    for (std::int64_t c = 0; c < dim_; ++c) max_abs = std::max(max_abs, std::abs(out[c]));
    subnormal_query |= max_abs > 0.0f && !(max_abs / 127.0f >= std::numeric_limits<float>::min());
    // Of the query as searched (normalised for cosine): the prefilter's bounds depend on it.
    query_sq_norms[q] = static_cast<float>(metric_ == Metric::kCosine ? stored_sq_norm(out, dim_) : sq);
  }
  if (result.k == 0 || nq == 0) return result;

  if (!uses_tile_path(nq)) {
    const bool prefilter = prefilter_active_unlocked(result.k) && !subnormal_query;
    std::int64_t rescored = 0;
    for (std::int64_t q = 0; q < nq; ++q) {
      const float* query = padded.data() + q * stride_;
      float* out_scores = result.scores.data() + q * result.k;
      std::int64_t* out_ids = result.ids.data() + q * result.k;
      if (prefilter) {
        search_single_prefiltered(query, query_sq_norms[q], result.k, out_scores, out_ids);
        rescored += last_rescored_rows_.load(std::memory_order_relaxed);
      } else {
        search_single(query, query_sq_norms[q], result.k, out_scores, out_ids);
      }
    }
    if (prefilter) last_rescored_rows_.store(rescored, std::memory_order_relaxed);
  } else if (prefilter_active_unlocked(result.k) && !subnormal_query && nq <= kMaxBatchBoundEntries / std::max<std::int64_t>(rows_, 1)) {
    search_batch_prefiltered(padded.data(), query_sq_norms.data(), nq, result.k, result.scores.data(), result.ids.data());
  } else {
    search_batch(padded.data(), query_sq_norms.data(), nq, result.k, result.scores.data(), result.ids.data());
  }
  check_mapping();  // scores computed from zeros of a file that shrank meanwhile are not returned
  return result;
}

void EmbeddingIndex::search_single(const float* query, float /*query_sq_norm*/, std::int64_t k, float* scores,
                                   std::int64_t* ids) const {
  const bool l2 = metric_ == Metric::kL2;
  const std::uint8_t* alive = dead_ > 0 ? alive_.data() : nullptr;
  const int threads = threads_for(rows_ * stride_, kMinFloatsPerThread);
  std::vector<TopKHeap> heaps(static_cast<std::size_t>(threads), TopKHeap(static_cast<std::size_t>(k)));
  ParallelInterrupt interrupt;

  const std::int64_t blocks = (rows_ + kScanBlockRows - 1) / kScanBlockRows;
#pragma omp parallel num_threads(threads)
  {
    TopKHeap& heap = heaps[static_cast<std::size_t>(omp_get_thread_num())];
    alignas(64) float block_scores[kScanBlockRows];
    // Dynamic blocks: a descheduled thread delays the call by one block at most (shared machines).
#pragma omp for schedule(dynamic)
    for (std::int64_t block = 0; block < blocks; ++block) {
      if (interrupt.poll()) continue;
      const std::int64_t b = block * kScanBlockRows;
      const std::int64_t n = std::min(kScanBlockRows, rows_ - b);
      if (l2) {
        kernels::similarity_l2_rows(row(b), static_cast<std::size_t>(stride_), static_cast<std::size_t>(n), query,
                                    static_cast<std::size_t>(stride_), block_scores);
        for (std::int64_t j = 0; j < n; ++j) block_scores[j] = -block_scores[j];  // the heap keeps the largest
      } else {
        kernels::similarity_dot_rows(row(b), static_cast<std::size_t>(stride_), static_cast<std::size_t>(n), query,
                                     static_cast<std::size_t>(stride_), block_scores);
      }
      kernels::topk_push_block(heap, block_scores, static_cast<std::size_t>(n), ids_.data() + b,
                               alive != nullptr ? alive + b : nullptr);
    }
  }
  interrupt.rethrow();
  for (int t = 1; t < threads; ++t) heaps[0].merge(heaps[static_cast<std::size_t>(t)]);
  write_results(heaps[0], l2, scores, ids);
}
void EmbeddingIndex::search_batch(const float* queries, const float* query_sq_norms, std::int64_t nq, std::int64_t k,
                                  float* scores, std::int64_t* ids) const {
  const bool l2 = metric_ == Metric::kL2;
  const std::uint8_t* alive = dead_ > 0 ? alive_.data() : nullptr;
  const int threads = threads_for(nq * rows_ * stride_ / 4, kMinFloatsPerThread);
  // Enough queries: threads take disjoint query ranges and read all rows (no merge). Few
  // queries: threads take disjoint row ranges, each with heaps for every query, merged after.
  const bool split_queries = nq >= 8 * threads;
  const int heap_sets = split_queries ? 1 : threads;
  std::vector<TopKHeap> heaps(static_cast<std::size_t>(heap_sets * nq), TopKHeap(static_cast<std::size_t>(k)));
  // l2: the k smallest upper bounds of each query (see push_l2_tile_block).
  std::vector<TopKHeap> uppers(l2 ? heaps.size() : 0, TopKHeap(static_cast<std::size_t>(k)));
  ParallelInterrupt interrupt;

#pragma omp parallel num_threads(threads)
  {
    const int t = omp_get_thread_num();
    const int nt = omp_get_num_threads();
    std::int64_t q_begin = 0, q_end = nq, r_begin = 0, r_end = rows_;
    if (split_queries) {
      const std::int64_t tiles = (nq + 3) / 4;  // 4-query tiles keep the micro-kernel full
      q_begin = std::min(nq, tiles * t / nt * 4);
      q_end = std::min(nq, tiles * (t + 1) / nt * 4);
    } else {
      const std::int64_t groups = (rows_ + 3) / 4;
      r_begin = std::min(rows_, groups * t / nt * 4);
      r_end = std::min(rows_, groups * (t + 1) / nt * 4);
    }
    TopKHeap* my_heaps = heaps.data() + (split_queries ? 0 : t * nq);
    TopKHeap* my_uppers = l2 ? uppers.data() + (split_queries ? 0 : t * nq) : nullptr;
    const std::int64_t my_queries = q_end - q_begin;
    std::vector<float> block(static_cast<std::size_t>(std::max<std::int64_t>(my_queries, 1) * kTileBlockRows));
    for (std::int64_t b = r_begin; b < r_end && my_queries > 0; b += kTileBlockRows) {
      if (interrupt.poll()) break;
      const std::int64_t n = std::min(kTileBlockRows, r_end - b);
      kernels::similarity_dot_tile(queries + q_begin * stride_, static_cast<std::size_t>(stride_),
                                   static_cast<std::size_t>(my_queries), row(b), static_cast<std::size_t>(stride_),
                                   static_cast<std::size_t>(n), static_cast<std::size_t>(stride_), block.data(),
                                   kTileBlockRows);
      for (std::int64_t q = q_begin; q < q_end; ++q) {
        const float* s = block.data() + (q - q_begin) * kTileBlockRows;
        if (l2) {
          push_l2_tile_block(b, n, s, query_sq_norms[q], queries + q * stride_, alive, my_uppers[q], my_heaps[q]);
        } else {
          kernels::topk_push_block(my_heaps[q], s, static_cast<std::size_t>(n), ids_.data() + b,
                                   alive != nullptr ? alive + b : nullptr);
        }
      }
    }
  }
  interrupt.rethrow();
  for (std::int64_t q = 0; q < nq; ++q) {
    for (int t = 1; t < heap_sets; ++t) heaps[q].merge(heaps[static_cast<std::size_t>(t * nq + q)]);
    write_results(heaps[q], l2, scores + q * k, ids + q * k);
  }
}

// The float32 expansion A = |x|^2 + |q|^2 - 2 x.q, which lets the tiles share every row among
// 4 queries, cancels catastrophically when |x - q| is small next to |x| and |q| (norms ~8000 and
// distances ~1e-5 gave A = 0 for wrong rows). So here A only bounds the score. With u = 2^-24,
// D the exact distance and F the value of the difference kernel (what search_single returns):
//   |A - D| <= (dim + 32) 2u |x||q| + 3u (|x| + |q|)^2   (tile dot product, rounded norms, 2 ops)
//   |F - D| <= (dim + 34) u D <= (dim + 34) u (|x| + |q|)^2
// so |A - F| <= (4 dim + 128) u (|x| + |q|)^2 / 2 <= E = (4 dim + 128) u (|x|^2 + |q|^2), a
// factor ~2 to spare for evaluating E and A +- E in float32. E reuses the sum S = |x|^2 + |q|^2
// that A needs, so the bounds cost one multiply-add per row over A. Each query keeps the k
// smallest upper bounds A + E (`upper`); a row whose lower bound A - E is above the k-th of them
// has an F above k other rows' F and is never returned. The rest are rescored with the
// difference kernel, so results equal the single-query scan's bit for bit; on well-separated
// data only the rows that reach the top k at some point are rescored (~k ln(n/k) per query on
// random data), and close, large-norm rows are all rescored (slower, but right).
void EmbeddingIndex::push_l2_tile_block(std::int64_t b, std::int64_t n, const float* dots, float query_sq_norm,
                                        const float* query, const std::uint8_t* alive, TopKHeap& upper,
                                        TopKHeap& heap) const {
  const float slack = static_cast<float>((4.0 * static_cast<double>(dim_) + 128.0) * 0x1p-24);
  const float below = 1.0f - slack, above = 1.0f + slack;
  constexpr float kInf = std::numeric_limits<float>::infinity();
  alignas(64) float neg_lo[kTileBlockRows];
  for (std::int64_t j = 0; j < n; ++j) {
    const float lo = (sq_norms_[b + j] + query_sq_norm) * below - 2.0f * dots[j];  // A - E
    neg_lo[j] = lo == lo ? -lo : kInf;  // NaN/overflow: always a candidate
  }
  // Candidates against the level so far (it only tightens, so this is conservative). A row
  // whose lower bound is out has its upper bound out too: only candidates can move the level.
  std::uint32_t positions[kTileBlockRows + 16];
  std::size_t found =
      kernels::topk_filter_at_least(neg_lo, static_cast<std::size_t>(n), upper.threshold(), positions);
  std::size_t kept = 0;
  for (std::size_t c = 0; c < found; ++c) {
    const std::uint32_t j = positions[c];
    if (alive != nullptr && alive[b + j] == 0) continue;
    const float hi = (sq_norms_[b + j] + query_sq_norm) * above - 2.0f * dots[j];  // A + E
    upper.push(hi == hi ? -hi : -kInf, ids_[b + j]);  // NaN: never a bound
    positions[kept++] = j;
  }
  found = kept;
  // The level after this block's bounds: drops candidates that this block's own rows beat.
  const float level = upper.threshold();  // -(k-th smallest upper bound); -inf until k are in
  kept = 0;
  for (std::size_t c = 0; c < found; ++c) {
    if (neg_lo[positions[c]] >= level) positions[kept++] = positions[c];
  }
  found = kept;
  rescore(b, positions, found, nullptr, query, heap);  // tombstones were dropped above
}

}  // namespace fuseflow
