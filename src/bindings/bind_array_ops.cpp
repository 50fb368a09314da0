// Eager array ops (scans, diff, sort, top_k, quantile, bincount, histogram, take): the Python
// front (fuseflow/array_ops.py) hands over flat C-contiguous arrays and the (outer, len, inner)
// view; these wrappers pick the dtype's kernel and run it with the GIL released.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <optional>
#include <string>

#include "bindings.h"
#include "fuseflow/core/error.h"
#include "fuseflow/kernels/diff.h"
#include "fuseflow/kernels/gather.h"
#include "fuseflow/kernels/histogram.h"
#include "fuseflow/kernels/quantile.h"
#include "fuseflow/kernels/scan.h"
#include "fuseflow/kernels/sort.h"
#include "fuseflow/kernels/top_k_axis.h"

namespace fuseflow::bindings {
namespace {

using kernels::AxisView;

// A writable 1-D C-contiguous output the Python front allocates with np.empty: NumPy's allocator
// asks for transparent huge pages on large arrays, so the first touch of a 80 MB result costs a
// few dozen page faults instead of 20,000 (measured: a 10M float64 cumsum into a Buffer took 4x a
// streaming copy, nearly all of it in page faults).
using OutArray = nb::ndarray<nb::ndim<1>, nb::c_contig, nb::device::cpu>;

template <class T>
T* out_data(OutArray& out, std::size_t size) {
  if (out.dtype() != nb::dtype<T>() || out.shape(0) != size) {
    throw_type_error("out", "must be a " + dtype_name(nb::dtype<T>()) + " array of " + std::to_string(size) +
                                " elements, got " + dtype_name(out.dtype()) + " of " + std::to_string(out.shape(0)));
  }
  return static_cast<T*>(out.data());
}

// Calls f(T{}) for the element type of x (bool arrives as a uint8 view from the Python front).
template <class F>
nb::object visit_numeric(const AnyArray1D& x, F&& f) {
  if (has_dtype<double>(x)) return f(double{});
  if (has_dtype<float>(x)) return f(float{});
  if (has_dtype<std::int64_t>(x)) return f(std::int64_t{});
  if (has_dtype<std::int32_t>(x)) return f(std::int32_t{});
  if (has_dtype<std::uint8_t>(x)) return f(std::uint8_t{});
  throw_type_error("x", "must be a bool, uint8, int32, int64, float32 or float64 array, got " + dtype_name(x.dtype()));
}

AxisView make_view(const AnyArray1D& x, std::int64_t outer, std::int64_t len, std::int64_t inner) {
  if (outer < 0 || len < 0 || inner < 0 || static_cast<std::size_t>(outer * len * inner) != x.shape(0)) {
    throw_value_error("x", "the (outer, len, inner) view does not match the array's size");
  }
  return AxisView{outer, len, inner};
}

template <class T>
const T* data_of(const AnyArray1D& x) {
  return static_cast<const T*>(x.data());
}

kernels::ScanOp scan_op(const std::string& name) {
  if (name == "sum") return kernels::ScanOp::kSum;
  if (name == "prod") return kernels::ScanOp::kProd;
  if (name == "max") return kernels::ScanOp::kMax;
  if (name == "min") return kernels::ScanOp::kMin;
  throw_value_error("op", "must be one of sum, prod, max, min, got '" + name + "'");
}

template <class In, class Out>
void run_scan(kernels::ScanOp op, const AnyArray1D& x, const AxisView& v, OutArray& out) {
  Out* y = out_data<Out>(out, x.shape(0));
  NativeCall call;
  kernels::scan<In, Out>(op, data_of<In>(x), y, v);
}

}  // namespace

void bind_array_ops(nb::module_& m) {
  m.def(
      "array_scan",
      [](const std::string& name, const AnyArray1D& x, std::int64_t outer, std::int64_t len, std::int64_t inner,
         OutArray out) {
        const auto op = scan_op(name);
        const AxisView v = make_view(x, outer, len, inner);
        const bool accumulate = op == kernels::ScanOp::kSum || op == kernels::ScanOp::kProd;
        visit_numeric(x, [&](auto tag) -> nb::object {
          using T = decltype(tag);
          if constexpr (std::is_floating_point_v<T>) {
            run_scan<T, T>(op, x, v, out);
          } else if constexpr (std::is_same_v<T, std::uint8_t>) {
            // uint8 sums take uint64, bool sums int64 (NumPy 2; the caller's out says which);
            // max/min keep the type.
            if (!accumulate) {
              run_scan<T, T>(op, x, v, out);
            } else if (out.dtype() == nb::dtype<std::uint64_t>()) {
              run_scan<T, std::uint64_t>(op, x, v, out);
            } else {
              run_scan<T, std::int64_t>(op, x, v, out);
            }
          } else if constexpr (std::is_same_v<T, std::int32_t>) {
            if (accumulate) {
              run_scan<T, std::int64_t>(op, x, v, out);
            } else {
              run_scan<T, T>(op, x, v, out);
            }
          } else {
            run_scan<T, T>(op, x, v, out);
          }
          return nb::none();
        });
      },
      nb::arg("op"), nb::arg("x"), nb::arg("outer"), nb::arg("len"), nb::arg("inner"), nb::arg("out"),
      "Inclusive scan along the axis of the (outer, len, inner) view into out (dtype per NumPy 2).");

  m.def(
      "array_diff",
      [](const AnyArray1D& x, std::int64_t outer, std::int64_t len, std::int64_t inner, std::int64_t n, bool is_bool,
         OutArray out) {
        const AxisView v = make_view(x, outer, len, inner);
        visit_numeric(x, [&](auto tag) -> nb::object {
          using T = decltype(tag);
          const std::int64_t out_len = n < 0 ? 0 : std::max<std::int64_t>(len - n, 0);
          T* y = out_data<T>(out, static_cast<std::size_t>(outer * out_len * inner));
          NativeCall call;
          kernels::diff<T>(data_of<T>(x), y, v, n, is_bool);
          return nb::none();
        });
      },
      nb::arg("x"), nb::arg("outer"), nb::arg("len"), nb::arg("inner"), nb::arg("n"), nb::arg("is_bool"),
      nb::arg("out"));

  m.def(
      "array_sort",
      [](const AnyArray1D& x, std::int64_t outer, std::int64_t len, std::int64_t inner, bool arg, OutArray out) {
        const AxisView v = make_view(x, outer, len, inner);
        visit_numeric(x, [&](auto tag) -> nb::object {
          using T = decltype(tag);
          if (arg) {
            std::int64_t* idx = out_data<std::int64_t>(out, x.shape(0));
            NativeCall call;
            kernels::argsort_axis<T>(data_of<T>(x), idx, v);
          } else {
            T* y = out_data<T>(out, x.shape(0));
            NativeCall call;
            kernels::sort_axis<T>(data_of<T>(x), y, v);
          }
          return nb::none();
        });
      },
      nb::arg("x"), nb::arg("outer"), nb::arg("len"), nb::arg("inner"), nb::arg("arg"), nb::arg("out"));

  m.def(
      "array_top_k",
      [](const AnyArray1D& x, std::int64_t outer, std::int64_t len, std::int64_t inner, std::int64_t k) -> nb::object {
        const AxisView v = make_view(x, outer, len, inner);
        if (k < 0 || k > len) {
          throw_value_error("k", "must be in [0, " + std::to_string(len) + "] (the axis length), got " + std::to_string(k));
        }
        return visit_numeric(x, [&](auto tag) -> nb::object {
          using T = decltype(tag);
          Buffer<T> values(static_cast<std::size_t>(outer * k * inner));
          Buffer<std::int64_t> indices(static_cast<std::size_t>(outer * k * inner));
          {
            NativeCall call;
            kernels::top_k_axis<T>(data_of<T>(x), v, k, values.data(), indices.data());
          }
          return nb::make_tuple(to_numpy(std::move(values)), to_numpy(std::move(indices)));
        });
      },
      nb::arg("x"), nb::arg("outer"), nb::arg("len"), nb::arg("inner"), nb::arg("k"));

  m.def(
      "array_quantile",
      [](const AnyArray1D& x, std::int64_t outer, std::int64_t len, std::int64_t inner, const AnyArray1D& q,
         bool narrow, bool float32_index) -> nb::object {
        const AxisView v = make_view(x, outer, len, inner);
        if (!has_dtype<double>(q)) throw_type_error("q", "must be a float64 array");
        const auto nq = static_cast<std::int64_t>(q.shape(0));
        return visit_numeric(x, [&](auto tag) -> nb::object {
          using T = decltype(tag);
          if constexpr (std::is_same_v<T, float>) {
            if (narrow) {
              Buffer<float> out(static_cast<std::size_t>(nq * v.lines()));
              {
                NativeCall call;
                kernels::quantile_axis<float, float>(data_of<float>(x), v, data_of<double>(q), nq, out.data(), float32_index);
              }
              return nb::cast(to_numpy(std::move(out)));
            }
          }
          Buffer<double> out(static_cast<std::size_t>(nq * v.lines()));
          {
            NativeCall call;
            kernels::quantile_axis<T, double>(data_of<T>(x), v, data_of<double>(q), nq, out.data(), float32_index);
          }
          return nb::cast(to_numpy(std::move(out)));
        });
      },
      nb::arg("x"), nb::arg("outer"), nb::arg("len"), nb::arg("inner"), nb::arg("q"), nb::arg("narrow"), nb::arg("float32_index"));

  m.def(
      "array_median",
      [](const AnyArray1D& x, std::int64_t outer, std::int64_t len, std::int64_t inner) -> nb::object {
        const AxisView v = make_view(x, outer, len, inner);
        return visit_numeric(x, [&](auto tag) -> nb::object {
          using T = decltype(tag);
          using R = std::conditional_t<std::is_same_v<T, float>, float, double>;
          Buffer<R> out(static_cast<std::size_t>(v.lines()));
          {
            NativeCall call;
            kernels::median_axis<T, R>(data_of<T>(x), v, out.data());
          }
          return nb::cast(to_numpy(std::move(out)));
        });
      },
      nb::arg("x"), nb::arg("outer"), nb::arg("len"), nb::arg("inner"));

  m.def(
      "array_bincount",
      [](const AnyArray1D& x, std::optional<AnyArray1D> weights, std::int64_t minlength) -> nb::object {
        if (minlength < 0) throw_value_error("minlength", "must be non-negative, got " + std::to_string(minlength));
        if (weights && (!has_dtype<double>(*weights) || weights->shape(0) != x.shape(0))) {
          throw_value_error("weights", "must be a float64 array of the same length as x");
        }
        const auto n = static_cast<std::int64_t>(x.shape(0));
        const auto run = [&](auto tag) -> nb::object {
          using I = decltype(tag);
          if constexpr (std::is_floating_point_v<I>) {
            throw_type_error("x", "must be an integer array (bincount), got " + dtype_name(x.dtype()));
          } else {
            Buffer<double> sums;
            Buffer<std::int64_t> counts;
            {
              NativeCall call;
              const std::int64_t top = n > 0 ? kernels::bincount_max<I>(data_of<I>(x), n) : -1;
              const std::int64_t bins = std::max(top + 1, minlength);
              if (weights) {
                sums = kernels::bincount_weighted<I>(data_of<I>(x), data_of<double>(*weights), n, bins);
              } else {
                counts = kernels::bincount<I>(data_of<I>(x), n, bins);
              }
            }
            if (weights) return nb::cast(to_numpy(std::move(sums)));
            return nb::cast(to_numpy(std::move(counts)));
          }
        };
        return visit_numeric(x, run);
      },
      nb::arg("x"), nb::arg("weights").none(), nb::arg("minlength"));

  m.def(
      "array_histogram",
      [](const AnyArray1D& x, const AnyArray1D& edges, bool uniform, double denom, bool narrow) -> nb::object {
        const auto n = static_cast<std::int64_t>(x.shape(0));
        const auto nbins = static_cast<std::int64_t>(edges.shape(0)) - 1;
        if (nbins < 1) throw_value_error("bins", "must give at least one bin");
        return visit_numeric(x, [&](auto tag) -> nb::object {
          using T = decltype(tag);
          Buffer<std::int64_t> counts;
          if (uniform && std::is_same_v<T, float>) {
            if (!has_dtype<float>(edges)) throw_type_error("edges", "must be float32 for float32 data");
            if constexpr (std::is_same_v<T, float>) {
              NativeCall call;
              counts = kernels::histogram_uniform<float, float>(data_of<float>(x), n, data_of<float>(edges), nbins,
                                                                denom, narrow);
            }
          } else {
            if (!has_dtype<double>(edges)) throw_type_error("edges", "must be float64");
            NativeCall call;
            if (uniform) {
              if constexpr (!std::is_same_v<T, float>) {
                counts = kernels::histogram_uniform<T, double>(data_of<T>(x), n, data_of<double>(edges), nbins, denom,
                                                               false);
              }
            } else {
              counts = kernels::histogram_edges<T>(data_of<T>(x), n, data_of<double>(edges), nbins);
            }
          }
          return nb::cast(to_numpy(std::move(counts)));
        });
      },
      nb::arg("x"), nb::arg("edges"), nb::arg("uniform"), nb::arg("denom"), nb::arg("narrow"));

  m.def(
      "array_take",
      [](const AnyArray1D& x, std::int64_t outer, std::int64_t len, std::int64_t inner, std::int64_t item_bytes,
         const AnyArray1D& idx, OutArray out) {
        // x arrives as raw bytes (a uint8 view): the gather copies items of item_bytes, any dtype.
        if (!has_dtype<std::uint8_t>(x) || item_bytes <= 0 || outer < 0 || len < 0 || inner < 0 ||
            static_cast<std::size_t>(outer * len * inner * item_bytes) != x.shape(0)) {
          throw_value_error("x", "must be a uint8 byte view matching (outer, len, inner, item_bytes)");
        }
        const auto m_count = static_cast<std::int64_t>(idx.shape(0));
        std::uint8_t* y = out_data<std::uint8_t>(out, static_cast<std::size_t>(outer * m_count * inner * item_bytes));
        const AxisView v{outer, len, inner};
        const auto bytes = static_cast<std::size_t>(item_bytes);
        if (has_dtype<std::int64_t>(idx)) {
          NativeCall call;
          kernels::take<std::int64_t>(x.data(), v, bytes, data_of<std::int64_t>(idx), m_count, y);
        } else if (has_dtype<std::int32_t>(idx)) {
          NativeCall call;
          kernels::take<std::int32_t>(x.data(), v, bytes, data_of<std::int32_t>(idx), m_count, y);
        } else {
          throw_type_error("idx", "must be an int32 or int64 array, got " + dtype_name(idx.dtype()));
        }
      },
      nb::arg("x"), nb::arg("outer"), nb::arg("len"), nb::arg("inner"), nb::arg("item_bytes"), nb::arg("idx"),
      nb::arg("out"));
}

}  // namespace fuseflow::bindings
