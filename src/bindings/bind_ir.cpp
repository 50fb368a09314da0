// IR bindings for the tracer: a Builder whose values are plain ints (ValueIds), Program
// (print / to_dot / signature), and parse_ir. Rules live in the C++ Builder; this converts names.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <tuple>

#include "bindings.h"
#include "fuseflow/core/error.h"
#include "fuseflow/ir/axis_reduce.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/text.h"

namespace fuseflow::bindings {

namespace {

using ir::Builder;
using ir::OpCode;
using ir::Program;
using ir::ValueId;

DType dtype_arg(const std::string& name) {
  auto d = parse_dtype(name);
  if (!d) throw_type_error("dtype", "must be one of bool, int32, int64, float32, float64; got '" + name + "'");
  return *d;
}

OpCode opcode_arg(const std::string& name, ir::OpClass wanted, const char* what) {
  auto code = ir::parse_opcode(name);
  if (!code || ir::op_info(*code).op_class != wanted || *code == OpCode::kCast || *code == OpCode::kDot ||
      *code == OpCode::kNorm) {
    throw_value_error("op", std::string("'") + name + "' is not a " + what);
  }
  return *code;
}

// (kind, numpy dtype name, length symbol name, weak) for the tracer.
std::tuple<std::string, std::string, std::string, bool> describe_type(const Program& p, const ir::Type& t) {
  const char* kind = t.is_graph() ? "graph" : t.is_array() ? "array" : "scalar";
  std::string dtype = t.is_graph() ? "" : dtype_numpy_name(t.dtype);
  std::string length = t.is_array() ? p.symbol_name(t.length) : "";
  return {kind, dtype, length, t.weak};
}

// The exact layout of a jit call's arguments as bytes (a cache key for the tracer's fast path):
// per argument, NumPy arrays give element format, item size, shape and strides (read through the
// buffer protocol: no Python objects are created); Python floats/ints/bools give their type.
// Anything else (graphs, NumPy scalars, ndarray subclasses) returns None: the caller then
// classifies the arguments in Python. Equal bytes always mean an equal call signature.
nb::object arg_layout(nb::args args) {
  static PyTypeObject* ndarray_type = nullptr;
  if (ndarray_type == nullptr) {
    nb::object numpy = nb::module_::import_("numpy");
    nb::object type = numpy.attr("ndarray");
    ndarray_type = reinterpret_cast<PyTypeObject*>(type.release().ptr());  // lives forever
  }
  std::string key;
  key.reserve(32 * args.size());
  for (nb::handle arg : args) {
    PyObject* o = arg.ptr();
    PyTypeObject* t = Py_TYPE(o);
    if (t == &PyFloat_Type) {
      key += 'f';
    } else if (t == &PyBool_Type) {
      key += 'b';
    } else if (t == &PyLong_Type) {
      key += 'i';
    } else if (t == ndarray_type) {
      Py_buffer view;
      if (PyObject_GetBuffer(o, &view, PyBUF_RECORDS_RO) != 0) {
        PyErr_Clear();  // e.g. an object dtype: let the Python path raise the named error
        return nb::none();
      }
      key += 'a';
      key += view.format ? view.format : "B";
      key += '|';
      std::int64_t dims[4] = {view.itemsize, view.ndim, view.ndim > 0 ? view.shape[0] : 0, view.ndim > 0 ? view.strides[0] : 0};
      key.append(reinterpret_cast<const char*>(dims), sizeof dims);
      bool simple = view.ndim == 1;
      PyBuffer_Release(&view);
      if (!simple) return nb::none();
    } else {
      return nb::none();
    }
  }
  return nb::steal(PyBytes_FromStringAndSize(key.data(), static_cast<Py_ssize_t>(key.size())));
}

// The op table (ir/ops.def) as Python data: one (name, class, flags) per opcode, in opcode order.
// The DSL's name lists are checked against it (tests/python/test_op_table.py).
nb::list op_table() {
  static const char* const kClass[] = {"creation", "unary", "binary", "ternary", "reduction", "graph", "control", "axis"};
  nb::list rows;
  for (int c = 0; c < ir::kNumOpCodes; ++c) {
    const ir::OpInfo& info = ir::op_info(static_cast<OpCode>(c));
    nb::list flags;
    if (info.has(ir::kCommutative)) flags.append("commutative");
    if (info.has(ir::kCheapPerEdge)) flags.append("cheap_per_edge");
    if (info.has(ir::kFoldable)) flags.append("foldable");
    if (info.has(ir::kFoldableInt)) flags.append("foldable_int");
    if (info.has(ir::kFloatValued)) flags.append("float_valued");
    rows.append(nb::make_tuple(info.name, kClass[static_cast<int>(info.op_class)], flags));
  }
  return rows;
}

}  // namespace

void bind_ir(nb::module_& m) {
  m.def("op_table", &op_table, "The IR op table: (name, class, flags) per opcode, in opcode order.");
  m.def("arg_layout", &arg_layout, "Exact layout of jit call arguments as bytes, or None (tracer fast path).");
  nb::class_<Program>(m, "Program", "A verified IR program (typed SSA with loop regions).")
      .def("print", [](const Program& p, bool locations) { return ir::print(p, ir::PrintOptions{locations}); },
           nb::arg("locations") = false)
      .def("__str__", [](const Program& p) { return ir::print(p); })
      .def("to_dot", [](const Program& p) { return ir::to_dot(p); })
      .def("verify", [](const Program& p) { ir::verify(p); })
      .def_prop_ro("name", [](const Program& p) { return p.name; })
      .def_prop_ro("num_inputs", [](const Program& p) { return p.inputs().size(); })
      .def_prop_ro("num_outputs", [](const Program& p) { return p.outputs().size(); })
      .def("input_types", [](const Program& p) {
        std::vector<std::tuple<std::string, std::string, std::string, bool>> out;
        for (ValueId v : p.inputs()) out.push_back(describe_type(p, p.type(v)));
        return out;
      })
      .def("output_types", [](const Program& p) {
        std::vector<std::tuple<std::string, std::string, std::string, bool>> out;
        for (ValueId v : p.outputs()) out.push_back(describe_type(p, p.type(v)));
        return out;
      });

  m.def("parse_ir", [](const std::string& text) { return ir::parse(text); }, nb::arg("text"),
        "Parse IR text; malformed text raises ValueError with line and column.");

  nb::class_<Builder>(m, "IRBuilder", "Builds a Program op by op; values are ints.")
      .def(nb::init<std::string>(), nb::arg("name") = "main")
      .def("add_graph_input", &Builder::add_graph_input)
      .def("add_array_input", [](Builder& b, const std::string& dtype, ir::SymbolId s) { return b.add_array_input(dtype_arg(dtype), s); })
      .def("add_shaped_input", [](Builder& b, const std::string& dtype, const std::vector<ir::SymbolId>& dims) {
        return b.add_shaped_input(dtype_arg(dtype), dims);
      })
      .def("add_scalar_input", [](Builder& b, const std::string& dtype, bool weak) { return b.add_scalar_input(dtype_arg(dtype), weak); })
      .def("new_input_symbol", &Builder::new_input_symbol)
      .def("one_symbol", &Builder::one_symbol)
      .def("nodes_symbol", &Builder::nodes_symbol)
      .def("edges_symbol", &Builder::edges_symbol)
      .def("set_location", [](Builder& b, const std::string& file, int line) { b.set_location({file, line}); })
      .def("constant_float", [](Builder& b, double v, const std::string& dtype, bool weak) { return b.constant_float(v, dtype_arg(dtype), weak); })
      .def("constant_int", [](Builder& b, std::int64_t v, const std::string& dtype, bool weak) { return b.constant_int(v, dtype_arg(dtype), weak); })
      .def("constant_bool", &Builder::constant_bool)
      .def("unary", [](Builder& b, const std::string& op, ValueId x) { return b.unary(opcode_arg(op, ir::OpClass::kUnary, "unary op"), x); })
      .def("binary", [](Builder& b, const std::string& op, ValueId x, ValueId y) {
        return b.binary(opcode_arg(op, ir::OpClass::kBinary, "binary op"), x, y);
      })
      .def("cast", [](Builder& b, ValueId x, const std::string& dtype) { return b.cast(x, dtype_arg(dtype)); })
      .def("where", &Builder::where)
      .def("clip", &Builder::clip)
      .def("reduce", [](Builder& b, const std::string& op, ValueId x) { return b.reduce(opcode_arg(op, ir::OpClass::kReduction, "reduction"), x); })
      .def("dot", &Builder::dot)
      .def("norm", [](Builder& b, ValueId x, const std::string& kind) {
        auto k = ir::parse_norm_kind(kind);
        if (!k) throw_value_error("norm", "must be \"l1\", \"l2\" or \"inf\", got \"" + kind + "\"");
        return b.norm(x, *k);
      })
      .def("axis_op", [](Builder& b, const std::string& op, ValueId x, int axis) { return b.axis_op(opcode_arg(op, ir::OpClass::kAxis, "array op"), x, axis); })
      .def("transpose", &Builder::transpose)
      .def("array_stat", [](Builder& b, const std::string& op, const std::vector<ValueId>& operands, int axis, int flags) { return b.array_stat(opcode_arg(op, ir::OpClass::kAxis, "array op"), operands, axis, flags); })
      .def("take", &Builder::take)
      .def("dim", &Builder::dim)
      .def("slice", &Builder::slice)
      .def("visible", &Builder::visible)
      .def("reshape", &Builder::reshape)
      .def("join", [](Builder& b, const std::string& op, ValueId count, const std::vector<ValueId>& xs, int axis) {
        return b.join(op == "stack" ? ir::OpCode::kStack : ir::OpCode::kConcatenate, count, xs, axis);
      })
      .def("reduce_axes", [](Builder& b, ValueId x, const std::string& kind, const std::vector<int>& axes, bool keepdims, double ddof) {
        // Axes arrive normalised (0 <= axis < rank, distinct) from python/fuseflow/reductions.py.
        ir::AxisReduce r;
        auto k = ir::parse_axis_reduce_kind(kind);
        if (!k) throw_value_error("kind", "unknown axis reduction \"" + kind + "\"");
        r.kind = *k;
        for (int a : axes) {
          if (a < 0 || a >= ir::kMaxRank) throw_value_error("axis", "must be an axis of the array, got " + std::to_string(a));
          r.axes = static_cast<std::uint8_t>(r.axes | (1u << a));
        }
        r.keepdims = keepdims;
        r.ddof = ddof;
        return b.reduce_axes(x, r);
      }, nb::arg("x"), nb::arg("kind"), nb::arg("axes"), nb::arg("keepdims"), nb::arg("ddof") = 0.0)
      .def("full", &Builder::full)
      .def("arange", &Builder::arange)
      .def("length", &Builder::length)
      .def("num_nodes", &Builder::num_nodes)
      .def("num_edges", &Builder::num_edges)
      .def("out_degree", &Builder::out_degree)
      .def("in_degree", &Builder::in_degree)
      .def("edge_src", &Builder::edge_src)
      .def("edge_dst", &Builder::edge_dst)
      .def("neighbor_agg", [](Builder& b, ValueId g, ValueId x, const std::string& op, const std::string& direction,
                              std::optional<ValueId> weights, const std::string& combine, std::optional<ValueId> active) {
        auto agg = ir::parse_agg_op(op);
        if (!agg) throw_value_error("op", "must be one of \"sum\", \"mean\", \"min\", \"max\", \"count\", \"mode\"; got \"" + op + "\"");
        auto dir = ir::parse_direction(direction);
        if (!dir) throw_value_error("direction", "must be \"in\", \"out\" or \"both\"; got \"" + direction + "\"");
        ir::Combine c = ir::Combine::kNone;
        if (!combine.empty()) {
          auto parsed = ir::parse_combine(combine);
          if (!parsed) throw_value_error("combine", "must be \"mul\", \"add\", \"first\" or \"second\"; got \"" + combine + "\"");
          c = *parsed;
        }
        return b.neighbor_agg(g, x, *agg, *dir, weights, c, active);
      }, nb::arg("g"), nb::arg("x"), nb::arg("op"), nb::arg("direction"), nb::arg("weights").none(), nb::arg("combine") = "",
         nb::arg("active").none() = nb::none())
      .def("begin_loop", &Builder::begin_loop)
      .def("end_loop", &Builder::end_loop)
      .def("begin_while", &Builder::begin_while)
      .def("begin_while_body", &Builder::begin_while_body)
      .def("end_while", &Builder::end_while)
      .def_prop_ro("region_depth", &Builder::region_depth)
      .def("type_of", [](const Builder& b, ValueId v) { return describe_type(b.program(), b.type(v)); })
      // The axis symbols' names of an array ("n0", "1", "N", ...); () for a scalar.
      .def("shape_of", [](const Builder& b, ValueId v) {
        const ir::Type& t = b.type(v);
        std::vector<std::string> dims;
        if (t.is_array()) {
          for (int k = 0; k < t.rank; ++k) dims.push_back(b.program().symbol_name(t.dims[static_cast<std::size_t>(k)]));
        }
        return dims;
      })
      .def("symbol_of", [](const Builder& b, ValueId v) { return b.type(v).length; })
      .def("set_outputs", &Builder::set_outputs)
      .def("finish", &Builder::finish);
}

}  // namespace fuseflow::bindings
