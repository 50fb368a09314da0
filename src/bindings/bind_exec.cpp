// Engine bindings: _core.compile(program, deterministic=False) -> _core.Compiled with
// .run(inputs: list) -> list, and _core.JitDispatcher, the native base of ff.jit's JitFunction whose
// __call__ runs a repeated call without entering Python. Arrays cross without copies (borrowed for
// the duration of the run, results handed to NumPy through a capsule); long runs release the GIL.
// NumPy arrays are read and created through NumPy's C API: nanobind's generic ndarray exchange
// (DLPack import, numpy.asarray export) cost ~0.6 us of a ~1.9 us small call.
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <algorithm>
#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"
#include "fuseflow/api/compiled.h"
#include "fuseflow/core/error.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/kernels/math.h"

// After Python.h (included by nanobind). No PY_ARRAY_UNIQUE_SYMBOL: the API table is private to
// this file, which is the only user, and bind_exec() imports it.
#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#include <numpy/arrayobject.h>

namespace fuseflow::bindings {
namespace {

using exec::DType;

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

// Element count of a plain array; an N-d array's shape goes on the Value (flat C-order data).
std::int64_t set_shape(PyArrayObject* a, Value& v) {
  const int ndim = PyArray_NDIM(a);
  std::int64_t n = 1;
  for (int k = 0; k < ndim; ++k) n *= static_cast<std::int64_t>(PyArray_DIM(a, k));
  if (ndim > 1) {
    v.rank = static_cast<std::uint8_t>(ndim);
    for (int k = 0; k < ndim; ++k) v.dims[k] = static_cast<std::int64_t>(PyArray_DIM(a, k));
  }
  return n;
}

std::int64_t plain_size(PyArrayObject* a) {
  std::int64_t n = 1;
  for (int k = 0; k < PyArray_NDIM(a); ++k) n *= static_cast<std::int64_t>(PyArray_DIM(a, k));
  return n;
}

Value to_value(nb::handle obj, std::size_t index) {
  DType plain_type;
  if (plain_numpy_array(obj.ptr(), plain_type)) {
    auto* a = reinterpret_cast<PyArrayObject*>(obj.ptr());
    Value v = Value::borrowed_array(plain_type, PyArray_DATA(a), plain_size(a), nullptr);
    set_shape(a, v);
    return v;
  }
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

// A call that cannot run long: no loop, no graph, every array small. Such calls keep the GIL:
// releasing and re-taking it (and arming Ctrl-C) costs more than the run itself (~0.2 us of a
// ~1.3 us 1-element call), and a run of a few microseconds blocks no other thread noticeably.
bool is_short_call(const Compiled& c, const std::vector<Value>& values) {
  constexpr std::int64_t kShortCallElements = 4096;
  for (const exec::Step& s : c.plan().steps) {
    if (s.kind == exec::Step::kLoop) return false;
  }
  for (const Value& v : values) {
    if (v.kind == exec::SlotKind::kGraph) return false;
    if (v.kind == exec::SlotKind::kArray && v.length > kShortCallElements) return false;
  }
  return true;
}

std::vector<Value> run_inputs(const Compiled& c, std::vector<Value> values) {
  if (is_short_call(c, values)) return c.run(std::move(values));
  NativeCall call;
  return c.run(std::move(values));
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

// Native base of ff.jit's JitFunction. A call whose arguments have the exact layout of an earlier
// call (same argument kinds, dtypes and array lengths; arrays plain 1-D contiguous) runs the
// remembered Compiled directly; any other call goes to the Python method _call_slow, which traces,
// compiles and calls remember(). Saves the Python frame, the layout bytes object and the dict
// lookup of a Python-level cache (~0.5 us of a small call).
class JitDispatcher {
 public:
  // Per argument: a kind byte, then for arrays the element type and length, for graphs the node
  // and edge counts (array length classes are decided against them). A graph's kind byte says
  // whether it is weighted ('w') or not ('g'): neighbor_agg(weights=None) reads the weights of a
  // weighted graph, so the two trace to different programs (see jit.py _classify).
  static constexpr std::size_t kMaxKeyArgs = 32;
  struct Key {
    unsigned char bytes[kMaxKeyArgs * (3 + 4 * sizeof(std::int64_t))];
    std::size_t size = 0;
    std::size_t graphs = 0;
  };

  // The native Graph of a fuseflow.Graph (the Python wrapper class registered by jit.py), or null.
  static const Graph* graph_of(PyObject* o) {
    if (graph_wrapper_type_ == nullptr || Py_TYPE(o) != graph_wrapper_type_) return nullptr;
    nb::object inner = nb::steal(PyObject_GetAttrString(o, "_g"));
    if (!inner.is_valid()) {
      PyErr_Clear();
      return nullptr;
    }
    return nb::isinstance<Graph>(inner) ? nb::inst_ptr<Graph>(inner) : nullptr;
  }

  static void append_int64(unsigned char*& out, std::int64_t v) {
    std::memcpy(out, &v, sizeof v);
    out += sizeof v;
  }

  // Up to kMaxKeyArgs borrowed-array Storage objects built in place; destroys the ones it built.
  class ViewStorage {
   public:
    ViewStorage() = default;
    ViewStorage(const ViewStorage&) = delete;
    ViewStorage& operator=(const ViewStorage&) = delete;
    ~ViewStorage() {
      for (std::size_t i = 0; i < size_; ++i) at(i)->~Storage();
    }
    exec::Storage& add(const void* data, std::size_t bytes) {
      exec::Storage* s = new (static_cast<void*>(bytes_ + size_ * sizeof(exec::Storage))) exec::Storage(data, bytes, nullptr);
      ++size_;
      return *s;
    }

   private:
    exec::Storage* at(std::size_t i) { return std::launder(reinterpret_cast<exec::Storage*>(bytes_ + i * sizeof(exec::Storage))); }
    alignas(exec::Storage) unsigned char bytes_[kMaxKeyArgs * sizeof(exec::Storage)];
    std::size_t size_ = 0;
  };

  // False when an argument cannot take the native path (NumPy scalar, strided array, ...).
  static bool layout_key(PyObject* const* args, std::size_t nargs, Key& key) {
    if (nargs > kMaxKeyArgs) return false;
    unsigned char* out = key.bytes;
    key.graphs = 0;
    for (std::size_t i = 0; i < nargs; ++i) {
      PyObject* o = args[i];
      PyTypeObject* t = Py_TYPE(o);
      if (t == &PyFloat_Type) {
        *out++ = 'f';
      } else if (t == &PyBool_Type) {
        *out++ = 'b';
      } else if (t == &PyLong_Type) {
        int overflow = 0;
        (void)PyLong_AsLongLongAndOverflow(o, &overflow);
        if (overflow != 0) return false;  // the Python path raises the OverflowError
        *out++ = 'i';
      } else if (const Graph* g = graph_of(o)) {
        *out++ = g->has_weights() ? 'w' : 'g';
        append_int64(out, g->num_nodes());
        append_int64(out, g->num_edges());
        ++key.graphs;
      } else {
        DType type;
        if (!plain_numpy_array(o, type)) return false;
        auto* a = reinterpret_cast<PyArrayObject*>(o);
        *out++ = 'a';
        *out++ = static_cast<unsigned char>(type);
        // Rank and every axis (one 8-byte axis for 1-D, as before).
        const int ndim = PyArray_NDIM(a);
        if (ndim > 1) *out++ = static_cast<unsigned char>('0' + ndim);
        for (int k = 0; k < ndim; ++k) append_int64(out, PyArray_DIM(a, k));
      }
    }
    key.size = static_cast<std::size_t>(out - key.bytes);
    return true;
  }

  // The type's tp_call: a remembered layout runs here, anything else goes to self._call_slow.
  static PyObject* tp_call(PyObject* self, PyObject* args, PyObject* kwargs) noexcept {
    try {
      if (!nb::inst_ready(self)) {
        PyErr_SetString(PyExc_TypeError, "JitDispatcher.__init__() was not called");
        return nullptr;
      }
      nb::object result = nb::inst_ptr<JitDispatcher>(self)->call(self, args, kwargs);
      return result.release().ptr();
    } catch (nb::python_error& e) {
      e.restore();
    } catch (const Error& e) {
      set_python_error(e);
    } catch (const std::bad_alloc&) {
      PyErr_NoMemory();
    } catch (const std::exception& e) {
      PyErr_SetString(PyExc_RuntimeError, e.what());
    }
    return nullptr;
  }

  // The call's full argument list in parameter order, borrowed into `argv`: positional arguments,
  // keywords matched to their parameters, defaults for the rest, then the captured values (closure
  // cells, `self` attributes; new references held by `held`). False when the call needs Python's
  // binding (unknown or repeated keyword, missing argument, *args, out=): _call_slow then raises or
  // handles it. Binding here keeps keyword calls on the native path: in Python it cost ~3.5 us.
  // New references to captured values, released when the call returns (uninitialised storage: a
  // zeroed array of 32 nb::object cost measurably on a ~0.5 us call).
  struct Held {
    PyObject* refs[kMaxKeyArgs];
    std::size_t size = 0;
    Held() = default;
    Held(const Held&) = delete;
    Held& operator=(const Held&) = delete;
    ~Held() {
      for (std::size_t i = 0; i < size; ++i) Py_DECREF(refs[i]);
    }
  };

  // `argv` points at the call's arguments: the tuple's own items when the call is positional and
  // complete with nothing captured (the common case: no copy), else `storage` filled here.
  bool bind_arguments(PyObject* args, PyObject* kwargs, PyObject* const*& argv, PyObject** storage, Held& held,
                      std::size_t& nargs, PyObject*& out) const {
    out = nullptr;
    const std::size_t npos = static_cast<std::size_t>(PyTuple_GET_SIZE(args));
    const bool keywords = kwargs != nullptr && PyDict_GET_SIZE(kwargs) != 0;
    const std::size_t nparams = plain_ ? param_names_.size() : npos;
    if (!keywords && npos == nparams && captured_.empty()) {
      if (npos > kMaxKeyArgs) return false;
      argv = &PyTuple_GET_ITEM(args, 0);
      nargs = npos;
      return true;
    }
    argv = storage;
    if (npos > nparams || nparams + captured_.size() > kMaxKeyArgs) return false;
    if ((keywords || npos < nparams) && !plain_) return false;
    for (std::size_t i = 0; i < npos; ++i) storage[i] = PyTuple_GET_ITEM(args, i);
    for (std::size_t i = npos; i < nparams; ++i) storage[i] = nullptr;
    if (keywords) {
      Py_ssize_t pos = 0;
      PyObject* name;
      PyObject* value;
      while (PyDict_Next(kwargs, &pos, &name, &value)) {
        std::size_t i = npos;
        // Keyword names are interned like the parameter names: pointer equality almost always.
        while (i < nparams && param_names_[i].ptr() != name) ++i;
        if (i == nparams) {
          for (i = npos; i < nparams; ++i) {
            const int eq = PyUnicode_Compare(param_names_[i].ptr(), name);
            if (eq == -1 && PyErr_Occurred()) PyErr_Clear();
            if (eq == 0) break;
          }
        }
        if (i == nparams && PyUnicode_Check(name) && PyUnicode_CompareWithASCIIString(name, "out") == 0) {
          out = value;  // f(..., out=buf) of a function without an `out` parameter
          continue;
        }
        if (i == nparams || storage[i] != nullptr) return false;  // unknown or given positionally too
        storage[i] = value;
      }
    }
    for (std::size_t i = npos; i < nparams; ++i) {
      if (storage[i] != nullptr) continue;
      if (!defaults_[i].is_valid()) return false;  // missing: Python's binding names it
      storage[i] = defaults_[i].ptr();
    }
    for (std::size_t c = 0; c < captured_.size(); ++c) {
      nb::handle source = captured_[c];
      PyObject* v;
      if (PyCell_Check(source.ptr())) {
        v = PyCell_GET(source.ptr());
        if (v == nullptr) return false;  // an unbound closure variable: Python raises NameError
        Py_INCREF(v);
      } else {  // (object or a weak reference to it, attribute name)
        PyObject* owner = PyTuple_GET_ITEM(source.ptr(), 0);
        if (PyWeakref_CheckRef(owner)) {
          owner = PyWeakref_GetObject(owner);  // borrowed; Py_None once the object is gone
          if (owner == Py_None) return false;
        }
        if (PyDict_Check(owner)) {  // a module's globals
          v = PyDict_GetItemWithError(owner, PyTuple_GET_ITEM(source.ptr(), 1));
          if (v == nullptr) {
            PyErr_Clear();
            return false;
          }
          Py_INCREF(v);
        } else {
          v = PyObject_GetAttr(owner, PyTuple_GET_ITEM(source.ptr(), 1));
        }
        if (v == nullptr) {
          PyErr_Clear();
          return false;
        }
      }
      held.refs[held.size++] = v;
      storage[nparams + c] = v;
    }
    nargs = nparams + captured_.size();
    return true;
  }

  // The caller's out= arrays as run_into buffers: one plain writeable array for a single output
  // (structure None), a flat tuple/list of them for a tuple/list result. False: let Python check.
  static bool out_buffers(PyObject* out, nb::handle structure, std::vector<Compiled::OutBuffer>& buffers) {
    auto add = [&](PyObject* o) {
      Compiled::OutBuffer b;
      if (!plain_numpy_array(o, b.type) || !PyArray_ISWRITEABLE(reinterpret_cast<PyArrayObject*>(o))) return false;
      auto* a = reinterpret_cast<PyArrayObject*>(o);
      b.data = PyArray_DATA(a);
      b.rank = PyArray_NDIM(a);
      for (int k = 0; k < b.rank; ++k) b.dims[k] = PyArray_DIM(a, k);
      buffers.push_back(b);
      return true;
    };
    if (structure.is_none()) return add(out);
    if (!PyTuple_Check(out) && !PyList_Check(out)) return false;
    // Only flat results: each child of the structure a leaf (None).
    nb::handle children = PyTuple_GET_ITEM(structure.ptr(), 1);
    const Py_ssize_t count = PyList_GET_SIZE(children.ptr());
    if (PySequence_Fast_GET_SIZE(out) != count) return false;
    for (Py_ssize_t i = 0; i < count; ++i) {
      if (PyList_GET_ITEM(children.ptr(), i) != Py_None) return false;
      if (!add(PySequence_Fast_GET_ITEM(out, i))) return false;
    }
    return true;
  }

  nb::object call(PyObject* self, PyObject* args, PyObject* kwargs) {
    PyObject* storage[kMaxKeyArgs];
    PyObject* const* argv = nullptr;
    Held held;  // captured values: a run releasing the GIL must not lose them
    std::size_t nargs = 0;
    PyObject* out = nullptr;
    Key key;
    if (bind_arguments(args, kwargs, argv, storage, held, nargs, out) && layout_key(argv, nargs, key)) {
      for (const Entry& e : entries_) {
        if (e.key.size() != key.size || std::memcmp(e.key.data(), key.bytes, key.size) != 0) continue;
        // Hold the entry's objects: a run that releases the GIL may see entries_ change meanwhile.
        nb::object compiled_ref = e.compiled;
        nb::object structure = e.structure;
        const std::vector<int> graph_weights = e.graph_weights;  // empty for most programs: no allocation
        const Compiled& compiled = *e.compiled_ptr;  // checked by remember(); compiled_ref keeps it alive
        // Plain arrays are viewed through Storage objects on this frame, which outlives the run:
        // two allocations and frees fewer per array argument. Raw storage, constructed on use:
        // an array of optionals cost more (zeroing and destroying 32 of them) than it saved.
        ViewStorage views;
        std::vector<Value> values;
        values.reserve(nargs + graph_weights.size());
        // Graph inputs come first in a traced program (see jit.py), the rest in argument order.
        if (key.graphs > 0) {
          for (std::size_t i = 0; i < nargs; ++i) {
            if (graph_of(argv[i])) values.push_back(to_value(argv[i], values.size()));
          }
        }
        for (std::size_t i = 0; i < nargs; ++i) {
          PyObject* arg = argv[i];
          if (key.graphs != 0 && graph_of(arg)) continue;
          DType type;
          if (plain_numpy_array(arg, type)) {  // what layout_key matched: borrow it in place
            auto* a = reinterpret_cast<PyArrayObject*>(arg);
            const std::int64_t n = plain_size(a);
            exec::Storage& view = views.add(PyArray_DATA(a), static_cast<std::size_t>(n) * exec::elem_size(type));
            values.push_back(Value::borrowed_view(type, view, n));
            set_shape(a, values.back());
          } else {
            values.push_back(to_value(arg, values.size()));
          }
        }
        // Hidden inputs after the arguments: the user-order weights of each graph input (by
        // ordinal, graphs come first) whose own weights the program reads. The Graph caches them
        // and the borrowed view keeps the Graph alive.
        for (const int j : graph_weights) {
          std::shared_ptr<const Graph> g = values[static_cast<std::size_t>(j)].graph;
          const std::span<const double> w = g->user_order_weights();
          values.push_back(Value::borrowed_array(DType::kFloat64, w.data(), static_cast<std::int64_t>(w.size()), g));
        }
        if (out != nullptr) {
          // f(..., out=buf) natively: the same rules as jit.py's _call_into; anything its checks
          // would reject (wrong container, non-plain array) goes there for the message.
          std::vector<Compiled::OutBuffer> buffers;
          if (!out_buffers(out, structure, buffers)) break;
          if (is_short_call(compiled, values)) {
            compiled.run_into(std::move(values), buffers);
          } else {
            NativeCall native;
            compiled.run_into(std::move(values), buffers);
          }
          if (structure.is_none() || PyTuple_Check(out)) return nb::borrow(out);
          return nb::steal(PyList_AsTuple(out));
        }
        std::vector<Value> outputs = run_inputs(compiled, std::move(values));
        std::size_t next = 0;
        return unflatten(structure, outputs, next);
      }
    }
    nb::object slow = nb::steal(PyObject_GetAttrString(self, "_call_slow"));
    if (!slow.is_valid()) throw nb::python_error();
    PyObject* result = PyObject_Call(slow.ptr(), args, kwargs);
    if (result == nullptr) throw nb::python_error();
    return nb::steal(result);
  }

  // Makes calls with the layout of `args` run `compiled` natively; false if they cannot.
  // `graph_weights`: ordinals of the graph inputs whose user-order weights follow the arguments as
  // hidden inputs (the _Traced entry's graph_weights in jit.py).
  bool remember(const nb::tuple& args, nb::object compiled, nb::object structure, std::vector<int> graph_weights) {
    Key key;
    if (!layout_key(&PyTuple_GET_ITEM(args.ptr(), 0), args.size(), key)) return false;
    if (!nb::isinstance<Compiled>(compiled)) throw_type_error("compiled", "must be a _core.Compiled");
    for (const int j : graph_weights) {
      if (j < 0 || static_cast<std::size_t>(j) >= key.graphs) {
        throw_value_error("graph_weights",
                          "must name graph arguments by ordinal (0 <= j < " + std::to_string(key.graphs) + ")");
      }
    }
    for (Entry& e : entries_) {
      if (e.key.size() == key.size && std::memcmp(e.key.data(), key.bytes, key.size) == 0) {
        e.compiled_ptr = nb::inst_ptr<Compiled>(compiled);
        e.compiled = std::move(compiled);
        e.structure = std::move(structure);
        e.graph_weights = std::move(graph_weights);
        return true;
      }
    }
    // Bounded: keys include array lengths, so a caller sweeping sizes would otherwise grow it.
    if (entries_.size() >= kMaxEntries) entries_.clear();
    const Compiled* ptr = nb::inst_ptr<Compiled>(compiled);
    entries_.push_back({std::string(reinterpret_cast<const char*>(key.bytes), key.size), std::move(compiled), ptr,
                        std::move(structure), std::move(graph_weights)});
    return true;
  }

  // fuseflow.Graph, whose instances take the native path as their wrapped _core.Graph.
  static void register_graph_type(nb::handle type) {
    if (!PyType_Check(type.ptr())) throw_type_error("type", "must be a class");
    Py_XDECREF(reinterpret_cast<PyObject*>(graph_wrapper_type_));
    graph_wrapper_type_ = reinterpret_cast<PyTypeObject*>(type.inc_ref().ptr());  // lives as long as the module
  }

  // The Python function's parameters (all positional-or-keyword when `plain`), with `missing` in
  // `defaults` for a parameter without default; `captured`: cells and (object or globals dict, name)
  // pairs whose current values follow the parameters as inputs.
  void set_signature(const nb::tuple& names, const nb::tuple& defaults, nb::handle missing, bool plain,
                     const nb::list& captured) {
    if (names.size() != defaults.size()) throw_value_error("defaults", "must have one entry per parameter name");
    if (names.size() + captured.size() > kMaxKeyArgs) plain = false;  // the native path takes at most kMaxKeyArgs
    std::vector<nb::object> param_names, param_defaults, sources;
    for (std::size_t i = 0; i < names.size(); ++i) {
      if (!PyUnicode_Check(names[i].ptr())) throw_type_error("names", "must be strings");
      PyObject* name = names[i].ptr();
      Py_INCREF(name);
      PyUnicode_InternInPlace(&name);
      param_names.push_back(nb::steal(name));
      param_defaults.push_back(defaults[i].is(missing) ? nb::object() : nb::borrow(defaults[i]));
    }
    for (std::size_t c = 0; c < captured.size(); ++c) {
      nb::handle source = captured[c];
      const bool pair = PyTuple_Check(source.ptr()) && PyTuple_GET_SIZE(source.ptr()) == 2 &&
                        PyUnicode_Check(PyTuple_GET_ITEM(source.ptr(), 1));
      if (!PyCell_Check(source.ptr()) && !pair) {
        throw_type_error("captured", "entries must be closure cells or (object, attribute name) pairs");
      }
      sources.push_back(nb::borrow(source));
    }
    entries_.clear();
    param_names_ = std::move(param_names);
    defaults_ = std::move(param_defaults);
    captured_ = std::move(sources);
    plain_ = plain;
  }

  void forget() { entries_.clear(); }
  std::size_t size() const { return entries_.size(); }

 private:
  static constexpr std::size_t kMaxEntries = 64;
  struct Entry {
    std::string key;
    nb::object compiled;   // _core.Compiled
    const Compiled* compiled_ptr;  // its C++ object (no nanobind cast per call)
    nb::object structure;  // output structure (None: one output)
    std::vector<int> graph_weights;  // graph ordinals whose own weights are hidden inputs
  };
  std::vector<Entry> entries_;
  std::vector<nb::object> param_names_;  // interned
  std::vector<nb::object> defaults_;     // invalid: no default
  std::vector<nb::object> captured_;     // cells / (object, name) tuples
  bool plain_ = false;                   // false: positional calls only, taken as they are
  static inline PyTypeObject* graph_wrapper_type_ = nullptr;
};

// Eager elementwise math outside ff.jit (ff.exp(x) on a NumPy array): the SIMD kernel writes a
// fresh NumPy-owned array of x's shape. None when x is not an exact ndarray of float32/float64 with
// ndim >= 1, C-contiguous, aligned and native byte order: the caller then uses NumPy, which also
// decides dtypes and 0-d results. Made lean (NumPy C API, no nanobind ndarray exchange) because a
// small call is dominated by its overhead: ~0.15 us here against ~0.3 us for np.exp.
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
  auto run = [&](std::size_t begin, std::size_t count) {
    if (typenum == NPY_FLOAT64) {
      kernels::unary(uop, static_cast<const double*>(PyArray_DATA(a)) + begin,
                     static_cast<double*>(PyArray_DATA(reinterpret_cast<PyArrayObject*>(out))) + begin, count);
    } else {
      kernels::unary(uop, static_cast<const float*>(PyArray_DATA(a)) + begin,
                     static_cast<float*>(PyArray_DATA(reinterpret_cast<PyArrayObject*>(out))) + begin, count);
    }
  };
  // Short runs keep the GIL (releasing it costs more than they do); long ones release it and
  // notice Ctrl-C between chunks.
  constexpr std::size_t kChunk = std::size_t{1} << 16;
  if (n <= kChunk) {
    run(0, n);
  } else {
    NativeCall call;
    for (std::size_t begin = 0; begin < n; begin += kChunk) {
      run(begin, std::min(kChunk, n - begin));
      check_interrupt();
    }
  }
  return result;
}

const char* step_kind_name(exec::Step::Kind k) {
  switch (k) {
    case exec::Step::kKernel: return "kernel";
    case exec::Step::kNeighborAgg: return "neighbor_agg";
    case exec::Step::kEdgeGather: return "edge_gather";
    case exec::Step::kGraphQuery: return "graph";
    case exec::Step::kLoop: return "loop";
    case exec::Step::kAxis: return "axis";
    case exec::Step::kAxisReduce: return "axis_reduce";
    case exec::Step::kLocalityIn:
    case exec::Step::kLocalityOut: return "locality";
    case exec::Step::kView: return "view";
  }
  return "?";
}

// (profile_id, depth, kind, label, fused op count) for every step, in plan order.
void list_steps(const std::vector<exec::Step>& steps, int depth,
                std::vector<std::tuple<int, int, std::string, std::string, int>>& out) {
  for (const exec::Step& s : steps) {
    // Instructions of the fused kernel; an aggregation counts itself plus its epilogue's.
    int fused = s.kind == exec::Step::kKernel ? static_cast<int>(s.kernel->code.size()) : 1;
    if (s.kind == exec::Step::kNeighborAgg && s.agg.epilogue) fused += static_cast<int>(s.agg.epilogue->code.size());
    out.emplace_back(s.profile_id, depth, step_kind_name(s.kind), s.label, fused);
    if (s.kind == exec::Step::kLoop) {
      list_steps(s.loop->cond, depth + 1, out);
      list_steps(s.loop->body, depth + 1, out);
    }
  }
}

}  // namespace

void bind_exec(nb::module_& m) {
  if (_import_array() < 0) throw nb::python_error();
  m.def("eager_math", &eager_math, nb::arg("op"), nb::arg("x"),
        "kernels math op `op` (its UnaryOp index) on a contiguous float32/float64 ndarray, or None.");
  m.def("eager_math_ops", [] {
    nb::dict ops;
    for (int i = 0; i < kernels::kNumUnaryOps; ++i) ops[kernels::unary_op_name(static_cast<kernels::UnaryOp>(i))] = i;
    return ops;
  }, "{name: UnaryOp index} of the kernels math ops, for eager_math.");
  nb::class_<Compiled>(m, "Compiled", "A compiled program: run(inputs) executes it natively with the GIL released.")
      .def(
          "run",
          [](const Compiled& c, const nb::list& inputs) { return convert_outputs(run_inputs(c, convert_inputs(inputs))); },
          nb::arg("inputs"))
      .def(
          "run_into",
          [](const Compiled& c, const nb::list& inputs, const nb::list& outs) {
            // jit.py has checked each out array (ndarray, C-contiguous, aligned, writeable); here
            // only the conversion, with the same rule as a last guard.
            std::vector<Compiled::OutBuffer> buffers;
            for (std::size_t i = 0; i < outs.size(); ++i) {
              PyObject* o = outs[i].ptr();
              Compiled::OutBuffer b;
              if (!plain_numpy_array(o, b.type) || !PyArray_ISWRITEABLE(reinterpret_cast<PyArrayObject*>(o))) {
                throw nb::type_error(("out[" + std::to_string(i) + "]: must be a writeable, C-contiguous, aligned "
                                      "numpy.ndarray of rank 1-4 and a supported dtype").c_str());
              }
              auto* a = reinterpret_cast<PyArrayObject*>(o);
              b.data = PyArray_DATA(a);
              b.rank = PyArray_NDIM(a);
              for (int k = 0; k < b.rank; ++k) b.dims[k] = PyArray_DIM(a, k);
              buffers.push_back(b);
            }
            std::vector<Value> values = convert_inputs(inputs);
            if (is_short_call(c, values)) {
              c.run_into(std::move(values), buffers);
            } else {
              NativeCall call;
              c.run_into(std::move(values), buffers);
            }
          },
          nb::arg("inputs"), nb::arg("outs"),
          "Runs and copies each output into the matching array of `outs` (see Compiled::run_into).")
      .def(
          "run_profiled",
          [](const Compiled& c, const nb::list& inputs, bool events) -> nb::object {
            std::vector<Value> values = convert_inputs(inputs);
            const exec::Plan& plan = c.plan_for(values);  // the variant that runs (graph size)
            std::vector<Value> outputs;
            RunProfile profile;
            profile.record_events = events;
            {
              NativeCall call;
              outputs = c.run_profiled(std::move(values), profile);
            }
            // Rows in plan order: (step, depth, kind, label, fused ops, elements, calls, seconds).
            std::vector<std::tuple<int, int, std::string, std::string, int>> steps;
            list_steps(plan.steps, 0, steps);
            nb::list rows;
            for (auto& [id, depth, kind, label, fused] : steps) {
              const StepProfile& p = profile.steps[static_cast<std::size_t>(id)];
              rows.append(nb::make_tuple(id, depth, kind, label, fused, p.elements, p.calls, p.seconds));
            }
            if (!events) return nb::make_tuple(convert_outputs(outputs), rows);
            nb::list event_rows;
            for (const exec::StepEvent& e : profile.events) event_rows.append(nb::make_tuple(e.profile_id, e.start, e.seconds));
            return nb::make_tuple(convert_outputs(outputs), rows, event_rows, profile.dropped_events);
          },
          nb::arg("inputs"), nb::arg("events") = false,
          "Like run(); also returns per-step rows (step, depth, kind, label, fused_ops, elements, calls, seconds).\n"
          "events=True adds the list of step executions (step, start seconds, seconds) in start order and the\n"
          "count of executions dropped beyond the recording cap.")
      .def("describe", &Compiled::describe, "The execution plan: one line per step.")
      .def_prop_ro("large_graph_min_nodes", &Compiled::large_graph_min_nodes,
                   "Graphs with more nodes run a variant compiled without loop_rotation (0: none).")
      .def(
          "variant_ir",
          [](const Compiled& c, const nb::list& inputs) {
            const Compiled& v = c.variant_for(convert_inputs(inputs));
            return nb::make_tuple(v.optimized_ir(), v.describe(), v.pass_report());
          },
          nb::arg("inputs"), "(optimized IR, plan, pass report) of the variant these inputs run.")
      .def("optimized_ir", &Compiled::optimized_ir, "The IR after the optimizer's passes.")
      .def("pass_report", &Compiled::pass_report, "Per-pass time and whether each pass changed the IR.")
      .def_prop_ro("num_inputs", &Compiled::num_inputs)
      .def_prop_ro("num_outputs", &Compiled::num_outputs);

  m.def(
      "compile", [](const ir::Program& program) { return compile(program); }, nb::arg("program"),
      "Lower a verified IR program to an executable plan (fused block kernels, graph steps, loops). Results "
      "are bitwise identical for any thread count.");
  m.def("_live_storage_bytes", &exec::live_storage_bytes,
        "Bytes of engine-owned array buffers alive now (tests: outputs are not retained after use).");
  // __call__ is the raw tp_call slot (inherited by Python subclasses): a bound __call__ method
  // would add a slot lookup, nanobind's argument dispatch and an empty kwargs dict per call.
  static PyType_Slot dispatcher_slots[] = {{Py_tp_call, reinterpret_cast<void*>(&JitDispatcher::tp_call)},
                                           {0, nullptr}};
  nb::class_<JitDispatcher>(m, "JitDispatcher",
                            "Native base of ff.jit's JitFunction: calls with a remembered argument layout run "
                            "without entering Python; others go to self._call_slow(*args, **kwargs).",
                            nb::type_slots(dispatcher_slots))
      .def(nb::init<>())
      .def("_remember", &JitDispatcher::remember, nb::arg("args"), nb::arg("compiled"), nb::arg("structure").none(),
           nb::arg("graph_weights") = std::vector<int>(),
           "Run later calls whose arguments have the layout of `args` as `compiled`; False if such calls cannot "
           "take the native path (graphs, NumPy scalars, strided arrays, ...).")
      .def("_set_signature", &JitDispatcher::set_signature, nb::arg("names"), nb::arg("defaults"), nb::arg("missing"),
           nb::arg("plain"), nb::arg("captured"),
           "Parameter names and defaults (`missing`: none) so keyword calls and defaults bind natively (`plain`: every "
           "parameter positional-or-keyword); `captured` cells / (object, attribute) pairs whose values follow the "
           "parameters as inputs. Forgets remembered layouts.")
      .def("_forget", &JitDispatcher::forget, "Drop every remembered layout.")
      .def_static("_register_graph_type", &JitDispatcher::register_graph_type, nb::arg("type"),
                  "The Python graph wrapper class (fuseflow.Graph) whose ._g the native path passes on.")
      .def_prop_ro("_remembered", &JitDispatcher::size, "Number of remembered argument layouts.");
  m.def("exec_simd_target", &exec::block_kernel_target, "SIMD target the fused-kernel interpreter dispatches to.");
}

}  // namespace fuseflow::bindings
