// _core.eager_math / eager_math_ops: ff.exp(x) and the other kernels math ops on a NumPy array
// outside ff.jit (the chunked run itself is fuseflow::eager_unary, api/eager_math.h).
#include "exec_bindings.h"
#include "fuseflow/api/eager_math.h"
#include "fuseflow/core/error.h"
#include "numpy_api.h"

namespace fuseflow::bindings {
namespace {

// The SIMD kernel writes a fresh NumPy-owned array of x's shape. None when x is not an exact
// ndarray of float32/float64 with ndim >= 1, C-contiguous, aligned and native byte order: the
// caller then uses NumPy, which also decides dtypes and 0-d results. Made lean (NumPy C API, no
// nanobind ndarray exchange) because a small call is dominated by its overhead: ~0.15 us here
// against ~0.3 us for np.exp.
nb::object eager_math(int op, nb::handle x) {
  if (op < 0 || op >= kernels::kNumUnaryOps) throw_value_error("op", "must be a kernels::UnaryOp index");
  PyObject* o = x.ptr();
  if (Py_TYPE(o) != &PyArray_Type) return nb::none();
  auto* a = reinterpret_cast<PyArrayObject*>(o);
  const int typenum = PyArray_TYPE(a);
  if ((typenum != NPY_FLOAT64 && typenum != NPY_FLOAT32) || PyArray_NDIM(a) == 0 || !PyArray_IS_C_CONTIGUOUS(a) ||
      !PyArray_ISALIGNED(a) || !PyArray_ISNOTSWAPPED(a)) {
    return nb::none();
  }
  PyObject* out = PyArray_SimpleNew(PyArray_NDIM(a), PyArray_DIMS(a), typenum);
  if (out == nullptr) throw nb::python_error();
  nb::object result = nb::steal(out);
  const auto uop = static_cast<kernels::UnaryOp>(op);
  const std::size_t n = static_cast<std::size_t>(PyArray_SIZE(a));
  void* dst = PyArray_DATA(reinterpret_cast<PyArrayObject*>(out));
  auto run = [&] {
    if (typenum == NPY_FLOAT64) {
      eager_unary(uop, static_cast<const double*>(PyArray_DATA(a)), static_cast<double*>(dst), n);
    } else {
      eager_unary(uop, static_cast<const float*>(PyArray_DATA(a)), static_cast<float*>(dst), n);
    }
  };
  // Short runs keep the GIL (releasing it costs more than they do); long ones release it and
  // notice Ctrl-C between chunks.
  if (n <= kEagerChunk) {
    run();
  } else {
    NativeCall call;
    run();
  }
  return result;
}

}  // namespace

void bind_eager_math(nb::module_& m) {
  m.def("eager_math", &eager_math, nb::arg("op"), nb::arg("x"),
        "kernels math op `op` (its UnaryOp index) on a contiguous float32/float64 ndarray, or None.");
  m.def("eager_math_ops", [] {
    nb::dict ops;
    for (int i = 0; i < kernels::kNumUnaryOps; ++i) ops[kernels::unary_op_name(static_cast<kernels::UnaryOp>(i))] = i;
    return ops;
  }, "{name: UnaryOp index} of the kernels math ops, for eager_math.");
}

}  // namespace fuseflow::bindings
