// Buffer<T>: an owned, 64-byte aligned, uninitialised array. Moves, never copies implicitly.
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <new>
#include <string>
#include <span>
#include <type_traits>
#include <utility>

#include "fuseflow/core/block_cache.h"
#include "fuseflow/core/error.h"

#if defined(__linux__)
#include <sys/mman.h>
#endif

namespace fuseflow {

inline constexpr std::size_t kBufferAlignment = 64;

// Large buffers ask the kernel for transparent huge pages, as NumPy does for its arrays: a fresh
// 32 MB result otherwise takes 8,192 page faults (each zeroing 4 KiB) on first write, which
// measured 2.5x the run time of a jitted exp over 4M float64 (perf: clear_page, exc_page_fault).
// Advice only: where THP is off ("never") or unsupported nothing changes.
inline constexpr std::size_t kHugePageAdviceBytes = std::size_t{4} << 20;

inline void advise_huge_pages([[maybe_unused]] void* data, [[maybe_unused]] std::size_t bytes) {
#if defined(__linux__) && defined(MADV_HUGEPAGE)
  constexpr std::uintptr_t kPage = 4096;
  const auto begin = (reinterpret_cast<std::uintptr_t>(data) + kPage - 1) & ~(kPage - 1);
  const auto end = (reinterpret_cast<std::uintptr_t>(data) + bytes) & ~(kPage - 1);
  if (end > begin) madvise(reinterpret_cast<void*>(begin), end - begin, MADV_HUGEPAGE);
#endif
}

template <class T>
class Buffer {
  static_assert(std::is_trivially_copyable_v<T>, "Buffer holds plain data only");

 public:
  Buffer() = default;
  explicit Buffer(std::size_t size) : size_(size) {
    // A count whose byte size would wrap must not become a small allocation that is then overrun.
    if (size > (std::numeric_limits<std::size_t>::max() / 2) / sizeof(T)) {
      size_ = 0;
      throw Error(ErrorCode::kOutOfMemory, "could not allocate " + std::to_string(size) + " elements of " +
                                               std::to_string(sizeof(T)) + " bytes (the size overflows)");
    }
    // Always allocate so data() is never null. Through the block cache (block_cache.h): blocks
    // from kCachedBlockMinBytes are recycled, as jit results are, so a native algorithm's large
    // arrays (a 4M-node BFS takes ~80 MB per call) take no page faults on repeated calls (left
    // to malloc while the jit results' blocks sat in the cache, that BFS ran 149-176 ms in a
    // process that also ran the DSL BFS, against 124-139 ms recycled); smaller ones are
    // aligned_alloc'd there.
    data_ = static_cast<T*>(acquire_block(allocated_bytes(size)));
  }
  Buffer(std::size_t size, T fill) : Buffer(size) {
    for (std::size_t i = 0; i < size; ++i) data_[i] = fill;
  }
  ~Buffer() { free_data(); }

  Buffer(Buffer&& other) noexcept
      : data_(std::exchange(other.data_, nullptr)), size_(std::exchange(other.size_, 0)) {}
  Buffer& operator=(Buffer&& other) noexcept {
    if (this != &other) {
      free_data();
      data_ = std::exchange(other.data_, nullptr);
      size_ = std::exchange(other.size_, 0);
    }
    return *this;
  }
  Buffer(const Buffer&) = delete;
  Buffer& operator=(const Buffer&) = delete;

  Buffer clone() const {
    Buffer copy(size_);
    if (size_) std::memcpy(copy.data_, data_, size_ * sizeof(T));
    return copy;
  }

  T* data() noexcept { return data_; }
  const T* data() const noexcept { return data_; }
  std::size_t size() const noexcept { return size_; }
  bool empty() const noexcept { return size_ == 0; }
  T& operator[](std::size_t i) noexcept { return data_[i]; }
  const T& operator[](std::size_t i) const noexcept { return data_[i]; }
  T* begin() noexcept { return data_; }
  T* end() noexcept { return data_ + size_; }
  const T* begin() const noexcept { return data_; }
  const T* end() const noexcept { return data_ + size_; }
  std::span<T> span() noexcept { return {data_, size_}; }
  std::span<const T> span() const noexcept { return {data_, size_}; }

 private:
  // The byte count the constructor asked for (size_ rounded up to the alignment; at least one unit).
  static std::size_t allocated_bytes(std::size_t size) noexcept {
    const std::size_t bytes = (size * sizeof(T) + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
    return bytes == 0 ? kBufferAlignment : bytes;
  }
  void free_data() noexcept { release_block(data_, allocated_bytes(size_)); }

  T* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace fuseflow
