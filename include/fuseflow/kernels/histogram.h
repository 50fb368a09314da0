// Counting kernels: np.bincount and np.histogram.
#pragma once

#include <cstdint>

#include "fuseflow/core/buffer.h"

namespace fuseflow::kernels {

// The largest value of x (n >= 1), checking that none is negative: a negative value is a
// ValueError naming `x` with its first position and value. Instantiated for uint8, int32, int64.
template <class I>
std::int64_t bincount_max(const I* x, std::int64_t n);

// counts[v] = occurrences of v in x, for v < bins (bins > max(x), checked by bincount_max).
// Per-thread count arrays merged in a fixed order (integers: exact at any thread count).
template <class I>
Buffer<std::int64_t> bincount(const I* x, std::int64_t n, std::int64_t bins);

// sums[v] = sum of weights[i] over x[i] == v, added in index order (serial: bitwise NumPy's).
template <class I>
Buffer<double> bincount_weighted(const I* x, const double* weights, std::int64_t n, std::int64_t bins);

// np.histogram with `nbins` equal bins: edges[0..nbins] are NumPy's linspace(first, last, nbins + 1)
// in the bin type B (float for float32 data, double otherwise). Values outside
// [edges[0], edges[nbins]] and NaN are dropped; the last bin is closed. The bin of v follows
// NumPy's own computation: f = (v - first) / denom * nbins with v - first in B and the division in
// float when `narrow` (NumPy: the range came from a float32 array's min/max) else in double, then
// truncated, moved down one when v < edges[bin] and up one when v >= edges[bin + 1] (except in the
// last bin) - so values on or near an edge land where NumPy puts them. `denom` is NumPy's
// last - first of the outer edges (before any rounding to B).
// Instantiated for T in {uint8, int32, int64, double} with B = double and T = B = float.
template <class T, class B>
Buffer<std::int64_t> histogram_uniform(const T* x, std::int64_t n, const B* edges, std::int64_t nbins, double denom,
                                       bool narrow);

// np.histogram with explicit monotonically increasing edges (nbins + 1 of them, as double):
// bin i holds edges[i] <= v < edges[i + 1], the last bin also v == edges[nbins].
template <class T>
Buffer<std::int64_t> histogram_edges(const T* x, std::int64_t n, const double* edges, std::int64_t nbins);

}  // namespace fuseflow::kernels
