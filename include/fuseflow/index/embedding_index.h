// EmbeddingIndex: exact top-k similarity search over a contiguous, 64-byte aligned float32 matrix.
//
// Rows are stored once, zero-padded to a stride that is a multiple of 16 floats, next to an int64
// ids column and an alive column (tombstones). Removal marks tombstones; the store is compacted
// when a quarter of it is dead. Cosine rows are normalised at insert, so cosine search is a dot
// product. An int8 copy with per-row error terms lets search prune rows that provably cannot
// reach the top k before the exact float32 pass (see search_single_prefiltered). The on-disk
// format is described in docs/index_format.md (the int8 copy is rebuilt at load, not stored).
//
// Thread safety: one index may be used from many threads at once. Searches (and ids(), vectors(),
// size(), save()) take a shared lock and run concurrently; add() and remove() take it
// exclusively, so each runs alone and a search sees the index either before or after it, never
// half-changed. Moving an index is not synchronised (never move one that is in use).
#pragma once

#include <atomic>
#include <cstddef>
#include <cstdint>
#include <memory>
#include <shared_mutex>
#include <span>
#include <string>
#include <unordered_map>
#include <vector>

#include "fuseflow/core/buffer.h"
#include "fuseflow/kernels/similarity.h"
#include "fuseflow/kernels/topk_select.h"

namespace fuseflow {

enum class Metric : std::uint32_t { kCosine = 0, kDot = 1, kL2 = 2 };

Metric parse_metric(const std::string& name);  // "cosine" | "dot" | "l2", else ValueError on `metric`
const char* metric_name(Metric metric);

// A strided 2-D float matrix handed in from the caller (float32 or float64 elements). Strides
// are in elements, so any NumPy layout is read directly without a prior copy.
struct MatrixView {
  const void* data = nullptr;
  bool is_float64 = false;
  std::int64_t rows = 0;
  std::int64_t cols = 0;
  std::int64_t row_stride = 0;
  std::int64_t col_stride = 1;
};

struct SearchResult {
  std::int64_t num_queries = 0;
  std::int64_t k = 0;      // results per query: min(requested k, size())
  Buffer<float> scores;    // num_queries x k; similarity (descending) or l2 squared distance (ascending)
  Buffer<std::int64_t> ids;
};

class IndexFileMapping;

class EmbeddingIndex {
 public:
  EmbeddingIndex(std::int64_t dim, Metric metric);
  ~EmbeddingIndex();
  EmbeddingIndex(EmbeddingIndex&&) noexcept;
  EmbeddingIndex& operator=(EmbeddingIndex&&) noexcept;

  std::int64_t dim() const { return dim_; }
  Metric metric() const { return metric_; }
  std::int64_t size() const;  // live vectors
  std::int64_t stride() const { return stride_; }

  // Appends vectors (rows x dim). ids empty: one more than the largest live id, then consecutive
  // (0 when empty). Validates everything before changing anything.
  void add(const MatrixView& vectors, std::span<const std::int64_t> ids);
  void remove(std::span<const std::int64_t> ids);

  // Live ids in storage order (insertion order, removed ones skipped).
  Buffer<std::int64_t> ids() const;
  // A copy of the live vectors as stored (cosine rows normalised), rows x dim.
  Buffer<float> vectors() const;

  SearchResult search(const MatrixView& queries, std::int64_t k) const;

  void save(const std::string& path) const;
  static EmbeddingIndex load(const std::string& path, bool use_mmap);

  // Whether the vectors live in a read-only file mapping (the first add/remove copies them).
  // A mapped index checks before and after every read of the mapping that the file was not
  // truncated or modified since load (see src/index/index_file_mapping.h); if it was, the call throws
  // ValueError on `path` and the index stays unusable until it is loaded again.
  bool is_mapped() const;

  // Search first scores an int8 copy of the rows with a rigorous error bound and rescores in
  // float32 only the rows that can still reach the top k (results are identical to the full
  // float32 scan). On by default where the CPU has int8 dot products (AVX-512 VNNI) and k is
  // small next to the size; off = the plain float32 scan and float32 tiles.
  void set_prefilter(bool enabled) { prefilter_enabled_.store(enabled, std::memory_order_relaxed); }
  // Automatic (n <= 0, the default): a batch takes the blocked tile path when it has at least
  // kDefaultBatchMinQueries queries and at least one 4-query tile per thread (tiles are split
  // across threads by query; single queries split rows, so they keep every thread busy). Both
  // rules come from the index suite's threshold sweep (python -m fuseflow.bench). n >= 1 fixes the threshold (tests).
  void set_batch_min_queries(std::int64_t n) { batch_min_queries_.store(n < 1 ? 0 : n, std::memory_order_relaxed); }
  static constexpr std::int64_t kDefaultBatchMinQueries = 4;
  bool uses_tile_path(std::int64_t num_queries) const;
  bool prefilter_active(std::int64_t k) const;  // reads size(): takes the shared lock
  // Rows rescored in float32 by the last prefiltered search, all its queries (for benchmarks).
  std::int64_t last_rescored_rows() const { return last_rescored_rows_.load(std::memory_order_relaxed); }

 private:
  std::int64_t live_count() const { return rows_ - dead_; }  // size() without the lock
  bool prefilter_active_unlocked(std::int64_t k) const;
  // A mapped index: throws ValueError if its file changed since load (no-op when owned).
  void check_mapping() const;
  // Load: every row finite, padding zero, cosine rows unit length (first bad row in the message).
  void validate_loaded_rows(const std::string& path) const;

  const float* row(std::int64_t r) const { return data_ + r * stride_; }
  Buffer<std::int64_t> live_ids() const;  // ids() without taking the lock
  // Room for `rows` rows; with exact = false grows by 1.5x (at least 16 rows) for later adds.
  void reserve_rows(std::int64_t rows, bool exact = false);
  void make_owned();
  void compact();
  void rebuild_row_of_id(bool interruptible = false);  // interruptible only where nothing is half-changed
  bool prepare_row(const MatrixView& vectors, std::int64_t i, std::int64_t r);
  [[noreturn]] void throw_row_error(const MatrixView& vectors, std::int64_t i) const;
  void quantize_row(std::int64_t r);
  // Writes the u8 query for the int8 kernels and returns the constants of its score intervals.
  kernels::Int8BoundQuery quantize_query(const float* query, float query_sq_norm, std::uint8_t* query8) const;
  kernels::Int8BoundRows bound_rows(std::int64_t offset) const;
  // Scores rows block + positions[j] (j < count) in float32 exactly as the full scan does (l2:
  // negated squared distance) and pushes the live ones into heap. Reorders `positions`.
  void rescore(std::int64_t block, std::uint32_t* positions, std::size_t count, const std::uint8_t* alive,
               const float* query, kernels::TopKHeap& heap) const;
  void search_batch_prefiltered(const float* queries, const float* query_sq_norms, std::int64_t num_queries,
                                std::int64_t k, float* scores, std::int64_t* ids) const;
  void search_single(const float* query, float query_sq_norm, std::int64_t k, float* scores,
                     std::int64_t* ids) const;
  void search_single_prefiltered(const float* query, float query_sq_norm, std::int64_t k, float* scores,
                                 std::int64_t* ids) const;
  void search_batch(const float* queries, const float* query_sq_norms, std::int64_t num_queries, std::int64_t k,
                    float* scores, std::int64_t* ids) const;
  // l2 batch tiles bound the score; rows that may reach the top k are rescored exactly.
  void push_l2_tile_block(std::int64_t block, std::int64_t n, const float* dots, float query_sq_norm,
                          const float* query, const std::uint8_t* alive, kernels::TopKHeap& upper,
                          kernels::TopKHeap& heap) const;

  std::int64_t dim_;
  Metric metric_;
  std::int64_t stride_;       // floats per stored row: dim rounded up to 16
  std::int64_t rows_ = 0;     // stored rows, dead ones included
  std::int64_t dead_ = 0;
  std::int64_t capacity_ = 0; // rows that fit in store_
  Buffer<float> store_;       // owned rows (capacity_ x stride_)
  const float* data_ = nullptr;  // store_ or the file mapping
  std::shared_ptr<IndexFileMapping> mapping_;
  Buffer<std::int64_t> ids_;      // capacity_
  Buffer<std::uint8_t> alive_;    // capacity_; 0 = tombstone
  Buffer<float> sq_norms_;        // capacity_; |row|^2 (l2 batches, prefilter bounds)
  // int8 copy for the prefilter: row r ~= q8_scale_[r] * q8_[r], |error| <= scale / 2 per value.
  std::int64_t stride8_;          // dim rounded up to 64
  Buffer<std::int8_t> q8_;        // capacity_ x stride8_
  Buffer<float> q8_scale_;          // sx
  Buffer<std::int32_t> q8_sum_;     // sum of the int8 values (undoes the +128 query offset)
  Buffer<float> q8_l1_term_;        // sx * h * |int8 row|_1 (L1 error bound)
  Buffer<float> q8_norm_term_;      // sx * |int8 row|_2 (L2 error bound)
  Buffer<float> q8_error_norm_;     // |row - sx * int8 row|_2 (L2 error bound)
  Buffer<float> norms_;             // |row|_2; these bound terms are rounded up
  std::atomic<bool> prefilter_enabled_{true};
  std::atomic<std::int64_t> batch_min_queries_{0};  // 0: automatic
  mutable std::atomic<std::int64_t> last_rescored_rows_{0};
  std::unordered_map<std::int64_t, std::int64_t> row_of_id_;  // add/remove only, never on search
  // Searches (GIL released) may run from several Python threads; add/remove take it exclusively.
  // Each object keeps its own mutex (moves do not transfer it).
  std::unique_ptr<std::shared_mutex> lock_ = std::make_unique<std::shared_mutex>();
};

}  // namespace fuseflow
