// Shared helpers of the binding layer: array hand-over to NumPy and the GIL/interrupt guard.
// The binding converts and forwards; all rules live in the C++ layers below it.
#pragma once

#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>

#include <cstdint>
#include <optional>
#include <span>
#include <string>
#include <utility>

#include "fuseflow/core/buffer.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/graph/graph_mask.h"

namespace fuseflow::bindings {

namespace nb = nanobind;

template <class T>
using NumpyArray = nb::ndarray<nb::numpy, T, nb::ndim<1>>;

// Any 1-D C-contiguous CPU array, read-only; the dtype is checked by the callee.
using AnyArray1D = nb::ndarray<nb::ro, nb::ndim<1>, nb::c_contig, nb::device::cpu>;

// Hands ownership of a Buffer to NumPy through a capsule: no copy.
template <class T>
NumpyArray<T> to_numpy(Buffer<T>&& buffer) {
  auto* owned = new Buffer<T>(std::move(buffer));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<Buffer<T>*>(p); });
  std::size_t shape[1] = {owned->size()};
  return NumpyArray<T>(owned->data(), 1, shape, owner);
}

// A read-only NumPy view of memory kept alive by `owner` (e.g. the Python Graph object).
template <class T>
nb::ndarray<nb::numpy, const T, nb::ndim<1>> view_numpy(std::span<const T> data, nb::handle owner) {
  std::size_t shape[1] = {data.size()};
  return nb::ndarray<nb::numpy, const T, nb::ndim<1>>(data.data(), 1, shape, owner);
}

template <class T>
bool has_dtype(const AnyArray1D& a) {
  return a.dtype() == nb::dtype<T>();
}

template <class T>
std::span<const T> as_span(const AnyArray1D& a) {
  return {static_cast<const T*>(a.data()), a.shape(0)};
}

std::string dtype_name(const nb::dlpack::dtype& dt);

// A bool mask's bytes (empty when absent): TypeError naming `name` for another dtype.
std::span<const std::uint8_t> mask_bytes(const std::optional<AnyArray1D>& mask, const char* name);
// A subgraph view's masks (graph_mask.h): by node, by user edge, and optionally that edge mask
// laid out by CSR and by CSC position.
GraphMask view_mask(const std::optional<AnyArray1D>& nodes, const std::optional<AnyArray1D>& edges,
                    const std::optional<AnyArray1D>& edges_out = std::nullopt,
                    const std::optional<AnyArray1D>& edges_in = std::nullopt);

// Sets the Python exception an Error maps to (ValueError, TypeError, ...): what the registered
// translator does, for code that raises without going through a nanobind function.
void set_python_error(const Error& e);
// The same for the std::exception being handled (call inside its catch block), for raw CPython
// slots that nanobind's translation does not cover: nb::python_error restored, Error mapped as
// above, std::bad_alloc as MemoryError, any other as RuntimeError.
void set_python_error_from_current_exception();

// Asks the interpreter whether Ctrl-C was pressed; runs with the GIL re-acquired briefly.
bool python_interrupt_hook();

// Releases the GIL and routes check_interrupt() to Python's signal handling for one call.
class NativeCall {
 public:
  NativeCall() : interrupts_(&python_interrupt_hook) {}

 private:
  nb::gil_scoped_release release_;
  InterruptScope interrupts_;
};

// A C-contiguous NumPy array of `shape` and NumPy type number `typenum` on a block of the block
// cache (core/block_cache.h), given back when NumPy frees the array; `data` receives its memory.
// Contents unspecified (cached_arrays.cpp).
nb::object cached_empty(std::span<const std::size_t> shape, int typenum, void*& data);

void bind_core(nb::module_& m);
void bind_cached_arrays(nb::module_& m);
void bind_graph(nb::module_& m);
void bind_algorithms(nb::module_& m);
void bind_index(nb::module_& m);
void bind_ir(nb::module_& m);
void bind_kernels(nb::module_& m);
void bind_exec(nb::module_& m);
void bind_finance(nb::module_& m);
void bind_jit(nb::module_& m);

}  // namespace fuseflow::bindings
