#include "fuseflow/index/embedding_index.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <cmath>
#include <cstdio>
#include <cstdint>
#include <cstring>
#include <exception>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <unordered_set>
#include <utility>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/index/index_file.h"
#include "fuseflow/kernels/similarity.h"
#include "fuseflow/kernels/topk_select.h"

namespace fuseflow {
namespace {

using kernels::ScoredId;
using kernels::TopKHeap;

// Database rows scored per kernel call on the single-query path: 2 KB of scores in L1.
constexpr std::int64_t kScanBlockRows = 512;
// Rows per block on the batch path: 64 rows x 4 KB (dim 1024) stay in L2 while every query
// tile of the batch sweeps them.
constexpr std::int64_t kTileBlockRows = 64;
// A thread is worth waking for 64K floats (256 KB) of rows: ~10 us of streaming.
constexpr std::int64_t kMinFloatsPerThread = 1 << 16;
// The batch prefilter keeps one upper bound per (query, row): at most 64 MB of them.
constexpr std::int64_t kMaxBatchBoundEntries = std::int64_t{1} << 24;
// Int8 rounding error per value, in units of the scale: 1/2, plus room for the rounding of x/s.
constexpr double kQuantHalfStep = 0.5 + 1e-4;

std::int64_t round_up_stride(std::int64_t dim) {
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

template <class T>
void grow_copy(Buffer<T>& buffer, std::int64_t used, std::int64_t new_capacity) {
  Buffer<T> bigger(static_cast<std::size_t>(new_capacity));
  advise_huge_pages(bigger);
  if (used > 0) std::memcpy(bigger.data(), buffer.data(), static_cast<std::size_t>(used) * sizeof(T));
  buffer = std::move(bigger);
}

std::string fmt_value(double v) {
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
double sum_squares(const float* row, std::int64_t cols, bool* finite = nullptr) {
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

double stored_sq_norm(const float* row, std::int64_t cols) { return sum_squares(row, cols); }

// Copies row r into `out` (stride floats, zero padded), rejecting NaN/inf; returns |row|^2 in
// float64 so the cosine normalisation is accurate.
double copy_row_checked(const MatrixView& m, std::int64_t r, std::int64_t stride, float* out, const char* argument) {
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

void normalise(float* row, std::int64_t cols, double sq_norm) {
  const double inv = 1.0 / std::sqrt(sq_norm);
  for (std::int64_t c = 0; c < cols; ++c) row[c] = static_cast<float>(row[c] * inv);
}


// Exceptions must not leave an OpenMP region: the calling thread polls for Ctrl-C and the
// others see the flag at their next block boundary.
class ParallelInterrupt {
 public:
  bool poll() {
    if (omp_get_thread_num() == 0 && !stop_.load(std::memory_order_relaxed)) {
      try {
        check_interrupt();
      } catch (...) {
        error_ = std::current_exception();
        stop_.store(true, std::memory_order_relaxed);
      }
    }
    return stop_.load(std::memory_order_relaxed);
  }
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

void write_results(TopKHeap& heap, bool negate, float* scores, std::int64_t* ids) {
  std::vector<ScoredId> best = heap.take_sorted();
  for (std::size_t i = 0; i < best.size(); ++i) {
    scores[i] = negate ? -best[i].score : best[i].score;
    ids[i] = best[i].id;
  }
}

}  // namespace

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

struct EmbeddingIndex::Mapping {
  void* base = MAP_FAILED;
  std::size_t bytes = 0;
  ~Mapping() {
    if (base != MAP_FAILED) munmap(base, bytes);
  }
};

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
  prefilter_enabled_ = other.prefilter_enabled_;
  batch_min_queries_ = other.batch_min_queries_;
  return *this;
}

void EmbeddingIndex::reserve_rows(std::int64_t needed) {
  if (needed <= capacity_ && mapping_ == nullptr) return;
  const std::int64_t new_capacity = std::max({needed, capacity_ + capacity_ / 2, std::int64_t{16}});
  Buffer<float> bigger(static_cast<std::size_t>(new_capacity * stride_));
  advise_huge_pages(bigger);
  if (rows_ > 0) std::memcpy(bigger.data(), data_, static_cast<std::size_t>(rows_ * stride_) * sizeof(float));
  store_ = std::move(bigger);
  data_ = store_.data();
  mapping_.reset();
  grow_copy(ids_, rows_, new_capacity);
  grow_copy(alive_, rows_, new_capacity);
  grow_copy(sq_norms_, rows_, new_capacity);
  grow_copy(q8_, rows_ * stride8_, new_capacity * stride8_);
  grow_copy(q8_scale_, rows_, new_capacity);
  grow_copy(q8_sum_, rows_, new_capacity);
  grow_copy(q8_l1_term_, rows_, new_capacity);
  grow_copy(q8_norm_term_, rows_, new_capacity);
  grow_copy(q8_error_norm_, rows_, new_capacity);
  grow_copy(norms_, rows_, new_capacity);
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
    for (std::int64_t id : ids) {
      if (row_of_id_.count(id) != 0) throw_value_error("ids", "id " + std::to_string(id) + " is already in the index");
      if (!seen.insert(id).second) throw_value_error("ids", "duplicate id " + std::to_string(id));
    }
  }
  if (n == 0) return;
  std::int64_t next_id = 0;
  if (!user_ids) {
    for (const auto& [id, r] : row_of_id_) next_id = std::max(next_id, id + 1);
    if (next_id > std::numeric_limits<std::int64_t>::max() - n) throw_value_error("ids", "default ids would overflow int64");
  }

  reserve_rows(rows_ + n);
  // Rows are written past rows_ first and only published when all of them passed the checks.
  // Rows are independent, so they are prepared in parallel; the first bad row is then reported
  // by the serial checker, which throws the message naming it.
  std::atomic<std::int64_t> first_bad{n};
  const int threads = threads_for(n * dim_, kMinFloatsPerThread);
  ParallelInterrupt interrupt;
#pragma omp parallel for schedule(static) num_threads(threads)
  for (std::int64_t i = 0; i < n; ++i) {
    if ((i & 1023) == 0 && interrupt.poll()) continue;  // nothing is published after an interrupt
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
  for (std::int64_t id : ids) {
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

void EmbeddingIndex::rebuild_row_of_id() {
  row_of_id_.clear();
  row_of_id_.reserve(static_cast<std::size_t>(rows_));
  for (std::int64_t r = 0; r < rows_; ++r) {
    if (alive_[r] != 0) row_of_id_.emplace(ids_[r], r);
  }
}

void EmbeddingIndex::quantize_row(std::int64_t r) {
  const float* x = row(r);
  std::int8_t* out = q8_.data() + r * stride8_;
  float max_abs = 0.0f;
  for (std::int64_t c = 0; c < dim_; ++c) max_abs = std::max(max_abs, std::abs(x[c]));
  const float scale = max_abs / 127.0f;
  const float inverse = max_abs > 0.0f ? 127.0f / max_abs : 0.0f;
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
  q8_l1_term_[r] = static_cast<float>(static_cast<double>(scale) * kQuantHalfStep * abs_sum * up);
  q8_norm_term_[r] = static_cast<float>(static_cast<double>(scale) * std::sqrt(static_cast<double>(sq_sum)) * up);
  q8_error_norm_[r] = static_cast<float>(std::sqrt(error_sq) * up + 1e-30);
  norms_[r] = static_cast<float>(std::sqrt(stored_sq_norm(x, dim_)) * up);
}

bool EmbeddingIndex::uses_tile_path(std::int64_t num_queries) const {
  if (batch_min_queries_ > 0) return num_queries >= batch_min_queries_;
  return num_queries >= kDefaultBatchMinQueries && (num_queries + 3) / 4 >= num_threads();
}

bool EmbeddingIndex::prefilter_active(std::int64_t k) const {
  // Worth it when the rows are many next to k (few survive) and int8 dot products are native;
  // 255 * 127 * stride8 must fit the int32 accumulators.
  return prefilter_enabled_ && size() >= 256 && k * 16 <= size() && stride8_ <= 32768 &&
         kernels::similarity_int8_is_fast();
}

Buffer<std::int64_t> EmbeddingIndex::ids() const {
  std::shared_lock guard(*lock_);
  return live_ids();
}

Buffer<std::int64_t> EmbeddingIndex::live_ids() const {
  Buffer<std::int64_t> out(static_cast<std::size_t>(size()));
  std::int64_t w = 0;
  for (std::int64_t r = 0; r < rows_; ++r) {
    if (alive_[r] != 0) out[w++] = ids_[r];
  }
  return out;
}

Buffer<float> EmbeddingIndex::vectors() const {
  std::shared_lock guard(*lock_);
  Buffer<float> out(static_cast<std::size_t>(size() * dim_));
  std::int64_t w = 0;
  for (std::int64_t r = 0; r < rows_; ++r) {
    if (alive_[r] == 0) continue;
    std::memcpy(out.data() + w * dim_, row(r), static_cast<std::size_t>(dim_) * sizeof(float));
    ++w;
  }
  return out;
}

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
  result.k = std::min(k, size());
  result.scores = Buffer<float>(static_cast<std::size_t>(nq * result.k));
  result.ids = Buffer<std::int64_t>(static_cast<std::size_t>(nq * result.k));

  // One padded, aligned copy of the queries: converts float64, checks values, normalises cosine.
  // Up to 4 MB is reused per calling thread: a fresh buffer per call costs page faults every time.
  constexpr std::size_t kCachedQueryFloats = std::size_t{1} << 20;
  const auto query_floats = static_cast<std::size_t>(nq * stride_);
  thread_local Buffer<float> cached_padded, cached_norms;
  Buffer<float> own_padded, own_norms;
  Buffer<float>& padded = query_floats <= kCachedQueryFloats ? cached_padded : own_padded;
  Buffer<float>& query_sq_norms = query_floats <= kCachedQueryFloats ? cached_norms : own_norms;
  if (padded.size() < query_floats) padded = Buffer<float>(query_floats);
  if (query_sq_norms.size() < static_cast<std::size_t>(nq)) query_sq_norms = Buffer<float>(static_cast<std::size_t>(nq));
  for (std::int64_t q = 0; q < nq; ++q) {
    float* out = padded.data() + q * stride_;
    const double sq = copy_row_checked(queries, q, stride_, out, "queries");
    if (metric_ == Metric::kCosine) {
      if (!(sq > 0.0)) {
        throw_value_error("queries", "query " + std::to_string(q) + " has zero norm; cosine needs non-zero queries");
      }
      normalise(out, dim_, sq);
    }
    // Of the query as searched (normalised for cosine): the prefilter's bounds depend on it.
    query_sq_norms[q] = static_cast<float>(metric_ == Metric::kCosine ? stored_sq_norm(out, dim_) : sq);
  }
  if (result.k == 0 || nq == 0) return result;

  if (!uses_tile_path(nq)) {
    const bool prefilter = prefilter_active(result.k);
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
  } else if (prefilter_active(result.k) && nq * rows_ <= kMaxBatchBoundEntries) {
    search_batch_prefiltered(padded.data(), query_sq_norms.data(), nq, result.k, result.scores.data(), result.ids.data());
  } else {
    search_batch(padded.data(), query_sq_norms.data(), nq, result.k, result.scores.data(), result.ids.data());
  }
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
        float* s = block.data() + (q - q_begin) * kTileBlockRows;
        if (l2) {
          // |x - q|^2 = |x|^2 + |q|^2 - 2 x.q, clamped at 0 against rounding; negated for the heap.
          const float qn = query_sq_norms[q];
          for (std::int64_t j = 0; j < n; ++j) s[j] = -std::max(0.0f, sq_norms_[b + j] + qn - 2.0f * s[j]);
        }
        kernels::topk_push_block(my_heaps[q], s, static_cast<std::size_t>(n), ids_.data() + b,
                                 alive != nullptr ? alive + b : nullptr);
      }
    }
  }
  interrupt.rethrow();
  for (std::int64_t q = 0; q < nq; ++q) {
    for (int t = 1; t < heap_sets; ++t) heaps[q].merge(heaps[static_cast<std::size_t>(t * nq + q)]);
    write_results(heaps[q], l2, scores + q * k, ids + q * k);
  }
}

void EmbeddingIndex::save(const std::string& path) const {
  std::shared_lock guard(*lock_);
  // Write a temporary file and rename it over `path`: a reader (or this index) may have `path`
  // mapped, and truncating a mapped file would make its pages fault. Rename is atomic.
  const std::string temporary = path + ".tmp-" + std::to_string(::getpid());
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) throw_value_error("path", "cannot open '" + path + "' for writing: " + std::strerror(errno));
  IndexFileHeader header = make_index_header(metric_, dim_, stride_, size());
  IndexChecksum checksum;
  checksum.update(&header, kIndexHeaderChecksummedBytes);
  bool ok = true;
  auto write = [&](const void* data, std::size_t bytes) {
    if (ok && bytes > 0 && std::fwrite(data, 1, bytes, file) != bytes) ok = false;
  };
  // The header's checksum field is filled in after the payload, so write a placeholder first.
  write(&header, sizeof header);
  for (std::int64_t r = 0; r < rows_; ++r) {
    if (alive_[r] == 0) continue;
    const std::size_t bytes = static_cast<std::size_t>(stride_) * sizeof(float);
    checksum.update(row(r), bytes);
    write(row(r), bytes);
  }
  Buffer<std::int64_t> ids_written = live_ids();
  checksum.update(ids_written.data(), ids_written.size() * sizeof(std::int64_t));
  write(ids_written.data(), ids_written.size() * sizeof(std::int64_t));
  header.checksum = checksum.digest();
  if (ok && std::fseek(file, 0, SEEK_SET) != 0) ok = false;
  write(&header, sizeof header);
  if (std::fclose(file) != 0) ok = false;
  const int write_errno = errno;
  if (ok && std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    std::remove(temporary.c_str());
    throw_value_error("path", "could not replace '" + path + "': " + std::strerror(rename_errno));
  }
  if (!ok) {
    std::remove(temporary.c_str());
    throw_value_error("path", "could not write '" + path + "': " + std::strerror(write_errno));
  }
}

EmbeddingIndex EmbeddingIndex::load(const std::string& path, bool use_mmap) {
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_value_error("path", "cannot open '" + path + "': " + std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw_value_error("path", "cannot stat '" + path + "': " + std::strerror(errno));
  const auto file_bytes = static_cast<std::uint64_t>(info.st_size);

  IndexFileHeader header{};
  if (file_bytes < sizeof header) {
    throw_value_error("path", "'" + path + "' is truncated: " + std::to_string(file_bytes) + " bytes, the header alone needs " +
                                  std::to_string(sizeof header));
  }
  if (::pread(fd, &header, sizeof header, 0) != static_cast<ssize_t>(sizeof header)) {
    throw_value_error("path", "cannot read the header of '" + path + "'");
  }
  const IndexFileLayout layout = check_index_header(header, file_bytes, path);

  EmbeddingIndex index(static_cast<std::int64_t>(header.dim), static_cast<Metric>(header.metric));
  const std::int64_t count = static_cast<std::int64_t>(header.count);
  const std::size_t vector_bytes = static_cast<std::size_t>(layout.vector_bytes);
  const float* vectors = nullptr;
  if (use_mmap && count > 0) {
    auto mapping = std::make_shared<Mapping>();
    mapping->bytes = static_cast<std::size_t>(file_bytes);
    mapping->base = ::mmap(nullptr, mapping->bytes, PROT_READ, MAP_PRIVATE, fd, 0);
    if (mapping->base == MAP_FAILED) throw_value_error("path", "cannot map '" + path + "': " + std::strerror(errno));
    vectors = reinterpret_cast<const float*>(static_cast<const char*>(mapping->base) + kIndexPayloadOffset);
    index.mapping_ = std::move(mapping);
    index.capacity_ = 0;
  } else {
    index.reserve_rows(count);
    if (vector_bytes > 0 && !read_fully(fd, index.store_.data(), vector_bytes, kIndexPayloadOffset)) {
      throw_value_error("path", "cannot read the vectors of '" + path + "'");
    }
    vectors = index.store_.data();
  }
  // Column buffers are always owned (they are small next to the vectors).
  if (index.mapping_ != nullptr) {
    index.ids_ = Buffer<std::int64_t>(static_cast<std::size_t>(count));
    index.alive_ = Buffer<std::uint8_t>(static_cast<std::size_t>(count));
    index.sq_norms_ = Buffer<float>(static_cast<std::size_t>(count));
    index.q8_ = Buffer<std::int8_t>(static_cast<std::size_t>(count * index.stride8_));
    advise_huge_pages(index.q8_);
    index.q8_scale_ = Buffer<float>(static_cast<std::size_t>(count));
    index.q8_sum_ = Buffer<std::int32_t>(static_cast<std::size_t>(count));
    index.q8_l1_term_ = Buffer<float>(static_cast<std::size_t>(count));
    index.q8_norm_term_ = Buffer<float>(static_cast<std::size_t>(count));
    index.q8_error_norm_ = Buffer<float>(static_cast<std::size_t>(count));
    index.norms_ = Buffer<float>(static_cast<std::size_t>(count));
  }
  if (count > 0 &&
      !read_fully(fd, index.ids_.data(), static_cast<std::size_t>(count) * sizeof(std::int64_t),
                  kIndexPayloadOffset + vector_bytes)) {
    throw_value_error("path", "cannot read the ids of '" + path + "'");
  }
  IndexChecksum checksum;
  checksum.update(&header, kIndexHeaderChecksummedBytes);
  checksum.update(vectors, vector_bytes);
  checksum.update(index.ids_.data(), static_cast<std::size_t>(count) * sizeof(std::int64_t));
  if (checksum.digest() != header.checksum) {
    throw_value_error("path", "'" + path + "' is corrupted: checksum mismatch");
  }
  index.data_ = vectors;
  index.rows_ = count;
  ParallelInterrupt interrupt;
#pragma omp parallel for schedule(static) num_threads(threads_for(count * index.dim_, kMinFloatsPerThread))
  for (std::int64_t r = 0; r < count; ++r) {
    if ((r & 1023) == 0 && interrupt.poll()) continue;
    index.alive_[r] = 1;
    index.sq_norms_[r] = static_cast<float>(stored_sq_norm(vectors + r * index.stride_, index.dim_));
    index.quantize_row(r);
  }
  interrupt.rethrow();
  index.rebuild_row_of_id();
  if (static_cast<std::int64_t>(index.row_of_id_.size()) != count) {
    throw_value_error("path", "'" + path + "' is corrupted: duplicate ids");
  }
  return index;
}

}  // namespace fuseflow
