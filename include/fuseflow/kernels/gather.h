// Bounds-checked gather along an axis: np.take(x, idx, axis).
#pragma once

#include <cstddef>
#include <cstdint>

#include "fuseflow/kernels/axis_view.h"

namespace fuseflow::kernels {

// out[o, j, k] = x[o, idx[j], k] for j < m, an element being `item_bytes` bytes (any dtype).
// Negative indices count from the end (NumPy). An index outside [-len, len) is an IndexError
// naming `idx` with the first bad position j and its value; `out` is then left partly written.
// The check runs inside the gather (no second pass over idx). I is int32 or int64.
template <class I>
void take(const void* x, AxisView view, std::size_t item_bytes, const I* idx, std::int64_t m, void* out);

}  // namespace fuseflow::kernels
