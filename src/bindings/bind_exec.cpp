// Engine bindings: _core.compile(program, deterministic=False) -> _core.Compiled with
// .run(inputs: list) -> list. Arrays cross without copies (borrowed for the duration of the run,
// results handed to NumPy through a capsule); the run itself releases the GIL.
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <memory>
#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"
#include "fuseflow/api/compiled.h"
#include "fuseflow/core/error.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow::bindings {
namespace {

using exec::ElemType;

bool elem_type_of_dtype(const nb::dlpack::dtype& dt, ElemType& out) {
  if (dt == nb::dtype<double>()) out = ElemType::kFloat64;
  else if (dt == nb::dtype<float>()) out = ElemType::kFloat32;
  else if (dt == nb::dtype<std::int64_t>()) out = ElemType::kInt64;
  else if (dt == nb::dtype<std::int32_t>()) out = ElemType::kInt32;
  else if (dt == nb::dtype<bool>()) out = ElemType::kBool;
  else return false;
  return true;
}

std::string input_name(std::size_t index) { return "inputs[" + std::to_string(index) + "]"; }

Value to_value(nb::handle obj, std::size_t index) {
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
    ElemType t;
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
      throw_type_error(input_name(index), ndim == 1 ? "a 1-D array must be C-contiguous (use np.ascontiguousarray)"
                                                    : "arrays must be 1-D, got ndim=" + std::to_string(ndim));
    }
    nb::object item = obj.attr("item")();
    if (PyBool_Check(item.ptr()) || PyFloat_Check(item.ptr()) || PyLong_Check(item.ptr())) {
      Value v = to_value(item, index);
      nb::object dtype_name_obj = obj.attr("dtype").attr("name");  // a Python str: "float32", ...
      const char* dname_c = PyUnicode_Check(dtype_name_obj.ptr()) ? PyUnicode_AsUTF8(dtype_name_obj.ptr()) : nullptr;
      const std::string dname = dname_c ? dname_c : "";
      ElemType t;
      if (dname == "float32") t = ElemType::kFloat32;
      else if (dname == "int32") t = ElemType::kInt32;
      else return v;
      Value typed;
      typed.type = t;
      exec::store_scalar(t, v.as_f64(), v.as_i64(), t == ElemType::kInt32, typed.scalar);
      return typed;
    }
  }
  throw_type_error(input_name(index), std::string("must be a 1-D contiguous NumPy array, a Python/NumPy scalar or a Graph, got ") +
                             Py_TYPE(obj.ptr())->tp_name);
}

template <class T>
nb::object array_to_numpy(const Value& v) {
  auto* owner = new std::shared_ptr<exec::Storage>(v.storage);
  nb::capsule capsule(owner, [](void* p) noexcept { delete static_cast<std::shared_ptr<exec::Storage>*>(p); });
  std::size_t shape[1] = {static_cast<std::size_t>(v.length)};
  return nb::cast(nb::ndarray<nb::numpy, T, nb::ndim<1>>(static_cast<T*>(v.storage->data()), 1, shape, capsule));
}

nb::object from_value(const Value& v) {
  if (v.is_array()) {
    switch (v.type) {
      case ElemType::kBool: return array_to_numpy<bool>(v);
      case ElemType::kInt32: return array_to_numpy<std::int32_t>(v);
      case ElemType::kInt64: return array_to_numpy<std::int64_t>(v);
      case ElemType::kFloat32: return array_to_numpy<float>(v);
      case ElemType::kFloat64: return array_to_numpy<double>(v);
    }
  }
  // Scalars come back as NumPy scalars of the traced dtype (like NumPy reductions).
  // Leaked on purpose: releasing Python objects after interpreter shutdown would crash.
  static PyObject* np_types[5] = {nullptr};
  if (np_types[0] == nullptr) {
    nb::object np = nb::module_::import_("numpy");
    const char* names[5] = {"bool_", "int32", "int64", "float32", "float64"};
    for (int i = 0; i < 5; ++i) {
      nb::object t = np.attr(names[i]);
      np_types[i] = t.release().ptr();
    }
  }
  nb::handle type(np_types[static_cast<int>(v.type)]);
  switch (v.type) {
    case ElemType::kBool: return type(v.scalar.raw[0] != 0);
    case ElemType::kInt32: return type(v.scalar.i32);
    case ElemType::kInt64: return type(v.scalar.i64);
    case ElemType::kFloat32: return type(static_cast<double>(v.scalar.f32));
    case ElemType::kFloat64: return type(v.scalar.f64);
  }
  return nb::none();
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

const char* step_kind_name(exec::Step::Kind k) {
  switch (k) {
    case exec::Step::kKernel: return "kernel";
    case exec::Step::kNeighborAgg: return "neighbor_agg";
    case exec::Step::kEdgeGather: return "edge_gather";
    case exec::Step::kGraphQuery: return "graph";
    case exec::Step::kLoop: return "loop";
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
  nb::class_<Compiled>(m, "Compiled", "A compiled program: run(inputs) executes it natively with the GIL released.")
      .def(
          "run",
          [](const Compiled& c, const nb::list& inputs) { return convert_outputs(run_inputs(c, convert_inputs(inputs))); },
          nb::arg("inputs"))
      .def(
          "run_args",
          [](const Compiled& c, const nb::args& args) {
            std::vector<Value> values;
            values.reserve(args.size());
            for (std::size_t i = 0; i < args.size(); ++i) values.push_back(to_value(args[i], i));
            return convert_outputs(run_inputs(c, std::move(values)));
          },
          "run() with the inputs as positional arguments (the ff.jit hot path: no list to build).")
      .def(
          "run_profiled",
          [](const Compiled& c, const nb::list& inputs, bool events) -> nb::object {
            std::vector<Value> values = convert_inputs(inputs);
            std::vector<Value> outputs;
            RunProfile profile;
            profile.record_events = events;
            {
              NativeCall call;
              outputs = c.run_profiled(std::move(values), profile);
            }
            // Rows in plan order: (step, depth, kind, label, fused ops, elements, calls, seconds).
            std::vector<std::tuple<int, int, std::string, std::string, int>> steps;
            list_steps(c.plan().steps, 0, steps);
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
      .def("optimized_ir", &Compiled::optimized_ir, "The IR after the optimizer's passes.")
      .def("pass_report", &Compiled::pass_report, "Per-pass time and whether each pass changed the IR.")
      .def_prop_ro("num_inputs", &Compiled::num_inputs)
      .def_prop_ro("num_outputs", &Compiled::num_outputs)
      .def_prop_ro("deterministic", [](const Compiled& c) { return c.plan().deterministic; });

  m.def(
      "compile",
      [](const ir::Program& program, bool deterministic) {
        return compile(program, CompileOptions{deterministic});
      },
      nb::arg("program"), nb::arg("deterministic") = false,
      "Lower a verified IR program to an executable plan (fused block kernels, graph steps, loops).");
  m.def("exec_simd_target", &exec::block_kernel_target, "SIMD target the fused-kernel interpreter dispatches to.");
}

}  // namespace fuseflow::bindings
