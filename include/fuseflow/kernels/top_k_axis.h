// The k largest entries of every line along an axis (values and positions).
// (top_k_select.h is the embedding index's streaming float top-k over rows; this is the array op.)
#pragma once

#include <cstdint>

#include "fuseflow/kernels/axis_view.h"

namespace fuseflow::kernels {

// For each line: the k (0 <= k <= len) largest values, largest first, ties to the lower index;
// NaN ranks above +inf (NumPy sorts NaN last, i.e. as the largest) and -0.0 ties with +0.0.
// Equivalently: the first k of a stable descending sort. Outputs have axis length k:
// values[o, j, i] / indices[o, j, i] for j < k (indices along the axis, 0-based).
// Instantiated for uint8, int32, int64, float, double.
template <class T>
void top_k_axis(const T* x, AxisView view, std::int64_t k, T* values, std::int64_t* indices);

}  // namespace fuseflow::kernels
