// Recycled memory for large results (see block_cache.h).
#include "fuseflow/core/block_cache.h"

#include <pthread.h>
#include <sys/mman.h>

#include <atomic>
#include <cstdint>
#include <cstdlib>
#include <mutex>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/memory_limit.h"

namespace fuseflow {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;
// 256 MB: a few results of the sizes that pay (a 10M float64 result is 80 MB), little enough
// that memory a program stops using is not held in bulk.
constexpr std::size_t kDefaultLimitBytes = std::size_t{256} << 20;

std::size_t limit_from_environment() {
  const char* text = std::getenv("FUSEFLOW_MEMORY_CACHE_MB");
  if (text == nullptr || *text == '\0') return kDefaultLimitBytes;
  char* end = nullptr;
  const unsigned long long mb = std::strtoull(text, &end, 10);
  // A malformed value keeps the default rather than failing every allocation of the process.
  if (end == text || *end != '\0' || mb > (std::size_t{1} << 24)) return kDefaultLimitBytes;
  return static_cast<std::size_t>(mb) << 20;
}

struct Entry {
  void* block;
  std::size_t size;
  std::uint64_t released;  // release order: the smallest is evicted first
};

// A handful of entries in practice (one per result size a program returns), at most
// limit / kCachedBlockMinBytes: a linear scan is cheaper than any index at these counts.
struct Cache {
  std::mutex mutex;
  std::vector<Entry> entries;
  std::size_t bytes = 0;
  std::size_t limit = limit_from_environment();
  std::size_t hits = 0;
  std::uint64_t clock = 0;
};

std::atomic<Cache*> g_cache{nullptr};

// fork() copies the lock as it is: taken by another thread at that moment (a result being made or
// freed), it stayed taken in the child, whose first large allocation then blocked forever. The
// forking thread takes it before the fork, so the list is whole in both processes, and each
// releases it after.
void lock_for_fork() { g_cache.load(std::memory_order_acquire)->mutex.lock(); }
void unlock_after_fork() { g_cache.load(std::memory_order_acquire)->mutex.unlock(); }

// Made on first use without a lock (not a function-local static, whose initialisation guard is a
// lock a fork() could copy taken: the child blocked on it forever). Two threads may both make one;
// the loser frees its own. Leaked on purpose: NumPy may free arrays during interpreter shutdown,
// after static destructors.
Cache& cache() {
  Cache* c = g_cache.load(std::memory_order_acquire);
  if (c != nullptr) return *c;
  Cache* made = new Cache;
  if (!g_cache.compare_exchange_strong(c, made, std::memory_order_acq_rel)) {
    delete made;
    return *c;
  }
  pthread_atfork(lock_for_fork, unlock_after_fork, unlock_after_fork);
  return *made;
}

std::size_t alignment_for(std::size_t size) { return size >= kHugePage ? kHugePage : 64; }

}  // namespace

std::size_t block_size(std::size_t bytes) noexcept {
  const std::size_t align = alignment_for(bytes == 0 ? 1 : bytes);
  return ((bytes == 0 ? 1 : bytes) + align - 1) / align * align;
}

void* acquire_block(std::size_t bytes) {
  if (bytes > SIZE_MAX / 2) throw Error(ErrorCode::kOutOfMemory, "could not allocate " + std::to_string(bytes) + " bytes");
  const std::size_t size = block_size(bytes);
  if (size >= kCachedBlockMinBytes) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    std::size_t best = c.entries.size();
    for (std::size_t i = 0; i < c.entries.size(); ++i) {
      // The most recently released block of the size: the likeliest to be in cache still.
      if (c.entries[i].size == size && (best == c.entries.size() || c.entries[i].released > c.entries[best].released)) best = i;
    }
    if (best != c.entries.size()) {
      void* block = c.entries[best].block;
      c.entries[best] = c.entries.back();
      c.entries.pop_back();
      c.bytes -= size;
      ++c.hits;
      return block;
    }
  }
  // A block larger than all the memory this process may use is refused here: under a cgroup's
  // limit the allocation itself succeeds (overcommit) and the kernel kills the process when the
  // pages are touched.
  const MemoryCap cap = memory_cap();
  if (cap.from_cgroup && size > cap.bytes) {
    throw Error(ErrorCode::kOutOfMemory, "could not allocate " + std::to_string(size) + " bytes: more than the " +
                                             std::to_string(cap.bytes >> 20) +
                                             " MiB this process may use (its cgroup's memory limit)");
  }
  void* block = std::aligned_alloc(alignment_for(size), size);
  if (block == nullptr) throw Error(ErrorCode::kOutOfMemory, "could not allocate " + std::to_string(size) + " bytes");
  if (size >= kHugePage) madvise(block, size, MADV_HUGEPAGE);  // advice only: ignore failure
  return block;
}

void release_block(void* block, std::size_t bytes) noexcept {
  if (block == nullptr) return;
  const std::size_t size = block_size(bytes);
  std::vector<void*> evicted;
  if (size >= kCachedBlockMinBytes) {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    if (size <= c.limit / 2) {  // a block over half the limit would evict most of the cache
      try {
        c.entries.reserve(c.entries.size() + 1);
        evicted.reserve(c.entries.size());
        while (c.bytes + size > c.limit) {
          std::size_t oldest = 0;
          for (std::size_t i = 1; i < c.entries.size(); ++i) {
            if (c.entries[i].released < c.entries[oldest].released) oldest = i;
          }
          evicted.push_back(c.entries[oldest].block);
          c.bytes -= c.entries[oldest].size;
          c.entries[oldest] = c.entries.back();
          c.entries.pop_back();
        }
        c.entries.push_back(Entry{block, size, ++c.clock});
        c.bytes += size;
        block = nullptr;
      } catch (...) {  // no memory for the bookkeeping: free the block instead
      }
    }
  }
  for (void* old : evicted) std::free(old);  // outside the lock
  std::free(block);
}

BlockCacheInfo block_cache_info() {
  Cache& c = cache();
  std::lock_guard<std::mutex> lock(c.mutex);
  return BlockCacheInfo{c.entries.size(), c.bytes, c.limit, c.hits};
}

void clear_block_cache() noexcept {
  std::vector<Entry> entries;
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    entries.swap(c.entries);
    c.bytes = 0;
  }
  for (const Entry& e : entries) std::free(e.block);
}

void set_block_cache_limit(std::size_t bytes) noexcept {
  {
    Cache& c = cache();
    std::lock_guard<std::mutex> lock(c.mutex);
    c.limit = bytes;
  }
  clear_block_cache();
}

}  // namespace fuseflow
