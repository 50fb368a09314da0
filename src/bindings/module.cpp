// fuseflow._core: the nanobind extension. Each layer binds itself in its own file.
#include <Python.h>

#include <cstring>

#include "bindings.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/block_cache.h"
#include "fuseflow/core/memory_limit.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/finance/implied_vol.h"
#include "fuseflow/jit/region.h"

namespace fuseflow::bindings {

void bind_array_ops(nb::module_& m);  // bind_array_ops.cpp

std::string dtype_name(const nb::dlpack::dtype& dt) {
  const char* kind = "unknown";
  switch (static_cast<nb::dlpack::dtype_code>(dt.code)) {
    case nb::dlpack::dtype_code::Int: kind = "int"; break;
    case nb::dlpack::dtype_code::UInt: kind = "uint"; break;
    case nb::dlpack::dtype_code::Float: kind = "float"; break;
    case nb::dlpack::dtype_code::Bool: return "bool";
    case nb::dlpack::dtype_code::Complex: kind = "complex"; break;
    default: break;
  }
  return std::string(kind) + std::to_string(dt.bits);
}

std::span<const std::uint8_t> mask_bytes(const std::optional<AnyArray1D>& mask, const char* name) {
  if (!mask) return {};
  if (!has_dtype<bool>(*mask)) throw_type_error(name, "must be a bool array, got " + dtype_name(mask->dtype()));
  return {static_cast<const std::uint8_t*>(mask->data()), mask->shape(0)};
}

GraphMask view_mask(const std::optional<AnyArray1D>& nodes, const std::optional<AnyArray1D>& edges,
                    const std::optional<AnyArray1D>& edges_out, const std::optional<AnyArray1D>& edges_in) {
  return {mask_bytes(nodes, "node_mask"), mask_bytes(edges, "edge_mask"), mask_bytes(edges_out, "edge_mask"),
          mask_bytes(edges_in, "edge_mask")};
}

bool python_interrupt_hook() {
  nb::gil_scoped_acquire gil;
  if (PyErr_CheckSignals() != 0) {
    PyErr_Clear();  // re-raised as KeyboardInterrupt by the exception translator
    return true;
  }
  return false;
}

void set_python_error(const Error& e) {
  PyObject* type = PyExc_RuntimeError;
  switch (e.code()) {
    case ErrorCode::kInvalidValue: type = PyExc_ValueError; break;
    case ErrorCode::kInvalidType: type = PyExc_TypeError; break;
    case ErrorCode::kOutOfRange: type = PyExc_IndexError; break;
    case ErrorCode::kOutOfMemory: type = PyExc_MemoryError; break;
    case ErrorCode::kOverflow: type = PyExc_OverflowError; break;
    case ErrorCode::kInterrupted: type = PyExc_KeyboardInterrupt; break;
    case ErrorCode::kNotImplemented: type = PyExc_NotImplementedError; break;
    case ErrorCode::kInternal: type = PyExc_RuntimeError; break;
  }
  // Messages quote user data (file names, bad lines) that need not be UTF-8: decode with
  // backslashreplace so they show as \xNN instead of turning into a UnicodeDecodeError.
  const char* what = e.what();
  PyObject* message = PyUnicode_DecodeUTF8(what, static_cast<Py_ssize_t>(std::strlen(what)), "backslashreplace");
  if (message == nullptr) {
    PyErr_Clear();
    PyErr_SetString(type, "(error message could not be decoded)");
    return;
  }
  PyErr_SetObject(type, message);
  Py_DECREF(message);
}

void set_python_error_from_current_exception() {
  try {
    throw;
  } catch (nb::python_error& e) {
    e.restore();
  } catch (const Error& e) {
    set_python_error(e);
  } catch (const std::bad_alloc&) {
    PyErr_NoMemory();
  } catch (const std::exception& e) {
    PyErr_SetString(PyExc_RuntimeError, e.what());
  }
}

void bind_core(nb::module_& m) {
  nb::register_exception_translator([](const std::exception_ptr& p, void*) {
    try {
      std::rethrow_exception(p);
    } catch (const Error& e) {
      set_python_error(e);
    }
  });
  m.def(
      "set_num_threads",
      [](std::int64_t n) {
        set_num_threads(n);
        if (n > 1 && in_forked_child()) {
          // Stored, but not used here: say so instead of running on one thread silently.
          if (PyErr_WarnEx(PyExc_RuntimeWarning,
                           "fuseflow runs on one thread in a forked process (GNU OpenMP's threads do not "
                           "survive fork; a team would wait for them forever); start worker processes with "
                           "multiprocessing's 'spawn' or 'forkserver' method to use threads in them",
                           1) != 0) {
            throw nb::python_error();
          }
        }
      },
      nb::arg("n"),
      "Threads for every parallel region; 0 restores the default (FUSEFLOW_NUM_THREADS, else OMP_NUM_THREADS, else all cores); n < 0 or n > 4 x cores is a ValueError. In a process forked from one that had imported fuseflow (multiprocessing's 'fork' start method) every region runs on one thread: n > 1 is stored with a RuntimeWarning.");
  m.def("get_num_threads", &num_threads,
        "Threads a parallel region uses now (1 in a forked process, see set_num_threads).");
  // "static" when Highway is linked into this module (wheels), "shared" when libhwy is loaded.
  m.attr("highway_linkage") = FUSEFLOW_HWY_LINKAGE;
}

// Process-wide state that is otherwise made on first use, made now, while only the importing
// thread runs fuseflow: a fork() while another thread was making one (a function-local static's
// initialisation guard is a lock) left the child blocked on it forever. ~1 ms of import time.
void make_process_state() {
  (void)memory_cap();
  (void)block_cache_info();  // the cache and its fork handlers
  (void)num_threads();
  (void)jit::prejit_keys();
  finance::prepare_implied_vol_tables();
}

}  // namespace fuseflow::bindings

NB_MODULE(_core, m) {
  using namespace fuseflow::bindings;
  make_process_state();
  bind_core(m);
  bind_graph(m);
  bind_algorithms(m);
  bind_index(m);
  bind_ir(m);
  bind_kernels(m);
  bind_exec(m);
  bind_finance(m);
  bind_array_ops(m);
  bind_cached_arrays(m);
  bind_jit(m);
}
