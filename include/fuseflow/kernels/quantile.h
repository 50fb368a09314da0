// Order statistics along an axis: np.quantile(method="linear") and np.median, with NumPy's
// arithmetic reproduced step by step so results agree with NumPy's bit for bit.
#pragma once

#include <cstdint>

#include "fuseflow/kernels/axis_view.h"

namespace fuseflow::kernels {

// out[j, o, i] = the q[j] quantile of line (o, i), j < nq, every q[j] in [0, 1], len >= 1.
// NumPy's linear method: h = (len - 1) * q, lo = floor(h), hi = lo + 1 (both len - 1 when
// h >= len - 1, and then gamma = h + 1 as NumPy's index bookkeeping leaves it), gamma = h - lo,
// d = x[hi] - x[lo] in the input type (integers wrap), result = x[lo] + d * gamma, or
// x[hi] - d * (1 - gamma) when gamma >= 0.5. R is the arithmetic and result type: double, or
// float for float32 input with a float32 or scalar q (NumPy's weak-scalar promotion).
// float32_index: q was a float32 array, in whose dtype NumPy computes h (rounded to float32 here
// too; q[j] holds its exact value). A line holding a NaN
// gives NaN. Instantiated for (uint8|int32|int64|float|double -> double) and (float -> float).
template <class T, class R>
void quantile_axis(const T* x, AxisView view, const double* q, std::int64_t nq, R* out, bool float32_index = false);

// out[o, i] = the median of line (o, i), NumPy's way: the middle element, or the mean of the two
// middle ones, (a + b) / 2 computed in R (float for float32, double for everything else).
// NaN in the line -> NaN; len == 0 -> NaN (NumPy: NaN with a RuntimeWarning, raised by the caller).
template <class T, class R>
void median_axis(const T* x, AxisView view, R* out);

}  // namespace fuseflow::kernels
