// EmbeddingIndex storage: construction, add, remove, compaction and the copies handed out.
#include "fuseflow/index/embedding_index.h"

#include <omp.h>

#include <unordered_set>
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
#include "fuseflow/core/progress.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/kernels/similarity.h"
#include "fuseflow/kernels/topk_select.h"
#include "index_internal.h"
#include "fuseflow/index/index_file.h"
#include "index_file_mapping.h"

namespace fuseflow {

using namespace index_detail;

Metric parse_metric(const std::string& name) {
  if (name == "cosine") return Metric::kCosine;
  if (name == "dot") return Metric::kDot;
  if (name == "l2") return Metric::kL2;
  throw_value_error("metric", "must be \"cosine\", \"dot\" or \"l2\", got \"" + name + "\"");
}

const char* metric_name(Metric metric) {
  switch (metric) {
    case Metric::kCosine: return "cosine";
    case Metric::kDot: return "dot";
    case Metric::kL2: return "l2";
  }
  return "unknown";
}

EmbeddingIndex::EmbeddingIndex(std::int64_t dim, Metric metric) : dim_(dim), metric_(metric) {
  if (dim < 1 || dim > kMaxIndexDim) {
    throw_value_error("dim", "must be in [1, " + std::to_string(kMaxIndexDim) + "], got " + std::to_string(dim));
  }
  if (static_cast<std::uint32_t>(metric) > 2) throw_value_error("metric", "must be cosine, dot or l2");
  stride_ = round_up_stride(dim);
  const auto m8 = static_cast<std::int64_t>(kernels::kInt8LengthMultiple);
  stride8_ = (dim + m8 - 1) / m8 * m8;
}

EmbeddingIndex::~EmbeddingIndex() = default;
EmbeddingIndex::EmbeddingIndex(EmbeddingIndex&& other) noexcept { *this = std::move(other); }

EmbeddingIndex& EmbeddingIndex::operator=(EmbeddingIndex&& other) noexcept {
  if (this == &other) return *this;
  dim_ = other.dim_;
  metric_ = other.metric_;
  stride_ = other.stride_;
  rows_ = std::exchange(other.rows_, 0);
  dead_ = std::exchange(other.dead_, 0);
  capacity_ = std::exchange(other.capacity_, 0);
  store_ = std::move(other.store_);
  data_ = std::exchange(other.data_, nullptr);
  mapping_ = std::move(other.mapping_);
  ids_ = std::move(other.ids_);
  alive_ = std::move(other.alive_);
  sq_norms_ = std::move(other.sq_norms_);
  row_of_id_ = std::move(other.row_of_id_);
  stride8_ = other.stride8_;
  q8_ = std::move(other.q8_);
  q8_scale_ = std::move(other.q8_scale_);
  q8_sum_ = std::move(other.q8_sum_);
  q8_l1_term_ = std::move(other.q8_l1_term_);
  q8_norm_term_ = std::move(other.q8_norm_term_);
  q8_error_norm_ = std::move(other.q8_error_norm_);
  norms_ = std::move(other.norms_);
  prefilter_enabled_.store(other.prefilter_enabled_.load());
  batch_min_queries_.store(other.batch_min_queries_.load());
  return *this;
}

std::int64_t EmbeddingIndex::size() const {
  std::shared_lock guard(*lock_);
  return live_count();
}

bool EmbeddingIndex::is_mapped() const {
  std::shared_lock guard(*lock_);
  return mapping_ != nullptr;
}

void EmbeddingIndex::check_mapping() const {
  if (mapping_ != nullptr) mapping_->check_unchanged();
}

// Allocates every column for the new capacity before changing anything, so a MemoryError (or a
// Ctrl-C during the copy) leaves the index as it was.
void EmbeddingIndex::reserve_rows(std::int64_t needed, bool exact) {
  if (needed <= capacity_ && mapping_ == nullptr) return;
  const std::int64_t new_capacity = exact ? needed : std::max({needed, capacity_ + capacity_ / 2, std::int64_t{16}});
  const std::string of = " of " + std::to_string(new_capacity) + " vectors (dim " + std::to_string(dim_) + ")";
  Buffer<float> store = allocate<float>(checked_count(new_capacity, stride_, "the float32 rows" + of), "the float32 rows" + of);
  advise_huge_pages(store);
  if (rows_ > 0) {
    copy_polled(store.data(), data_, static_cast<std::size_t>(rows_ * stride_) * sizeof(float));
    check_mapping();  // a mapped file that shrank under the copy gave zeros
  }
  Buffer<std::int8_t> q8 = grown_copy(q8_, rows_ * stride8_, checked_count(new_capacity, stride8_, "the int8 rows" + of),
                                      "the int8 rows" + of);
  Buffer<std::int64_t> ids = grown_copy(ids_, rows_, new_capacity, "the ids" + of);
  Buffer<std::uint8_t> alive = grown_copy(alive_, rows_, new_capacity, "the tombstones" + of);
  Buffer<float> sq_norms = grown_copy(sq_norms_, rows_, new_capacity, "the norms" + of);
  Buffer<float> q8_scale = grown_copy(q8_scale_, rows_, new_capacity, "the int8 scales" + of);
  Buffer<std::int32_t> q8_sum = grown_copy(q8_sum_, rows_, new_capacity, "the int8 sums" + of);
  Buffer<float> q8_l1_term = grown_copy(q8_l1_term_, rows_, new_capacity, "the int8 bounds" + of);
  Buffer<float> q8_norm_term = grown_copy(q8_norm_term_, rows_, new_capacity, "the int8 bounds" + of);
  Buffer<float> q8_error_norm = grown_copy(q8_error_norm_, rows_, new_capacity, "the int8 bounds" + of);
  Buffer<float> norms = grown_copy(norms_, rows_, new_capacity, "the norms" + of);
  store_ = std::move(store);
  data_ = store_.data();
  mapping_.reset();
  q8_ = std::move(q8);
  ids_ = std::move(ids);
  alive_ = std::move(alive);
  sq_norms_ = std::move(sq_norms);
  q8_scale_ = std::move(q8_scale);
  q8_sum_ = std::move(q8_sum);
  q8_l1_term_ = std::move(q8_l1_term);
  q8_norm_term_ = std::move(q8_norm_term);
  q8_error_norm_ = std::move(q8_error_norm);
  norms_ = std::move(norms);
  capacity_ = new_capacity;
}

void EmbeddingIndex::make_owned() {
  if (mapping_ != nullptr) reserve_rows(rows_);
}

void EmbeddingIndex::add(const MatrixView& vectors, std::span<const std::int64_t> ids) {
  std::unique_lock guard(*lock_);
  if (vectors.cols != dim_) {
    throw_value_error("vectors", "must have dim=" + std::to_string(dim_) + " columns, got " +
                                     std::to_string(vectors.cols));
  }
  const std::int64_t n = vectors.rows;
  const bool user_ids = !ids.empty() || n == 0;
  if (!ids.empty() && static_cast<std::int64_t>(ids.size()) != n) {
    throw_value_error("ids", "must have one id per vector (" + std::to_string(n) + "), got " +
                                 std::to_string(ids.size()));
  }
  if (user_ids && !ids.empty()) {
    std::unordered_set<std::int64_t> seen;
    seen.reserve(ids.size());
    for (std::size_t i = 0; i < ids.size(); ++i) {
      if ((i & 0xFFFF) == 0) check_interrupt();
      const std::int64_t id = ids[i];
      if (row_of_id_.count(id) != 0) throw_value_error("ids", "id " + std::to_string(id) + " is already in the index");
      if (!seen.insert(id).second) throw_value_error("ids", "duplicate id " + std::to_string(id));
    }
  }
  if (n == 0) return;
  std::int64_t next_id = 0;
  if (!user_ids) {
    constexpr std::int64_t kMaxId = std::numeric_limits<std::int64_t>::max();
    bool any = false;
    std::int64_t largest = 0;
    std::size_t seen = 0;
    for (const auto& [id, r] : row_of_id_) {
      if ((++seen & 0xFFFF) == 0) check_interrupt();
      largest = any ? std::max(largest, id) : id;
      any = true;
    }
    if (any && largest == kMaxId) {
      throw_value_error("ids", "cannot assign default ids: the index holds the largest int64 id 2**63-1 "
                               "(9223372036854775807), and default ids count up from the largest id; pass ids= explicitly");
    }
    next_id = any ? std::max<std::int64_t>(0, largest + 1) : 0;
    if (next_id > kMaxId - (n - 1)) {
      throw_value_error("ids", "cannot assign " + std::to_string(n) + " default ids counting up from " +
                                   std::to_string(next_id) + ": they would pass the largest int64 id 2**63-1; pass ids= explicitly");
    }
  }
  if (rows_ > std::numeric_limits<std::int64_t>::max() - n) {
    throw Error(ErrorCode::kOutOfMemory, "cannot allocate room for " + std::to_string(n) + " more vectors");
  }

  reserve_rows(rows_ + n);
  // Rows are written past rows_ first and only published when all of them passed the checks.
  // Rows are independent, so they are prepared in parallel; the first bad row is then reported
  // by the serial checker, which throws the message naming it.
  std::atomic<std::int64_t> first_bad{n};
  const int threads = threads_for(n * dim_, kMinFloatsPerThread);
  ParallelInterrupt interrupt;
  // Progress: rows prepared out of n, one report per block of 1024 rows (counted at the block's
  // first row, so the reports sum to n whichever thread runs the rest of the block).
  ProgressCounter* progress = current_progress();
  if (progress) progress->begin_stage(0, n);
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int64_t i = 0; i < n; ++i) {
    if ((i & 1023) == 0) {
      if (progress) progress->advance(std::min<std::int64_t>(1024, n - i));
      if (interrupt.poll()) continue;  // nothing is published after an interrupt
    }
    if (!prepare_row(vectors, i, rows_ + i)) {
      std::int64_t seen = first_bad.load();
      while (i < seen && !first_bad.compare_exchange_weak(seen, i)) {
      }
    }
  }
  interrupt.rethrow();
  if (first_bad.load() < n) throw_row_error(vectors, first_bad.load());
  row_of_id_.reserve(row_of_id_.size() + static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) {
    // Not polled: an interrupt here would leave half the ids published.
    const std::int64_t id = user_ids ? ids[i] : next_id + i;
    ids_[rows_ + i] = id;
    alive_[rows_ + i] = 1;
    row_of_id_.emplace(id, rows_ + i);
  }
  rows_ += n;
}

// Copies caller row i into stored row r and derives its norms and int8 copy; false if the row
// breaks a rule (never throws: it runs inside an OpenMP loop).
bool EmbeddingIndex::prepare_row(const MatrixView& vectors, std::int64_t i, std::int64_t r) {
  float* out = store_.data() + r * stride_;
  bool finite = true;
  if (!vectors.is_float64 && vectors.col_stride == 1) {
    std::memcpy(out, static_cast<const float*>(vectors.data) + i * vectors.row_stride,
                static_cast<std::size_t>(dim_) * sizeof(float));
  } else {
    for (std::int64_t c = 0; c < dim_; ++c) out[c] = static_cast<float>(element(vectors, i, c));
  }
  double sq = sum_squares(out, dim_, &finite);
  std::fill(out + dim_, out + stride_, 0.0f);
  if (!finite) return false;
  if (metric_ == Metric::kCosine) {
    if (!(sq > 0.0)) return false;
    normalise(out, dim_, sq);
    sq = stored_sq_norm(out, dim_);
  }
  sq_norms_[r] = static_cast<float>(sq);
  if (metric_ == Metric::kL2 && !std::isfinite(sq_norms_[r])) return false;
  quantize_row(r);
  return true;
}

void EmbeddingIndex::throw_row_error(const MatrixView& vectors, std::int64_t i) const {
  Buffer<float> scratch(static_cast<std::size_t>(stride_));
  const double sq = copy_row_checked(vectors, i, stride_, scratch.data(), "vectors");  // throws if non-finite
  if (metric_ == Metric::kCosine && !(sq > 0.0)) {
    throw_value_error("vectors", "row " + std::to_string(i) + " has zero norm; cosine needs non-zero vectors");
  }
  throw_value_error("vectors", "row " + std::to_string(i) + " overflows float32 when squared");
}

void EmbeddingIndex::remove(std::span<const std::int64_t> ids) {
  std::unique_lock guard(*lock_);
  std::unordered_set<std::int64_t> seen;
  seen.reserve(ids.size());
  for (std::size_t i = 0; i < ids.size(); ++i) {
    if ((i & 0xFFFF) == 0) check_interrupt();
    const std::int64_t id = ids[i];
    if (row_of_id_.count(id) == 0) throw_value_error("ids", "unknown id " + std::to_string(id));
    if (!seen.insert(id).second) throw_value_error("ids", "duplicate id " + std::to_string(id));
  }
  if (ids.empty()) return;
  make_owned();
  for (std::int64_t id : ids) {
    auto it = row_of_id_.find(id);
    alive_[it->second] = 0;
    row_of_id_.erase(it);
  }
  dead_ += static_cast<std::int64_t>(ids.size());
  // A quarter dead: scans waste >= 25% of their bandwidth, so pay one O(n) move now.
  if (dead_ * 4 >= rows_) compact();
}

void EmbeddingIndex::compact() {
  std::int64_t w = 0;
  for (std::int64_t r = 0; r < rows_; ++r) {
    if (alive_[r] == 0) continue;
    if (w != r) {
      std::memcpy(store_.data() + w * stride_, store_.data() + r * stride_, static_cast<std::size_t>(stride_) * sizeof(float));
      ids_[w] = ids_[r];
      sq_norms_[w] = sq_norms_[r];
      std::memcpy(q8_.data() + w * stride8_, q8_.data() + r * stride8_, static_cast<std::size_t>(stride8_));
      q8_scale_[w] = q8_scale_[r];
      q8_sum_[w] = q8_sum_[r];
      q8_l1_term_[w] = q8_l1_term_[r];
      q8_norm_term_[w] = q8_norm_term_[r];
      q8_error_norm_[w] = q8_error_norm_[r];
      norms_[w] = norms_[r];
      alive_[w] = 1;
    }
    ++w;
  }
  rows_ = w;
  dead_ = 0;
  rebuild_row_of_id();
}

void EmbeddingIndex::rebuild_row_of_id(bool interruptible) {
  row_of_id_.clear();
  row_of_id_.reserve(static_cast<std::size_t>(rows_));
  for (std::int64_t r = 0; r < rows_; ++r) {
    if (interruptible && (r & 0xFFFF) == 0) check_interrupt();
    if (alive_[r] != 0) row_of_id_.emplace(ids_[r], r);
  }
}

bool EmbeddingIndex::uses_tile_path(std::int64_t num_queries) const {
  const std::int64_t fixed = batch_min_queries_.load(std::memory_order_relaxed);
  if (fixed > 0) return num_queries >= fixed;
  return num_queries >= kDefaultBatchMinQueries && (num_queries + 3) / 4 >= num_threads();
}

bool EmbeddingIndex::prefilter_active(std::int64_t k) const {
  std::shared_lock guard(*lock_);
  return prefilter_active_unlocked(k);
}

bool EmbeddingIndex::prefilter_active_unlocked(std::int64_t k) const {
  // Worth it when the rows are many next to k (few survive) and int8 dot products are native;
  // 255 * 127 * stride8 must fit the int32 accumulators.
  return prefilter_enabled_.load(std::memory_order_relaxed) && live_count() >= 256 && k * 16 <= live_count() && stride8_ <= 32768 &&
         kernels::similarity_int8_is_fast();
}

Buffer<std::int64_t> EmbeddingIndex::ids() const {
  std::shared_lock guard(*lock_);
  return live_ids();
}

Buffer<std::int64_t> EmbeddingIndex::live_ids() const {
  Buffer<std::int64_t> out = allocate<std::int64_t>(live_count(), "the ids");
  std::int64_t w = 0;
  for (std::int64_t r = 0; r < rows_; ++r) {
    if (alive_[r] != 0) out[w++] = ids_[r];
  }
  return out;
}

Buffer<float> EmbeddingIndex::vectors() const {
  std::shared_lock guard(*lock_);
  check_mapping();
  Buffer<float> out = allocate<float>(live_count() * dim_, "a copy of the vectors");
  std::int64_t w = 0;
  for (std::int64_t r = 0; r < rows_; ++r) {
    if (alive_[r] == 0) continue;
    std::memcpy(out.data() + w * dim_, row(r), static_cast<std::size_t>(dim_) * sizeof(float));
    ++w;
  }
  check_mapping();  // zeros read from a file that shrank meanwhile are not returned
  return out;
}

}  // namespace fuseflow
