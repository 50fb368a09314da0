// n-th discrete difference along an axis (np.diff).
#pragma once

#include <cstdint>

#include "fuseflow/kernels/axis_view.h"

namespace fuseflow::kernels {

// One difference: y[o, i, k] = x[o, i + 1, k] - x[o, i, k] for i < len - 1 (y has axis length
// len - 1, or 0 when len == 0). Integers wrap as in NumPy; bool (uint8 0/1, `is_bool`) takes
// x[i + 1] != x[i] as NumPy does. Instantiated for uint8, int32, int64, float, double.
template <class T>
void diff_once(const T* x, T* y, AxisView view, bool is_bool);

// The n-th difference (n >= 0): repeated diff_once. Returns the result's axis length,
// max(len - n, 0); `y` must hold outer * max(len - n, 0) * inner elements.
template <class T>
std::int64_t diff(const T* x, T* y, AxisView view, std::int64_t n, bool is_bool);

}  // namespace fuseflow::kernels
