// Top-k selection: a bounded heap ordered by (score descending, id ascending) and a SIMD filter
// that skips the scores which cannot enter it.
#pragma once

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <limits>
#include <vector>

namespace fuseflow::kernels {

struct ScoredId {
  float score;
  std::int64_t id;
};

// a ranks before b: higher score, ties to the smaller id (the order results are returned in).
// A function object, so the heap algorithms inline it (a function pointer did not: 2-3% of a batch).
struct RanksBefore {
  bool operator()(const ScoredId& a, const ScoredId& b) const {
    return a.score > b.score || (a.score == b.score && a.id < b.id);
  }
};
inline constexpr RanksBefore ranks_before{};

// Keeps the k best entries seen; the worst kept entry sits at the top of a binary heap.
class TopKHeap {
 public:
  explicit TopKHeap(std::size_t k = 0) : k_(k) { heap_.reserve(k); }
  // Copies keep the full capacity, so pushes inside parallel regions never allocate.
  TopKHeap(const TopKHeap& other) : k_(other.k_) {
    heap_.reserve(k_);
    heap_ = other.heap_;
  }
  TopKHeap& operator=(const TopKHeap& other) {
    k_ = other.k_;
    heap_.reserve(k_);
    heap_ = other.heap_;
    return *this;
  }
  TopKHeap(TopKHeap&&) noexcept = default;
  TopKHeap& operator=(TopKHeap&&) noexcept = default;

  void reset(std::size_t k) {
    k_ = k;
    heap_.clear();
    heap_.reserve(k);
  }
  std::size_t size() const { return heap_.size(); }
  bool full() const { return heap_.size() >= k_; }

  // Scores below this can never enter (equal scores may, with a smaller id).
  float threshold() const { return full() && k_ > 0 ? heap_.front().score : -std::numeric_limits<float>::infinity(); }

  void push(float score, std::int64_t id) {
    ScoredId entry{score, id};
    if (heap_.size() < k_) {
      heap_.push_back(entry);
      std::push_heap(heap_.begin(), heap_.end(), ranks_before);
    } else if (k_ > 0 && ranks_before(entry, heap_.front())) {
      std::pop_heap(heap_.begin(), heap_.end(), ranks_before);
      heap_.back() = entry;
      std::push_heap(heap_.begin(), heap_.end(), ranks_before);
    }
  }

  void merge(const TopKHeap& other) {
    for (const ScoredId& e : other.heap_) push(e.score, e.id);
  }

  // Best first; the heap is emptied.
  std::vector<ScoredId> take_sorted() {
    std::sort(heap_.begin(), heap_.end(), ranks_before);
    return std::move(heap_);
  }

 private:
  std::size_t k_;
  std::vector<ScoredId> heap_;  // std heap with comparator ranks_before: front() is the worst kept
};

// Writes to `positions` the indices i < count with scores[i] >= threshold, ascending; returns how
// many. `positions` must have room for count + 16 entries (vector stores may overrun the count).
std::size_t topk_filter_at_least(const float* scores, std::size_t count, float threshold, std::uint32_t* positions);

// Pushes scores[i] (row i of a block whose rows have ids row_ids[i]) into `heap`, skipping rows
// with alive[i] == 0 (alive may be null: all alive). Filters in chunks so most scores cost one
// SIMD compare against the heap's current threshold.
void topk_push_block(TopKHeap& heap, const float* scores, std::size_t count, const std::int64_t* row_ids,
                     const std::uint8_t* alive);

}  // namespace fuseflow::kernels
