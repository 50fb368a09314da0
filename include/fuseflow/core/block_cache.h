// Recycled memory for large arrays (jit results, eager array ops, pricing outputs, Buffer).
//
// A fresh large block costs a page fault and the zeroing of every page on its first write: for a
// 10M float64 result (80 MB) the kernel's clear_page was 38% of a jitted cumsum's profile, more
// than NumPy's own cumsum spends on the scan. Blocks of kCachedBlockMinBytes or more that are
// released here (when NumPy frees an array handed out on such a block) are kept, up to a byte
// limit, and handed out again for the next request of the same rounded size; past the limit the
// least recently released blocks go back to the C library. Smaller blocks never enter the cache:
// malloc already recycles them without faults; nor do blocks over half the limit (a dropped huge
// array gives its memory back at once).
// The limit is 256 MB (FUSEFLOW_MEMORY_CACHE_MB overrides it at the first use; 0 turns the cache
// off); ff.clear_memory_cache() empties it.
#pragma once

#include <cstddef>

namespace fuseflow {

inline constexpr std::size_t kCachedBlockMinBytes = std::size_t{512} << 10;

// At least `bytes` bytes, 64-byte aligned (2 MB aligned from 2 MB up, with transparent huge pages
// asked for); never null (throws the core out-of-memory Error). Contents unspecified.
// block_size(bytes) is what the block really holds and what release_block must be given.
void* acquire_block(std::size_t bytes);
std::size_t block_size(std::size_t bytes) noexcept;

// Gives back a block from acquire_block(bytes): cached for reuse when it holds from
// kCachedBlockMinBytes to half the limit, else freed.
void release_block(void* block, std::size_t bytes) noexcept;

struct BlockCacheInfo {
  std::size_t blocks = 0;       // cached now
  std::size_t bytes = 0;        // cached now
  std::size_t limit_bytes = 0;  // 0: the cache is off
  std::size_t hits = 0;         // acquire_block calls served from the cache so far
};
BlockCacheInfo block_cache_info();

// Frees every cached block (blocks in use are not affected).
void clear_block_cache() noexcept;

// Replaces the byte limit (tests; 0 turns the cache off) and frees the cached blocks.
void set_block_cache_limit(std::size_t bytes) noexcept;

}  // namespace fuseflow
