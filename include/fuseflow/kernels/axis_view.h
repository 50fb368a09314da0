// The view every axis kernel (scan, diff, sort, top_k, quantile, gather) works on: a C-contiguous
// array seen as (outer, len, inner), the axis being the middle one. Element (o, i, k) sits at
// offset (o * len + i) * inner + k. A kernel is a pure function of its input view and writes its
// own output; an executor may call it per block of `outer` rows (offset the pointers, shrink
// `outer`), and no kernel touches Python, so callers run them with the GIL released.
#pragma once

#include <cstdint>

namespace fuseflow::kernels {

struct AxisView {
  std::int64_t outer = 1;  // product of the dimensions before the axis
  std::int64_t len = 0;    // the axis length
  std::int64_t inner = 1;  // product of the dimensions after the axis (the axis stride, in elements)

  std::int64_t size() const { return outer * len * inner; }
  std::int64_t lines() const { return outer * inner; }  // independent 1-D lines along the axis
};

}  // namespace fuseflow::kernels
