// Shared by the engine binding files (bind_exec.cpp, jit_dispatcher.cpp, bind_eager_math.cpp):
// conversions between Python objects and engine Values (exec_values.cpp), and the registration of
// the parts bind_exec() registers with it.
#pragma once

#include <cstdint>
#include <vector>

#include "bindings.h"
#include "fuseflow/api/compiled.h"

namespace fuseflow::bindings {

// Fills NumPy's C API table (numpy_api.h); bind_exec() calls it first.
void import_numpy_api();

// The engine's element type of an exact numpy.ndarray the executor can borrow as it is (rank 1-4,
// C-contiguous, aligned, native byte order, supported dtype); false for anything else, which
// takes the general path (to_value) with its errors. `o` must be a live object.
bool plain_numpy_array(PyObject* o, exec::DType& type);
// NumPy's type number for an engine element type.
int typenum_of_elem_type(exec::DType t);
// Element count of a plain array; an N-d array's shape goes on the Value (flat C-order data).
std::int64_t plain_size(PyObject* array);
void set_shape(PyObject* array, Value& v);
// A plain writeable array as a Compiled::run_into buffer; false if `o` is not one.
bool out_buffer(PyObject* o, Compiled::OutBuffer& b);

// One input of a run (`index`: its position, for error messages "inputs[i]"): a plain array
// (borrowed: the caller keeps it alive for the synchronous run), a 1-D array through nanobind, a
// Python/NumPy scalar or a (fuseflow.)Graph. TypeError/ValueError naming inputs[i] otherwise.
Value to_value(nb::handle obj, std::size_t index);
// A NumPy scalar of a supported dtype, exact type (np.float32(1.5), np.float64, np.int32,
// np.int64, np.bool_): its value with that dtype, as to_value gives it; false for anything else.
bool numpy_scalar_value(PyObject* o, Value& v);
std::vector<Value> convert_inputs(const nb::list& inputs);
// An output as NumPy: arrays without a copy (the array keeps the storage alive), scalars as
// NumPy scalars of the traced dtype.
nb::object from_value(const Value& v);
nb::list convert_outputs(const std::vector<Value>& outputs);
// Rebuilds a function's (nested tuple/list) return value from its flat outputs; `structure` is
// what fuseflow.dsl._flatten made: None for a leaf, else (container type, [children]).
nb::object unflatten(nb::handle structure, const std::vector<Value>& outputs, std::size_t& next);

// Runs c, releasing the GIL (and routing Ctrl-C) unless the call is short (is_short_call).
std::vector<Value> run_inputs(const Compiled& c, std::vector<Value> values);
void run_into(const Compiled& c, std::vector<Value> values, const std::vector<Compiled::OutBuffer>& buffers);

// _core.JitDispatcher (jit_dispatcher.cpp) and _core.eager_math (bind_eager_math.cpp).
void bind_jit_dispatcher(nb::module_& m);
void bind_eager_math(nb::module_& m);

}  // namespace fuseflow::bindings
