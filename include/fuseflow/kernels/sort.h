// Sorting along an axis: np.sort and a stable np.argsort.
#pragma once

#include <cstdint>

#include "fuseflow/kernels/axis_view.h"

namespace fuseflow::kernels {

// y = x sorted ascending along the axis, NaN last (NumPy's order). Floats and 32/64-bit integers
// use Highway's vectorised quicksort on the non-NaN part of each line; uint8/bool a counting sort.
// Lines run in parallel; a line with inner > 1 is gathered into a per-thread scratch first.
// Instantiated for uint8, int32, int64, float, double.
template <class T>
void sort_axis(const T* x, T* y, AxisView view);

// idx = the permutation that sorts each line, STABLE: equal values (and all NaNs, which come
// last; -0.0 equals +0.0) keep their original order - np.argsort(kind="stable"). Implemented as a
// sort of (order key, index) pairs packed into one unsigned integer (64 or 128 bits).
template <class T>
void argsort_axis(const T* x, std::int64_t* idx, AxisView view);

// Sorts one contiguous line in place in NumPy's order (NaN last): sort_axis's per-line step, for
// kernels that need a whole line ordered (quantiles with several cut points). Serial.
template <class T>
void sort_line(T* data, std::int64_t n);

}  // namespace fuseflow::kernels
