// Kernel-level entry points, used by accuracy tests and benchmarks (not part of the public API).
#include <nanobind/stl/string.h>

#include <algorithm>
#include <string>

#include "bindings.h"
#include "fuseflow/core/error.h"
#include "fuseflow/kernels/math.h"

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
  m.def("math_target_name", &kernels::math_target_name, "SIMD target the math kernels dispatched to.");
}

}  // namespace fuseflow::bindings
