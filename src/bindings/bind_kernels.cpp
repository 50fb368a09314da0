// Kernel-level entry points for accuracy tests and benchmarks (not part of the public API).
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>

#include <algorithm>
#include <optional>
#include <string>

#include "bindings.h"
#include "fuseflow/core/error.h"
#include "fuseflow/kernels/math.h"
#include "fuseflow/kernels/reduce.h"

namespace fuseflow::bindings {
namespace {

// Large arrays are processed in chunks so Ctrl-C is noticed between them.
constexpr std::size_t kInterruptChunk = std::size_t{1} << 16;

template <class T>
NumpyArray<T> apply_unary(kernels::UnaryOp op, const AnyArray1D& x) {
  const std::span<const T> in = as_span<T>(x);
  Buffer<T> out(in.size());
  {
    NativeCall call;
    for (std::size_t begin = 0; begin < in.size(); begin += kInterruptChunk) {
      const std::size_t count = std::min(kInterruptChunk, in.size() - begin);
      kernels::unary(op, in.data() + begin, out.data() + begin, count);
      check_interrupt();
    }
  }
  return to_numpy(std::move(out));
}

template <class T>
nb::object apply_reduction(const std::string& name, const AnyArray1D& x, const std::optional<AnyArray1D>& y) {
  static const char* const kNames[] = {"sum", "dot", "min", "max", "argmin", "argmax"};
  if (std::find(std::begin(kNames), std::end(kNames), name) == std::end(kNames)) {
    throw_value_error("name", "must be one of sum, dot, min, max, argmin, argmax, got '" + name + "'");
  }
  const std::span<const T> xs = as_span<T>(x);
  std::span<const T> ys;
  if (name == "dot") {
    if (!y) throw_value_error("y", "is required for dot");
    if (y->dtype() != x.dtype()) throw_type_error("y", "must have the same dtype as x");
    if (y->shape(0) != xs.size()) throw_value_error("y", "must have the same length as x");
    ys = as_span<T>(*y);
  } else if (y) {
    throw_value_error("y", "is only accepted by dot");
  }
  double value = 0;
  std::int64_t index = -1;
  {
    nb::gil_scoped_release release;
    if (name == "sum") value = kernels::sum(xs.data(), xs.size());
    if (name == "dot") value = kernels::dot(xs.data(), ys.data(), xs.size());
    if (name == "min") value = kernels::min(xs.data(), xs.size());
    if (name == "max") value = kernels::max(xs.data(), xs.size());
    if (name == "argmin") index = kernels::argmin(xs.data(), xs.size());
    if (name == "argmax") index = kernels::argmax(xs.data(), xs.size());
  }
  return name.rfind("arg", 0) == 0 ? nb::cast(index) : nb::cast(value);
}

}  // namespace

void bind_kernels(nb::module_& m) {
  m.def(
      "unary_math",
      [](const std::string& name, const AnyArray1D& x) -> nb::object {
        const auto op = kernels::unary_op_from_name(name);
        if (!op) throw_value_error("name", "must name a unary math op (exp, log, ..., norm_cdf), got '" + name + "'");
        if (has_dtype<double>(x)) return nb::cast(apply_unary<double>(*op, x));
        if (has_dtype<float>(x)) return nb::cast(apply_unary<float>(*op, x));
        throw_type_error("x", "must be a float32 or float64 array, got " + dtype_name(x.dtype()));
      },
      nb::arg("name"), nb::arg("x"), "Elementwise math kernel on a 1-D contiguous float32/float64 array.");
  m.def(
      "reduce_kernel",
      [](const std::string& name, const AnyArray1D& x, std::optional<AnyArray1D> y) -> nb::object {
        if (has_dtype<double>(x)) return apply_reduction<double>(name, x, y);
        if (has_dtype<float>(x)) return apply_reduction<float>(name, x, y);
        throw_type_error("x", "must be a float32 or float64 array, got " + dtype_name(x.dtype()));
      },
      nb::arg("name"), nb::arg("x"), nb::arg("y").none() = nb::none(),
      "Block reduction kernel (sum, dot, min, max, argmin, argmax) on one contiguous array.");
  m.def("math_target_name", &kernels::math_target_name, "SIMD target the math kernels dispatched to.");
}

}  // namespace fuseflow::bindings
