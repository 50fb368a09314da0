// NumPy's C API for the engine bindings that read and create ndarrays directly (exec_values.cpp,
// jit_dispatcher.cpp, bind_exec.cpp, bind_eager_math.cpp): nanobind's generic ndarray exchange
// (DLPack import, numpy.asarray export) cost ~0.6 us of a ~1.9 us small call. One API table
// shared by these files, defined in exec_values.cpp and filled by import_numpy_api() when the
// module loads (bind_exec). Include after nanobind (which includes Python.h).
#pragma once

#define NPY_NO_DEPRECATED_API NPY_1_7_API_VERSION
#define PY_ARRAY_UNIQUE_SYMBOL fuseflow_bindings_numpy_api
#ifndef FUSEFLOW_DEFINE_NUMPY_API
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>
#include <numpy/arrayscalars.h>
