// Output block cache of the pricing layer (see output_pool.h).
#include "fuseflow/finance/output_pool.h"

#include <sys/mman.h>

#include <cstdlib>
#include <mutex>
#include <string>
#include <unordered_map>
#include <vector>

#include "fuseflow/core/error.h"

namespace fuseflow::finance {
namespace {

constexpr std::size_t kHugePage = std::size_t{2} << 20;

std::size_t rounded(std::size_t bytes) {
  const std::size_t align = bytes >= kHugePage ? kHugePage : 64;
  return (bytes + align - 1) / align * align;
}

struct Pool {
  std::mutex mutex;
  std::unordered_map<std::size_t, std::vector<void*>> free_blocks;  // by rounded size
  std::size_t cached_bytes = 0;
};

// Leaked on purpose: arrays may be released by NumPy during interpreter shutdown, after static
// destructors would have run.
Pool& pool() {
  static Pool* p = new Pool;
  return *p;
}

}  // namespace

void* acquire_output(std::size_t bytes) {
  const std::size_t size = rounded(bytes == 0 ? 1 : bytes);
  {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    auto it = p.free_blocks.find(size);
    if (it != p.free_blocks.end() && !it->second.empty()) {
      void* block = it->second.back();
      it->second.pop_back();
      p.cached_bytes -= size;
      return block;
    }
  }
  const std::size_t align = size >= kHugePage ? kHugePage : 64;
  void* block = std::aligned_alloc(align, size);
  if (!block) throw Error(ErrorCode::kOutOfMemory, "could not allocate " + std::to_string(size) + " bytes");
  if (size >= kHugePage) madvise(block, size, MADV_HUGEPAGE);  // advisory: ignore failure
  return block;
}

void release_output(void* block, std::size_t bytes) noexcept {
  if (!block) return;
  const std::size_t size = rounded(bytes == 0 ? 1 : bytes);
  {
    Pool& p = pool();
    std::lock_guard<std::mutex> lock(p.mutex);
    if (p.cached_bytes + size <= kOutputPoolBytes) {
      try {
        p.free_blocks[size].push_back(block);
        p.cached_bytes += size;
        return;
      } catch (...) {  // no memory for the bookkeeping: free the block instead
      }
    }
  }
  std::free(block);
}

}  // namespace fuseflow::finance
