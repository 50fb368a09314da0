// _core.JitDispatcher, the native base of ff.jit's JitFunction: its __call__ binds the arguments
// (keywords, defaults, captured values) and runs a call whose argument layout it has seen before
// without entering Python; every other call goes to the Python method _call_slow.
#include <nanobind/stl/vector.h>

#include <cstring>
#include <memory>
#include <new>
#include <span>
#include <string>
#include <type_traits>
#include <vector>

#include "exec_bindings.h"
#include "fuseflow/api/call_policy.h"
#include "fuseflow/core/error.h"
#include "fuseflow/graph/graph.h"
#include "numpy_api.h"

namespace fuseflow::bindings {
namespace {

using exec::DType;

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
  // weighted graph, so the two trace to different programs (see _jit_args.py _classify).
  static constexpr std::size_t kMaxKeyArgs = 32;
  struct Key {
    unsigned char bytes[kMaxKeyArgs * (3 + 4 * sizeof(std::int64_t))];
    std::size_t size = 0;
    std::size_t graphs = 0;
  };

  // The native Graph of a fuseflow.Graph (the Python wrapper class registered by
  // _jit_function.py), or null.
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

  // False when an argument cannot take the native path (strided array, 0-d array, ...).
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
      } else if (DType type; plain_numpy_array(o, type)) {
        auto* a = reinterpret_cast<PyArrayObject*>(o);
        *out++ = 'a';
        *out++ = static_cast<unsigned char>(type);
        // Rank and every axis (one 8-byte axis for 1-D, as before).
        const int ndim = PyArray_NDIM(a);
        if (ndim > 1) *out++ = static_cast<unsigned char>('0' + ndim);
        for (int k = 0; k < ndim; ++k) append_int64(out, PyArray_DIM(a, k));
      } else if (Value scalar; numpy_scalar_value(o, scalar)) {
        // A NumPy scalar traces as a scalar of its dtype (not weak like a Python float).
        *out++ = 's';
        *out++ = static_cast<unsigned char>(scalar.type);
      } else if (const Graph* g = graph_of(o)) {
        *out++ = g->has_weights() ? 'w' : 'g';
        append_int64(out, g->num_nodes());
        append_int64(out, g->num_edges());
        ++key.graphs;
      } else {
        return false;
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
    } catch (const std::exception&) {
      set_python_error_from_current_exception();
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
      if (!out_buffer(o, b)) return false;
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

  // A small call of a one-kernel program (exec/direct_call.h): the kernel writes into a fresh
  // NumPy array, or into the caller's `out` (non-null) when it is a plain writeable array of the
  // result's dtype and shape that overlaps no input (an overlapping one needs run_into's copy
  // after the run) and the kernel cannot fail halfway (run_into leaves `out` untouched then).
  // Returns the result (a new reference), or null when the call does not take this path (nothing
  // written, no error set); throws what the kernel raises.
  static PyObject* run_direct(const exec::DirectCall& d, PyObject* const* argv, std::size_t nargs, PyObject* out) {
    // Constructed per argument: default-initialising all 32 (2.3 KB of stores) was ~4% of a
    // one-element add.
    union Inputs {
      Inputs() {}
      exec::DirectInput at[kMaxKeyArgs];
    } storage;
    static_assert(std::is_trivially_destructible_v<exec::DirectInput>);
    exec::DirectInput* inputs = storage.at;
    for (std::size_t i = 0; i < nargs; ++i) {
      PyObject* o = argv[i];
      exec::DirectInput& in = *new (&inputs[i]) exec::DirectInput;
      PyTypeObject* t = Py_TYPE(o);
      Value scalar;
      if (plain_numpy_array(o, in.type)) {
        auto* a = reinterpret_cast<PyArrayObject*>(o);
        in.is_array = true;
        in.data = PyArray_DATA(a);
        in.rank = PyArray_NDIM(a);
        for (int k = 0; k < in.rank; ++k) in.dims[k] = PyArray_DIM(a, k);
      } else if (t == &PyFloat_Type || t == &PyBool_Type || t == &PyLong_Type) {
        // The general path's conversion; layout_key has already refused ints beyond int64.
        in = exec::DirectInput::of_scalar(to_value(o, i));
      } else if (numpy_scalar_value(o, scalar)) {
        in = exec::DirectInput::of_scalar(scalar);
      } else {
        return nullptr;
      }
    }
    int rank = 0;
    std::int64_t dims[4];
    std::int64_t n = 0;
    if (!d.shape(inputs, nargs, rank, dims, n)) return nullptr;
    if (out != nullptr) {
      if (d.may_raise()) return nullptr;
      Compiled::OutBuffer b;
      if (!out_buffer(out, b) || b.type != d.output_type() || b.rank != rank) return nullptr;
      for (int k = 0; k < rank; ++k) {
        if (b.dims[k] != dims[k]) return nullptr;
      }
      for (std::size_t i = 0; i < nargs; ++i) {
        if (inputs[i].is_array && exec::bytes_overlap(b.data, b.bytes(), inputs[i].data, inputs[i].bytes())) return nullptr;
      }
      if (!d.run(inputs, b.data, n)) return nullptr;
      return nb::borrow(out).release().ptr();
    }
    npy_intp shape[4];
    for (int k = 0; k < rank; ++k) shape[k] = static_cast<npy_intp>(dims[k]);
    PyObject* result = PyArray_SimpleNew(rank, shape, typenum_of_elem_type(d.output_type()));
    if (result == nullptr) throw nb::python_error();
    nb::object owned = nb::steal(result);
    if (!d.run(inputs, PyArray_DATA(reinterpret_cast<PyArrayObject*>(result)), n)) return nullptr;
    return owned.release().ptr();
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
        if (e.direct != nullptr && key.graphs == 0 && structure.is_none()) {
          if (PyObject* r = run_direct(*e.direct, argv, nargs, out)) return nb::steal(r);
        }
        // Plain arrays are viewed through Storage objects on this frame, which outlives the run:
        // two allocations and frees fewer per array argument. Raw storage, constructed on use:
        // an array of optionals cost more (zeroing and destroying 32 of them) than it saved.
        ViewStorage views;
        std::vector<Value> values;
        values.reserve(nargs + graph_weights.size());
        // Graph inputs come first in a traced program (see _jit_trace.py), the rest in argument order.
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
            const std::int64_t n = plain_size(arg);
            exec::Storage& view = views.add(PyArray_DATA(reinterpret_cast<PyArrayObject*>(arg)),
                                            static_cast<std::size_t>(n) * exec::elem_size(type));
            values.push_back(Value::borrowed_view(type, view, n));
            set_shape(arg, values.back());
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
          // f(..., out=buf) natively: the same rules as _jit_out.py; anything its checks would
          // reject (wrong container, non-plain array) goes there (JitFunction._call_into) for the message.
          std::vector<Compiled::OutBuffer> buffers;
          if (!out_buffers(out, structure, buffers)) break;
          run_into(compiled, std::move(values), buffers);
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
  // hidden inputs (the _Traced entry's graph_weights in _jit_entry.py).
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
        e.direct = e.compiled_ptr->direct_call();
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
                        ptr->direct_call(), std::move(structure), std::move(graph_weights)});
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
    const exec::DirectCall* direct;  // compiled_ptr's, or null
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

}  // namespace

void bind_jit_dispatcher(nb::module_& m) {
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
}

}  // namespace fuseflow::bindings
