// _core.eager_function / eager_math / eager_math_ops: ff.exp(x) and the other kernels math ops on
// a NumPy array outside ff.jit (the chunked run itself is fuseflow::eager_unary, api/eager_math.h).
#include <nanobind/stl/string.h>

#include <array>
#include <string>
#include <utility>

#include "exec_bindings.h"
#include "fuseflow/api/eager_math.h"
#include "fuseflow/core/error.h"
#include "numpy_api.h"

namespace fuseflow::bindings {
namespace {

// The SIMD kernel writes a fresh NumPy-owned array of x's shape. None when x is not an exact
// ndarray of float32/float64 with ndim >= 1, C-contiguous, aligned and native byte order, or when
// NumPy is the faster of the two at its size (eager_native_max): the caller then uses NumPy,
// which also decides dtypes and 0-d results. Made lean (NumPy C API, no
// nanobind ndarray exchange) because a small call is dominated by its overhead: ~0.15 us here
// against ~0.3 us for np.exp.
// The native result as a new reference, or null with no error set when x does not take the
// native path; throws what the run throws.
PyObject* eager_math_raw(kernels::UnaryOp uop, PyObject* o) {
  if (Py_TYPE(o) != &PyArray_Type) return nullptr;
  auto* a = reinterpret_cast<PyArrayObject*>(o);
  const int typenum = PyArray_TYPE(a);
  if ((typenum != NPY_FLOAT64 && typenum != NPY_FLOAT32) || PyArray_NDIM(a) == 0 || !PyArray_IS_C_CONTIGUOUS(a) ||
      !PyArray_ISALIGNED(a) || !PyArray_ISNOTSWAPPED(a)) {
    return nullptr;
  }
  const std::size_t n = static_cast<std::size_t>(PyArray_SIZE(a));
  if (n > eager_native_max(uop, typenum == NPY_FLOAT32)) return nullptr;  // NumPy is faster there
  PyObject* out = PyArray_SimpleNew(PyArray_NDIM(a), PyArray_DIMS(a), typenum);
  if (out == nullptr) throw nb::python_error();
  nb::object result = nb::steal(out);
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
  return result.release().ptr();
}

nb::object eager_math(int op, nb::handle x) {
  if (op < 0 || op >= kernels::kNumUnaryOps) throw_value_error("op", "must be a kernels::UnaryOp index");
  PyObject* r = eager_math_raw(static_cast<kernels::UnaryOp>(op), x.ptr());
  return r != nullptr ? nb::steal(r) : nb::none();
}

// ff.exp, ff.tanh, ... as builtin functions (eager_function below): one PyMethodDef per kernels
// op, its C function instantiated per op, so each is a plain module-level builtin (name, doc,
// text signature) whose call reaches the kernel or NumPy's ufunc without a Python frame. The
// Python-level function it replaced cost ~0.15 us per call, half of np.tanh on a small array.
struct EagerFunctionData {
  std::string name, doc;
  PyMethodDef def{};
  PyObject* numpy_fn = nullptr;  // NumPy's function (strong reference), or null: the fallback decides
  PyObject* fallback = nullptr;  // the Python function: traced values, scalars, lists, subclasses
};
EagerFunctionData eager_functions[kernels::kNumUnaryOps];

template <int Op>
PyObject* eager_function_call(PyObject* /*self*/, PyObject* const* args, Py_ssize_t nargsf, PyObject* kwnames) {
  const EagerFunctionData& f = eager_functions[Op];
  if (PyVectorcall_NARGS(nargsf) == 1 && kwnames == nullptr && Py_TYPE(args[0]) == &PyArray_Type) {
    try {
      if (PyObject* r = eager_math_raw(static_cast<kernels::UnaryOp>(Op), args[0])) return r;
    } catch (const std::exception&) {
      set_python_error_from_current_exception();
      return nullptr;
    }
    if (f.numpy_fn != nullptr) return PyObject_CallOneArg(f.numpy_fn, args[0]);
  }
  return PyObject_Vectorcall(f.fallback, args, nargsf, kwnames);
}

// METH_FASTCALL | METH_KEYWORDS signature (public as PyCFunctionFastWithKeywords from Python 3.13).
using FastWithKeywords = PyObject* (*)(PyObject*, PyObject* const*, Py_ssize_t, PyObject*);

template <std::size_t... I>
constexpr std::array<FastWithKeywords, sizeof...(I)> eager_function_table(std::index_sequence<I...>) {
  return {&eager_function_call<static_cast<int>(I)>...};
}

// A builtin function `name` (module `module`) for kernels op `op`: exact ndarrays go to the
// native kernel (eager_math's rules) or else to `numpy_fn` (None: to `fallback` as well);
// everything else, and any call not of the form f(x), to `fallback`. `doc` is the docstring; its
// text signature is name(x). Made once per op: a second call replaces the first's data.
nb::object eager_function(int op, const std::string& name, const std::string& doc, nb::handle numpy_fn,
                          nb::handle fallback, const std::string& module) {
  if (op < 0 || op >= kernels::kNumUnaryOps) throw_value_error("op", "must be a kernels::UnaryOp index");
  if (!PyCallable_Check(fallback.ptr())) throw_type_error("fallback", "must be callable");
  if (!numpy_fn.is_none() && !PyCallable_Check(numpy_fn.ptr())) throw_type_error("numpy_fn", "must be callable or None");
  static constexpr auto table = eager_function_table(std::make_index_sequence<kernels::kNumUnaryOps>());
  EagerFunctionData& f = eager_functions[op];
  // The data lives for the process (functions made earlier may still point at it); a remake
  // only swaps the references.
  Py_XDECREF(f.numpy_fn);
  Py_XDECREF(f.fallback);
  f.numpy_fn = numpy_fn.is_none() ? nullptr : numpy_fn.inc_ref().ptr();
  f.fallback = fallback.inc_ref().ptr();
  if (f.def.ml_name == nullptr) {
    f.name = name;
    f.doc = name + "(x)\n--\n\n" + doc;  // "--" line: the text signature inspect reads
    f.def.ml_name = f.name.c_str();
    f.def.ml_doc = f.doc.c_str();
    f.def.ml_meth = reinterpret_cast<PyCFunction>(reinterpret_cast<void*>(table[static_cast<std::size_t>(op)]));
    f.def.ml_flags = METH_FASTCALL | METH_KEYWORDS;
  }
  nb::object module_name = nb::str(module.c_str());
  PyObject* fn = PyCFunction_NewEx(&f.def, nullptr, module_name.ptr());
  if (fn == nullptr) throw nb::python_error();
  return nb::steal(fn);
}

}  // namespace

void bind_eager_math(nb::module_& m) {
  m.def("eager_function", &eager_function, nb::arg("op"), nb::arg("name"), nb::arg("doc"), nb::arg("numpy_fn").none(),
        nb::arg("fallback"), nb::arg("module"),
        "A builtin function for kernels op `op`: exact ndarrays to the native kernel where it is faster, else to "
        "`numpy_fn`; everything else to `fallback` (see bind_eager_math.cpp).");
  m.def("eager_math", &eager_math, nb::arg("op"), nb::arg("x"),
        "kernels math op `op` (its UnaryOp index) on a contiguous float32/float64 ndarray, or None (also when NumPy "
        "is faster at that size).");
  m.def(
      "eager_native_max",
      [](int op, bool float32) {
        if (op < 0 || op >= kernels::kNumUnaryOps) throw_value_error("op", "must be a kernels::UnaryOp index");
        return eager_native_max(static_cast<kernels::UnaryOp>(op), float32);
      },
      nb::arg("op"), nb::arg("float32"),
      "Largest element count eager_math runs natively for op (float32 or float64); above it, None (NumPy).");
  m.def("eager_math_ops", [] {
    nb::dict ops;
    for (int i = 0; i < kernels::kNumUnaryOps; ++i) ops[kernels::unary_op_name(static_cast<kernels::UnaryOp>(i))] = i;
    return ops;
  }, "{name: UnaryOp index} of the kernels math ops, for eager_math.");
}

}  // namespace fuseflow::bindings
