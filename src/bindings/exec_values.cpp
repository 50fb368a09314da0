// Conversions between Python objects and engine Values for the engine bindings (see
// exec_bindings.h): arrays cross without copies (borrowed for the duration of the run, results
// handed to NumPy through a capsule), read and created through NumPy's C API (numpy_api.h).
#include <nanobind/stl/shared_ptr.h>

#include <memory>
#include <string>
#include <vector>

#include "exec_bindings.h"
#include "fuseflow/api/call_policy.h"
#include "fuseflow/core/error.h"
#include "fuseflow/graph/graph.h"

#define FUSEFLOW_DEFINE_NUMPY_API  // this file holds the API table the others share
#include "numpy_api.h"

namespace fuseflow::bindings {

using exec::DType;

void import_numpy_api() {
  if (_import_array() < 0) throw nb::python_error();
}

namespace {

// The engine's element type of a NumPy type number, or false for unsupported dtypes.
bool elem_type_of_typenum(int typenum, DType& out) {
  switch (typenum) {
    case NPY_DOUBLE: out = DType::kFloat64; return true;
    case NPY_FLOAT: out = DType::kFloat32; return true;
    case NPY_BOOL: out = DType::kBool; return true;
    default: break;
  }
  // int32/int64 have several type numbers (int/long/longlong) whose sizes depend on the platform.
  std::size_t size = 0;
  if (typenum == NPY_INT) size = sizeof(int);
  else if (typenum == NPY_LONG) size = sizeof(long);
  else if (typenum == NPY_LONGLONG) size = sizeof(long long);
  if (size == 4) out = DType::kInt32;
  else if (size == 8) out = DType::kInt64;
  else return false;
  return true;
}

bool elem_type_of_dtype(const nb::dlpack::dtype& dt, DType& out) {
  if (dt == nb::dtype<double>()) out = DType::kFloat64;
  else if (dt == nb::dtype<float>()) out = DType::kFloat32;
  else if (dt == nb::dtype<std::int64_t>()) out = DType::kInt64;
  else if (dt == nb::dtype<std::int32_t>()) out = DType::kInt32;
  else if (dt == nb::dtype<bool>()) out = DType::kBool;
  else return false;
  return true;
}

std::string input_name(std::size_t index) { return "inputs[" + std::to_string(index) + "]"; }

void release_storage_capsule(PyObject* capsule) {
  delete static_cast<std::shared_ptr<exec::Storage>*>(PyCapsule_GetPointer(capsule, nullptr));
}

// A writable NumPy array over the value's storage (no copy); a capsule holding a reference to the
// storage is the array's base, so the buffer lives as long as the array.
nb::object array_to_numpy(const Value& v) {
  nb::object capsule = nb::steal(PyCapsule_New(new std::shared_ptr<exec::Storage>(v.storage), nullptr,
                                               &release_storage_capsule));
  if (!capsule.is_valid()) throw nb::python_error();
  npy_intp shape[4] = {static_cast<npy_intp>(v.length), 0, 0, 0};
  const int ndim = v.rank > 1 ? v.rank : 1;
  if (v.rank > 1) {
    for (int k = 0; k < ndim; ++k) shape[k] = static_cast<npy_intp>(v.dims[k]);
  }
  PyArray_Descr* descr = PyArray_DescrFromType(typenum_of_elem_type(v.type));  // new reference, stolen below
  PyObject* array = PyArray_NewFromDescr(&PyArray_Type, descr, ndim, shape, nullptr, v.storage->data(),
                                         NPY_ARRAY_CARRAY, nullptr);
  if (array == nullptr) throw nb::python_error();
  nb::object result = nb::steal(array);
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(array), capsule.release().ptr()) != 0) {
    throw nb::python_error();
  }
  return result;
}

}  // namespace

int typenum_of_elem_type(DType t) {
  switch (t) {
    case DType::kBool: return NPY_BOOL;
    case DType::kInt32: return NPY_INT32;
    case DType::kInt64: return NPY_INT64;
    case DType::kFloat32: return NPY_FLOAT32;
    case DType::kFloat64: return NPY_FLOAT64;
  }
  return NPY_FLOAT64;
}

// An exact numpy.ndarray the executor can borrow as it is: 1-D, C-contiguous, aligned, native
// byte order, supported dtype. Anything else takes the general (nanobind) path with its errors.
bool plain_numpy_array(PyObject* o, DType& type) {
  if (Py_TYPE(o) != &PyArray_Type) return false;
  auto* a = reinterpret_cast<PyArrayObject*>(o);
  const int ndim = PyArray_NDIM(a);
  if (ndim < 1 || ndim > 4 || !PyArray_IS_C_CONTIGUOUS(a) || !PyArray_ISALIGNED(a) || !PyArray_ISNOTSWAPPED(a)) {
    return false;
  }
  return elem_type_of_typenum(PyArray_TYPE(a), type);
}

std::int64_t plain_size(PyObject* array) {
  auto* a = reinterpret_cast<PyArrayObject*>(array);
  std::int64_t n = 1;
  for (int k = 0; k < PyArray_NDIM(a); ++k) n *= static_cast<std::int64_t>(PyArray_DIM(a, k));
  return n;
}

void set_shape(PyObject* array, Value& v) {
  auto* a = reinterpret_cast<PyArrayObject*>(array);
  const int ndim = PyArray_NDIM(a);
  if (ndim > 1) {
    v.rank = static_cast<std::uint8_t>(ndim);
    for (int k = 0; k < ndim; ++k) v.dims[k] = static_cast<std::int64_t>(PyArray_DIM(a, k));
  }
}

bool out_buffer(PyObject* o, Compiled::OutBuffer& b) {
  if (!plain_numpy_array(o, b.type) || !PyArray_ISWRITEABLE(reinterpret_cast<PyArrayObject*>(o))) return false;
  auto* a = reinterpret_cast<PyArrayObject*>(o);
  b.data = PyArray_DATA(a);
  b.rank = PyArray_NDIM(a);
  for (int k = 0; k < b.rank; ++k) b.dims[k] = PyArray_DIM(a, k);
  return true;
}

bool numpy_scalar_value(PyObject* o, Value& v) {
  PyTypeObject* t = Py_TYPE(o);
  if (t == &PyDoubleArrType_Type) v = Value::of_f64(PyArrayScalar_VAL(o, Double));
  else if (t == &PyFloatArrType_Type) v = Value::of_f32(PyArrayScalar_VAL(o, Float));
  else if (t == &PyLongArrType_Type && sizeof(npy_long) == 8) v = Value::of_i64(PyArrayScalar_VAL(o, Long));
  else if (t == &PyLongLongArrType_Type && sizeof(npy_longlong) == 8) v = Value::of_i64(PyArrayScalar_VAL(o, LongLong));
  else if (t == &PyIntArrType_Type && sizeof(npy_int) == 4) v = Value::of_i32(PyArrayScalar_VAL(o, Int));
  else if (t == &PyBoolArrType_Type) v = Value::of_bool(PyArrayScalar_VAL(o, Bool) != 0);
  else return false;
  return true;
}

Value to_value(nb::handle obj, std::size_t index) {
  DType plain_type;
  if (plain_numpy_array(obj.ptr(), plain_type)) {
    Value v = Value::borrowed_array(plain_type, PyArray_DATA(reinterpret_cast<PyArrayObject*>(obj.ptr())),
                                    plain_size(obj.ptr()), nullptr);
    set_shape(obj.ptr(), v);
    return v;
  }
  if (Value scalar; numpy_scalar_value(obj.ptr(), scalar)) return scalar;
  // bool before int: Python's bool is an int subclass.
  if (PyBool_Check(obj.ptr())) return Value::of_bool(obj.ptr() == Py_True);
  if (PyFloat_Check(obj.ptr())) return Value::of_f64(PyFloat_AS_DOUBLE(obj.ptr()));
  if (PyLong_Check(obj.ptr())) {
    int overflow = 0;
    long long v = PyLong_AsLongLongAndOverflow(obj.ptr(), &overflow);
    if (overflow != 0) throw_value_error(input_name(index), "integer does not fit in int64");
    return Value::of_i64(v);
  }
  AnyArray1D array;
  if (nb::try_cast(obj, array, /*convert=*/false)) {
    DType t;
    if (!elem_type_of_dtype(array.dtype(), t)) {
      throw_type_error(input_name(index), "unsupported dtype " + dtype_name(array.dtype()) +
                                 " (use bool, int32, int64, float32 or float64)");
    }
    // Borrowed: the caller's list keeps the array alive for the whole (synchronous) run.
    return Value::borrowed_array(t, array.data(), static_cast<std::int64_t>(array.shape(0)), nullptr);
  }
  nb::handle graph_obj = obj;
  if (nb::hasattr(obj, "_g")) graph_obj = obj.attr("_g");
  std::shared_ptr<Graph> g;
  if (nb::try_cast(graph_obj, g, /*convert=*/false) && g) return Value::of_graph(g);
  // NumPy scalars (np.float32(1), np.int64(3), 0-d arrays): through their Python value.
  if (nb::hasattr(obj, "dtype") && nb::hasattr(obj, "ndim")) {
    nb::object ndim_obj = obj.attr("ndim");
    const long ndim = PyLong_AsLong(ndim_obj.ptr());
    if (ndim != 0) {
      throw_type_error(input_name(index), ndim >= 1 && ndim <= 4 ? "an array must be C-contiguous (use np.ascontiguousarray)"
                                                    : "arrays must be 1-D, got ndim=" + std::to_string(ndim));
    }
    nb::object item = obj.attr("item")();
    if (PyBool_Check(item.ptr()) || PyFloat_Check(item.ptr()) || PyLong_Check(item.ptr())) {
      Value v = to_value(item, index);
      nb::object dtype_name_obj = obj.attr("dtype").attr("name");  // a Python str: "float32", ...
      const char* dname_c = PyUnicode_Check(dtype_name_obj.ptr()) ? PyUnicode_AsUTF8(dtype_name_obj.ptr()) : nullptr;
      const std::string dname = dname_c ? dname_c : "";
      DType t;
      if (dname == "float32") t = DType::kFloat32;
      else if (dname == "int32") t = DType::kInt32;
      else return v;
      Value typed;
      typed.type = t;
      exec::store_scalar(t, v.as_f64(), v.as_i64(), t == DType::kInt32, typed.scalar);
      return typed;
    }
  }
  throw_type_error(input_name(index), std::string("must be a 1-D contiguous NumPy array, a Python/NumPy scalar or a Graph, got ") +
                             Py_TYPE(obj.ptr())->tp_name);
}

nb::object from_value(const Value& v) {
  if (v.is_array()) return array_to_numpy(v);
  // Scalars come back as NumPy scalars of the traced dtype (like NumPy reductions).
  bool flag;
  const void* data = v.scalar.raw;
  if (v.type == DType::kBool) {
    flag = v.scalar.raw[0] != 0;  // NumPy's bool is one byte holding 0 or 1
    data = &flag;
  }
  PyArray_Descr* descr = PyArray_DescrFromType(typenum_of_elem_type(v.type));
  PyObject* scalar = PyArray_Scalar(const_cast<void*>(data), descr, nullptr);
  Py_DECREF(descr);
  if (scalar == nullptr) throw nb::python_error();
  return nb::steal(scalar);
}

std::vector<Value> convert_inputs(const nb::list& inputs) {
  std::vector<Value> values;
  values.reserve(inputs.size());
  for (std::size_t i = 0; i < inputs.size(); ++i) values.push_back(to_value(inputs[i], i));
  return values;
}

nb::list convert_outputs(const std::vector<Value>& outputs) {
  nb::list out;
  for (const Value& v : outputs) out.append(from_value(v));
  return out;
}

// Rebuilds a function's (nested tuple/list) return value from its flat outputs; `structure` is
// what fuseflow.dsl._flatten made: None for a leaf, else (container type, [children]).
nb::object unflatten(nb::handle structure, const std::vector<Value>& outputs, std::size_t& next) {
  if (structure.is_none()) return from_value(outputs.at(next++));
  nb::handle kind = PyTuple_GET_ITEM(structure.ptr(), 0);
  nb::handle children = PyTuple_GET_ITEM(structure.ptr(), 1);
  const Py_ssize_t count = PyList_GET_SIZE(children.ptr());
  nb::list items;
  for (Py_ssize_t i = 0; i < count; ++i) items.append(unflatten(PyList_GET_ITEM(children.ptr(), i), outputs, next));
  if (kind.ptr() == reinterpret_cast<PyObject*>(&PyList_Type)) return items;
  if (kind.ptr() == reinterpret_cast<PyObject*>(&PyTuple_Type)) return nb::steal(PyList_AsTuple(items.ptr()));
  if (nb::hasattr(kind, "_fields")) {  // a namedtuple takes its fields as arguments
    nb::object fields = nb::steal(PyList_AsTuple(items.ptr()));
    PyObject* made = PyObject_CallObject(kind.ptr(), fields.ptr());
    if (made == nullptr) throw nb::python_error();
    return nb::steal(made);
  }
  return kind(items);  // a tuple/list subclass, built from its items as the Python tracer does
}

std::vector<Value> run_inputs(const Compiled& c, std::vector<Value> values) {
  if (is_short_call(c, values)) return c.run(std::move(values));
  NativeCall call;
  return c.run(std::move(values));
}

void run_into(const Compiled& c, std::vector<Value> values, const std::vector<Compiled::OutBuffer>& buffers) {
  if (is_short_call(c, values)) {
    c.run_into(std::move(values), buffers);
    return;
  }
  NativeCall call;
  c.run_into(std::move(values), buffers);
}

}  // namespace fuseflow::bindings
