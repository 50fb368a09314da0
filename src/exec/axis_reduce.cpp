// Axis reductions (Step::kAxisReduce). Each output element reduces one "line": the elements of x
// that share its kept indices. Adjacent reduced axes collapse into one (length product, stride of
// the innermost), so a reduction over trailing axes (row softmax/layer-norm statistics) reads each
// line as one contiguous run and uses the SIMD block reductions (kernels/reduce.h); other axis
// sets walk the line with an odometer over the remaining (length, stride) pairs. Lines are
// independent, so large reductions split them over threads; each line is reduced in a fixed order,
// so results do not depend on the thread count.
#include "exec/axis_reduce.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/ir/scalar_semantics.h"
#include "fuseflow/exec/executor.h"
#include "fuseflow/kernels/reduce.h"

namespace fuseflow::exec {

namespace {

struct Dim {
  std::int64_t len, stride;
};

// The shape split into the kept axes (one output element per index) and the reduced ones.
struct Geometry {
  std::vector<Dim> kept;     // output axes in C order (their x strides)
  std::vector<Dim> reduced;  // collapsed reduced axes, innermost last
  std::int64_t out_count = 1, red_count = 1;
};

Geometry geometry(const std::vector<std::int64_t>& d, std::uint8_t axes) {
  Geometry g;
  const int rank = static_cast<int>(d.size());
  std::vector<std::int64_t> stride(d.size(), 1);
  for (int k = rank - 2; k >= 0; --k) stride[static_cast<std::size_t>(k)] = stride[static_cast<std::size_t>(k + 1)] * d[static_cast<std::size_t>(k + 1)];
  for (int k = 0; k < rank; ++k) {
    const std::int64_t len = d[static_cast<std::size_t>(k)];
    const std::int64_t st = stride[static_cast<std::size_t>(k)];
    if ((axes >> k) & 1) {
      g.red_count *= len;
      // Axis k-1 reduced too: (len_prev, st_prev) with st_prev == len * st merges into one run.
      if (k > 0 && ((axes >> (k - 1)) & 1) && !g.reduced.empty()) {
        g.reduced.back().len *= len;
        g.reduced.back().stride = st;
      } else {
        g.reduced.push_back({len, st});
      }
    } else {
      g.out_count *= len;
      g.kept.push_back({len, st});
    }
  }
  return g;
}

// Offset in x of the first element of output o's line.
std::int64_t line_base(const Geometry& g, std::int64_t o) {
  std::int64_t base = 0;
  for (std::size_t k = g.kept.size(); k-- > 0;) {
    const Dim& dim = g.kept[k];
    base += (o % dim.len) * dim.stride;
    o /= dim.len;
  }
  return base;
}

// Calls f(value, position) for the line's elements in C order of the reduced axes (position:
// 0..red_count-1, the index along the axis when one axis is reduced). f returns false to stop.
template <class T, class F>
void for_line(const Geometry& g, const T* x, std::int64_t base, F&& f) {
  // An empty line (some reduced axis has length 0) has no elements: without this the odometer
  // below would read the first element of each inner run before noticing an outer length of 0.
  if (g.red_count == 0) return;
  const std::size_t nr = g.reduced.size();
  const Dim inner = g.reduced.back();
  if (nr == 1) {
    const T* p = x + base;
    for (std::int64_t i = 0; i < inner.len; ++i) {
      if (!f(p[i * inner.stride], i)) return;
    }
    return;
  }
  std::int64_t idx[8] = {0, 0, 0, 0, 0, 0, 0, 0};
  std::int64_t pos = 0;
  for (;;) {
    std::int64_t off = base;
    for (std::size_t k = 0; k + 1 < nr; ++k) off += idx[k] * g.reduced[k].stride;
    for (std::int64_t i = 0; i < inner.len; ++i, ++pos) {
      if (!f(x[off + i * inner.stride], pos)) return;
    }
    std::size_t k = nr - 1;
    for (;;) {
      if (k == 0) return;
      --k;
      if (++idx[k] < g.reduced[k].len) break;
      idx[k] = 0;
    }
  }
}

using ir::semantics::reduction_better;

template <class O>
void put(void* out, std::int64_t o, O v) {
  static_cast<O*>(out)[o] = v;
}

// Writes a result (double for float results, int64 for integer ones) as the output dtype.
void store(DType t, void* out, std::int64_t o, double f, std::int64_t i) {
  switch (t) {
    case DType::kBool: put<std::uint8_t>(out, o, static_cast<std::uint8_t>(i != 0)); break;
    case DType::kInt32: put<std::int32_t>(out, o, static_cast<std::int32_t>(i)); break;
    case DType::kInt64: put<std::int64_t>(out, o, i); break;
    case DType::kFloat32: put<float>(out, o, static_cast<float>(f)); break;
    case DType::kFloat64: put<double>(out, o, f); break;
  }
}

// The term a sum or mean accumulates: v, or v * v rounded in T for a squaring one (the bits
// an array `x * x` would hold, so the step equals the reduction of that array).
template <class T>
double sum_term(const AxisReduceStep& s, T v) {
  if constexpr (std::is_floating_point_v<T>) {
    if (s.square) {
      const T square = v * v;
      return static_cast<double>(square);
    }
  }
  return static_cast<double>(v);
}

template <class T>
void reduce_line(const AxisReduceStep& s, const Geometry& g, const T* x, std::int64_t o, void* out) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  const std::int64_t base = line_base(g, o);
  const std::int64_t n = g.red_count;
  const bool contiguous = g.reduced.size() == 1 && g.reduced[0].stride == 1;
  switch (s.kind) {
    case AxisReduceStep::kSum:
    case AxisReduceStep::kMean: {
      if constexpr (kFloat) {
        // (Contiguous lines go to reduce_rows; an empty one sums to 0 either way.)
        double acc = 0.0;
        for_line(g, x, base, [&](T v, std::int64_t) { acc += sum_term(s, v); return true; });
        if (s.kind == AxisReduceStep::kMean) acc = n > 0 ? acc / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN();
        store(s.out_type, out, o, acc, 0);
      } else if (s.kind == AxisReduceStep::kSum) {
        std::uint64_t acc = 0;  // integers wrap like NumPy
        for_line(g, x, base, [&](T v, std::int64_t) { acc += static_cast<std::uint64_t>(static_cast<std::int64_t>(v)); return true; });
        store(s.out_type, out, o, 0.0, static_cast<std::int64_t>(acc));
      } else {
        double acc = 0.0;  // NumPy's mean of integers accumulates in float64
        for_line(g, x, base, [&](T v, std::int64_t) { acc += static_cast<double>(v); return true; });
        store(s.out_type, out, o, n > 0 ? acc / static_cast<double>(n) : std::numeric_limits<double>::quiet_NaN(), 0);
      }
      break;
    }
    case AxisReduceStep::kProd: {
      if constexpr (kFloat) {
        T acc = T(1);  // in the input's precision, like NumPy (float32 overflows where float32 does)
        for_line(g, x, base, [&](T v, std::int64_t) { acc *= v; return true; });
        store(s.out_type, out, o, static_cast<double>(acc), 0);
      } else {
        std::uint64_t acc = 1;
        for_line(g, x, base, [&](T v, std::int64_t) { acc *= static_cast<std::uint64_t>(static_cast<std::int64_t>(v)); return true; });
        store(s.out_type, out, o, 0.0, static_cast<std::int64_t>(acc));
      }
      break;
    }
    case AxisReduceStep::kVar: {
      // Two passes (mean, then squared deviations) in float64: NumPy's algorithm, so no
      // cancellation of a one-pass sum of squares.
      double sum = 0.0;
      bool summed = false;
      if constexpr (kFloat) {
        if (contiguous) {
          sum = kernels::sum(x + base, static_cast<std::size_t>(n));
          summed = true;
        }
      }
      if (!summed) for_line(g, x, base, [&](T v, std::int64_t) { sum += static_cast<double>(v); return true; });
      const double mean = sum / static_cast<double>(n);
      double sq = 0.0;
      bool squared = false;
      if constexpr (kFloat) {
        if (contiguous) {
          sq = squared_deviations(x + base, static_cast<std::size_t>(n), mean);
          squared = true;
        }
      }
      if (!squared) {
        // Four partial sums (element pos feeds partial pos % 4) break the add-latency chain; a
        // fixed layout per line, so the result does not depend on threads.
        double part[4] = {0.0, 0.0, 0.0, 0.0};
        for_line(g, x, base, [&](T v, std::int64_t pos) {
          const double dv = static_cast<double>(v) - mean;
          part[pos & 3] += dv * dv;
          return true;
        });
        sq = (part[0] + part[1]) + (part[2] + part[3]);
      }
      const double divisor = std::max(static_cast<double>(n) - s.ddof, 0.0);
      store(s.out_type, out, o, n > 0 ? sq / divisor : std::numeric_limits<double>::quiet_NaN(), 0);
      break;
    }
    case AxisReduceStep::kMin:
    case AxisReduceStep::kMax: {
      const bool minimum = s.kind == AxisReduceStep::kMin;
      T best{};  // (contiguous float lines go to reduce_rows)
      bool first = true;
      for_line(g, x, base, [&](T v, std::int64_t) {
        best = first ? v : kernels::reduce_extreme(best, v, minimum);
        first = false;
        return true;
      });
      store(s.out_type, out, o, static_cast<double>(best), static_cast<std::int64_t>(best));
      break;
    }
    case AxisReduceStep::kArgMin:
    case AxisReduceStep::kArgMax: {
      const bool minimum = s.kind == AxisReduceStep::kArgMin;
      std::int64_t index = 0;
      if constexpr (std::is_same_v<T, float> || std::is_same_v<T, double>) {
        if (contiguous) {
          index = minimum ? kernels::argmin(x + base, static_cast<std::size_t>(n)) : kernels::argmax(x + base, static_cast<std::size_t>(n));
          store(s.out_type, out, o, 0.0, index);
          break;
        }
      }
      T best{};
      bool first = true;
      for_line(g, x, base, [&](T v, std::int64_t pos) {
        if (first || reduction_better(v, best, minimum)) {
          best = v;
          index = pos;
        }
        first = false;
        return true;
      });
      store(s.out_type, out, o, 0.0, index);
      break;
    }
    case AxisReduceStep::kAny:
    case AxisReduceStep::kAll: {
      const bool any = s.kind == AxisReduceStep::kAny;
      bool result = !any;  // any of nothing: false; all of nothing: true
      for_line(g, x, base, [&](T v, std::int64_t) {
        if ((v != T(0)) == any) {  // NaN != 0: truthy, like NumPy
          result = any;
          return false;
        }
        return true;
      });
      store(s.out_type, out, o, 0.0, result ? 1 : 0);
      break;
    }
  }
}

// Reductions over leading axes (every reduced axis before every kept one: `x.sum(axis=0)` of a
// (rows, cols) array, per-feature statistics) view x as a C-contiguous (red_count, out_count)
// matrix. Walking each output's line down a column touches one element per cache line; instead a
// tile of kColumnTile adjacent outputs is reduced row by row (contiguous, vectorisable loads).
// Each output still sees its line's elements in position order with the same arithmetic as
// reduce_line's strided walk (float64 running sums, the 4-partial second pass of var, the NaN rule
// of `better`), so results are bitwise those of the per-line path.
constexpr std::int64_t kColumnTile = 256;

bool leading_axes_reduced(const Geometry& g) {
  // Kept axes trailing and contiguous: output o's line starts at offset o.
  if (g.kept.empty() || g.reduced.empty() || g.out_count < 2) return false;
  return g.kept.back().stride == 1 && g.reduced.size() == 1 && g.reduced[0].stride == g.out_count;
}

bool columns_supported(AxisReduceStep::Kind k) {
  return k == AxisReduceStep::kSum || k == AxisReduceStep::kMean || k == AxisReduceStep::kVar ||
         k == AxisReduceStep::kMin || k == AxisReduceStep::kMax;
}

template <class T>
void reduce_column_tile(const AxisReduceStep& s, const T* x, std::int64_t rows, std::int64_t cols, std::int64_t c0,
                        std::int64_t width, void* out) {
  double acc[kColumnTile];
  const T* col = x + c0;
  switch (s.kind) {
    case AxisReduceStep::kSum:
    case AxisReduceStep::kMean:
    case AxisReduceStep::kVar: {
      for (std::int64_t j = 0; j < width; ++j) acc[j] = 0.0;
      for (std::int64_t r = 0; r < rows; ++r) {
        const T* row = col + r * cols;
        for (std::int64_t j = 0; j < width; ++j) acc[j] += sum_term(s, row[j]);
      }
      const double n = static_cast<double>(rows);
      if (s.kind == AxisReduceStep::kSum) {
        for (std::int64_t j = 0; j < width; ++j) store(s.out_type, out, c0 + j, acc[j], 0);
      } else if (s.kind == AxisReduceStep::kMean) {
        for (std::int64_t j = 0; j < width; ++j) store(s.out_type, out, c0 + j, acc[j] / n, 0);
      } else {
        double mean[kColumnTile];
        double part[4][kColumnTile];
        for (std::int64_t j = 0; j < width; ++j) {
          mean[j] = acc[j] / n;
          part[0][j] = part[1][j] = part[2][j] = part[3][j] = 0.0;
        }
        for (std::int64_t r = 0; r < rows; ++r) {
          const T* row = col + r * cols;
          double* p = part[r & 3];
          for (std::int64_t j = 0; j < width; ++j) {
            const double dv = static_cast<double>(row[j]) - mean[j];
            p[j] += dv * dv;
          }
        }
        const double divisor = std::max(n - s.ddof, 0.0);
        for (std::int64_t j = 0; j < width; ++j) {
          const double sq = (part[0][j] + part[1][j]) + (part[2][j] + part[3][j]);
          store(s.out_type, out, c0 + j, sq / divisor, 0);
        }
      }
      break;
    }
    case AxisReduceStep::kMin:
    case AxisReduceStep::kMax: {
      const bool minimum = s.kind == AxisReduceStep::kMin;
      T best[kColumnTile];
      for (std::int64_t j = 0; j < width; ++j) best[j] = col[j];
      for (std::int64_t r = 1; r < rows; ++r) {
        const T* row = col + r * cols;
        for (std::int64_t j = 0; j < width; ++j) {
          const T v = row[j];
          best[j] = kernels::reduce_extreme(best[j], v, minimum);
        }
      }
      for (std::int64_t j = 0; j < width; ++j) {
        store(s.out_type, out, c0 + j, static_cast<double>(best[j]), static_cast<std::int64_t>(best[j]));
      }
      break;
    }
    default: break;
  }
}

template <class T>
void reduce_columns(const AxisReduceStep& s, const Geometry& g, const T* x, void* out, int threads) {
  const std::int64_t rows = g.red_count, cols = g.out_count;
  const std::int64_t tiles = (cols + kColumnTile - 1) / kColumnTile;
  auto tile = [&](std::int64_t t) {
    const std::int64_t c0 = t * kColumnTile;
    reduce_column_tile<T>(s, x, rows, cols, c0, std::min(kColumnTile, cols - c0), out);
  };
  if (threads <= 1 || tiles < 2) {
    for (std::int64_t t = 0; t < tiles; ++t) tile(t);
    return;
  }
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t t = 0; t < tiles; ++t) tile(t);
}

bool rows_supported(AxisReduceStep::Kind k) {
  return k == AxisReduceStep::kSum || k == AxisReduceStep::kMean || k == AxisReduceStep::kMin ||
         k == AxisReduceStep::kMax;
}

// Lines [r0, r1) of n contiguous elements each, line o at x + o * n, into out[o] (sum, mean,
// min, max of float T); as many lines per kernel call as the stack buffer holds.
template <class T>
void reduce_rows(const AxisReduceStep& s, std::int64_t n, const T* x, std::int64_t r0, std::int64_t r1, void* out) {
  constexpr std::int64_t kBatch = 256;
  const auto len = static_cast<std::size_t>(n);
  for (std::int64_t b = r0; b < r1; b += kBatch) {
    const auto rows = static_cast<std::size_t>(std::min(kBatch, r1 - b));
    const T* first = x + b * n;
    if (s.kind == AxisReduceStep::kMin || s.kind == AxisReduceStep::kMax) {
      T best[kBatch];
      if (s.kind == AxisReduceStep::kMin) kernels::min_rows(first, rows, len, len, best);
      else kernels::max_rows(first, rows, len, len, best);
      for (std::size_t j = 0; j < rows; ++j) store(s.out_type, out, b + static_cast<std::int64_t>(j), static_cast<double>(best[j]), 0);
    } else {
      double acc[kBatch];
      kernels::sum_rows(first, rows, len, len, s.square, acc);
      for (std::size_t j = 0; j < rows; ++j) {
        const double v = s.kind == AxisReduceStep::kMean ? acc[j] / static_cast<double>(n) : acc[j];
        store(s.out_type, out, b + static_cast<std::int64_t>(j), v, 0);
      }
    }
  }
}

template <class T>
void run_typed(const AxisReduceStep& s, const Geometry& g, const void* xdata, void* out) {
  const T* x = static_cast<const T*>(xdata);
  const std::int64_t work = g.out_count * std::max<std::int64_t>(g.red_count, 1);
  const int threads = work >= parallel_min_elements() && g.out_count > 1 ? threads_for(g.out_count, 16) : 1;
  if constexpr (std::is_floating_point_v<T>) {
    // An empty line (red_count 0) keeps the per-line path (its NaN/identity rules).
    if (g.red_count > 0 && columns_supported(s.kind) && leading_axes_reduced(g)) {
      reduce_columns<T>(s, g, x, out, threads);
      return;
    }
  }
  if constexpr (std::is_floating_point_v<T>) {
    // Sums, means, minima and maxima of consecutive contiguous lines (the row statistics of
    // softmax, layer-norm): a range of lines per kernel call, each line's result bitwise what
    // reduce_line's one-line kernel gives it (kernels::sum_rows, min_rows, max_rows).
    if (rows_supported(s.kind) && g.red_count > 0 && g.reduced.size() == 1 && g.reduced[0].stride == 1) {
      const std::int64_t chunks = threads <= 1 ? 1 : threads;
      auto range = [&](std::int64_t c) {
        const std::int64_t r0 = g.out_count * c / chunks, r1 = g.out_count * (c + 1) / chunks;
        reduce_rows<T>(s, g.red_count, x, r0, r1, out);
      };
      if (chunks == 1) {
        range(0);
      } else {
#pragma omp parallel for num_threads(threads) schedule(static)
        for (std::int64_t c = 0; c < chunks; ++c) range(c);
      }
      return;
    }
  }
  if (threads <= 1) {
    for (std::int64_t o = 0; o < g.out_count; ++o) reduce_line<T>(s, g, x, o, out);
    return;
  }
  // No line can throw (empty-axis errors are raised before), so no exception leaves the region.
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t o = 0; o < g.out_count; ++o) reduce_line<T>(s, g, x, o, out);
}

const char* empty_rule(AxisReduceStep::Kind k) {
  switch (k) {
    case AxisReduceStep::kMin: return "zero-size array to reduction operation minimum which has no identity";
    case AxisReduceStep::kMax: return "zero-size array to reduction operation maximum which has no identity";
    case AxisReduceStep::kArgMin: return "attempt to get argmin of an empty sequence";
    case AxisReduceStep::kArgMax: return "attempt to get argmax of an empty sequence";
    default: return nullptr;
  }
}

}  // namespace

void run_axis_reduce(const AxisReduceStep& s, std::vector<Value>& slots, std::int64_t& elements) {
  std::vector<std::int64_t> d;
  d.reserve(s.dims.size());
  for (const LengthSource& l : s.dims) d.push_back(evaluate_length(l, slots));
  const Geometry g = geometry(d, s.axes);
  if (g.red_count == 0 && empty_rule(s.kind) != nullptr) throw_value_error(s.name, empty_rule(s.kind));
  const Value& x = slots[static_cast<std::size_t>(s.x_slot)];
  elements += g.out_count * g.red_count;
  Value& out = slots[static_cast<std::size_t>(s.out_slot)];
  ScalarBits scalar{};
  void* dst = nullptr;
  if (s.scalar_result) {
    dst = scalar.raw;
  } else {
    ensure_writable_array(out, s.out_type, g.out_count, s.name.c_str());
    dst = out.storage ? out.storage->data() : nullptr;
  }
  if (g.out_count > 0) {
    const void* xd = x.raw_data();
    switch (s.in_type) {
      case DType::kBool: run_typed<std::uint8_t>(s, g, xd, dst); break;
      case DType::kInt32: run_typed<std::int32_t>(s, g, xd, dst); break;
      case DType::kInt64: run_typed<std::int64_t>(s, g, xd, dst); break;
      case DType::kFloat32: run_typed<float>(s, g, xd, dst); break;
      case DType::kFloat64: run_typed<double>(s, g, xd, dst); break;
    }
  }
  if (s.scalar_result) {
    out.kind = SlotKind::kScalar;
    out.type = s.out_type;
    out.scalar = scalar;
  }
}

}  // namespace fuseflow::exec
