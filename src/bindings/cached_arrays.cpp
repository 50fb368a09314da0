// NumPy arrays on recycled memory (core/block_cache.h): the eager array ops' and the pricing
// layer's large results, and ff.memory_cache_info() / ff.clear_memory_cache().
#include <nanobind/stl/vector.h>

#include <cstdint>
#include <limits>
#include <vector>

#include "bindings.h"
#include "fuseflow/core/block_cache.h"
#include "fuseflow/core/error.h"
#include "numpy_api.h"

namespace fuseflow::bindings {
namespace {

struct CachedBlock {
  void* data;
  std::size_t bytes;
};

void release_cached_block(PyObject* capsule) {
  auto* b = static_cast<CachedBlock*>(PyCapsule_GetPointer(capsule, nullptr));
  release_block(b->data, b->bytes);
  delete b;
}

// `descr` is a new reference, consumed.
nb::object empty_on_block(std::span<const std::size_t> shape, PyArray_Descr* descr, void*& data) {
  if (shape.size() > NPY_MAXDIMS) {
    Py_DECREF(descr);
    throw_value_error("shape", "at most " + std::to_string(NPY_MAXDIMS) + " axes");
  }
  const auto item = static_cast<std::size_t>(PyDataType_ELSIZE(descr));
  std::size_t bytes = item;
  npy_intp dims[NPY_MAXDIMS];
  for (std::size_t k = 0; k < shape.size(); ++k) {
    if (shape[k] > static_cast<std::size_t>(std::numeric_limits<npy_intp>::max()) ||
        (shape[k] != 0 && bytes > std::numeric_limits<std::size_t>::max() / 2 / shape[k])) {
      Py_DECREF(descr);
      throw_value_error("shape", "the array would not fit in memory");
    }
    bytes *= shape[k];
    dims[k] = static_cast<npy_intp>(shape[k]);
  }
  CachedBlock* block = nullptr;
  try {
    block = new CachedBlock{acquire_block(bytes), bytes};
  } catch (...) {
    Py_DECREF(descr);
    throw;
  }
  nb::object capsule = nb::steal(PyCapsule_New(block, nullptr, &release_cached_block));
  if (!capsule.is_valid()) {
    release_block(block->data, block->bytes);
    delete block;
    Py_DECREF(descr);
    throw nb::python_error();
  }
  PyObject* array = PyArray_NewFromDescr(&PyArray_Type, descr, static_cast<int>(shape.size()), dims, nullptr,
                                         block->data, NPY_ARRAY_CARRAY, nullptr);
  if (array == nullptr) throw nb::python_error();  // the capsule returns the block
  nb::object result = nb::steal(array);
  if (PyArray_SetBaseObject(reinterpret_cast<PyArrayObject*>(array), capsule.release().ptr()) != 0) {
    throw nb::python_error();
  }
  data = block->data;
  return result;
}

}  // namespace

nb::object cached_empty(std::span<const std::size_t> shape, int typenum, void*& data) {
  return empty_on_block(shape, PyArray_DescrFromType(typenum), data);
}

void bind_cached_arrays(nb::module_& m) {
  m.def("cached_empty", [](const std::vector<std::size_t>& shape, nb::handle dtype) {
    PyArray_Descr* descr = nullptr;
    if (!PyArray_DescrConverter(dtype.ptr(), &descr)) throw nb::python_error();
    if (PyDataType_REFCHK(descr) || PyDataType_ELSIZE(descr) == 0) {
      Py_DECREF(descr);
      throw_value_error("dtype", "must be a fixed-size dtype without object references");
    }
    void* data = nullptr;
    return empty_on_block(shape, descr, data);
  }, nb::arg("shape"), nb::arg("dtype"),
     "numpy.empty(shape, dtype) on a block of the recycled-memory cache (blocks of 512 KB or more are reused).");
  m.attr("cached_block_min_bytes") = kCachedBlockMinBytes;
  m.def("memory_cache_info", [] {
    const BlockCacheInfo info = block_cache_info();
    nb::dict d;
    d["blocks"] = info.blocks;
    d["bytes"] = info.bytes;
    d["limit_bytes"] = info.limit_bytes;
    d["hits"] = info.hits;
    return d;
  }, "The recycled-memory cache of large results: blocks and bytes held now, the byte limit (0: off), hits so far.");
  m.def("clear_memory_cache", &clear_block_cache,
        "Frees every block the recycled-memory cache holds (arrays in use are not affected).");
}

}  // namespace fuseflow::bindings
