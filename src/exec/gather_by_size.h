// Internal: unchecked serial gathers and scatters of items by their size in bytes (1, 4 or 8: the
// dtypes' sizes), for short runs inside a loop that already knows its indices are in range: a
// frontier loop's reached nodes, a batch of edges. kernels::take is the checked, parallel gather
// for whole arrays; per batch its parallel region and checks cost a third more on a road grid.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fuseflow::exec {

template <class U, class I>
void gather_items(const void* src, const I* idx, std::int64_t count, void* dst) {
  const U* s = static_cast<const U*>(src);
  U* d = static_cast<U*>(dst);
  for (std::int64_t j = 0; j < count; ++j) d[j] = s[idx[j]];
}

template <class U, class I>
void scatter_items(const void* src, const I* idx, std::int64_t count, void* dst) {
  const U* s = static_cast<const U*>(src);
  U* d = static_cast<U*>(dst);
  for (std::int64_t j = 0; j < count; ++j) d[idx[j]] = s[j];
}

// dst[j] = src[idx[j]] for items of `item` bytes.
template <class I>
void gather_by_size(std::size_t item, const void* src, const I* idx, std::int64_t count, void* dst) {
  switch (item) {
    case 1: gather_items<std::uint8_t>(src, idx, count, dst); break;
    case 4: gather_items<std::uint32_t>(src, idx, count, dst); break;
    default: gather_items<std::uint64_t>(src, idx, count, dst); break;
  }
}

// dst[idx[j]] = src[j] for items of `item` bytes.
template <class I>
void scatter_by_size(std::size_t item, const void* src, const I* idx, std::int64_t count, void* dst) {
  switch (item) {
    case 1: scatter_items<std::uint8_t>(src, idx, count, dst); break;
    case 4: scatter_items<std::uint32_t>(src, idx, count, dst); break;
    default: scatter_items<std::uint64_t>(src, idx, count, dst); break;
  }
}

}  // namespace fuseflow::exec
