// Recycled output memory for the pricing kernels' large results.
//
// A 1M-option greeks call returns 72 MB in nine fresh arrays; taken from the OS each time, the
// page faults and page zeroing cost more than the kernel itself (measured: ~60% of the call).
// Blocks released here (when NumPy frees an array we handed out) are kept, bounded, and handed
// out again for the next request of the same size; large blocks ask for transparent huge pages.
#pragma once

#include <cstddef>

namespace fuseflow::finance {

// At least `bytes` bytes, 64-byte aligned (2 MB aligned from 2 MB up); never null (throws the
// core out-of-memory Error). Contents unspecified.
void* acquire_output(std::size_t bytes);

// Gives a block from acquire_output(bytes) back: cached for reuse, or freed when the cache is
// full (kOutputPoolBytes).
void release_output(void* block, std::size_t bytes) noexcept;

inline constexpr std::size_t kOutputPoolBytes = std::size_t{512} << 20;

}  // namespace fuseflow::finance
