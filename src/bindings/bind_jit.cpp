// The compiled tier's cache and tables for Python (fuseflow.jit_cache): convert and forward.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <string>

#include "bindings.h"
#include "fuseflow/jit/native.h"
#include "fuseflow/jit/region.h"

namespace fuseflow::bindings {

void bind_jit(nb::module_& m) {
  m.def(
      "_jit_cache_info",
      [](const std::string& root) {
        jit::CacheInfo info = jit::cache_info(root);
        nb::dict d;
        d["directory"] = info.directory;
        d["kernels"] = info.kernels;
        d["bytes"] = info.bytes;
        return d;
      },
      nb::arg("root") = "", "Summary of the native kernel cache under root ('' = $XDG_CACHE_HOME or ~/.cache).");
  m.def(
      "_jit_cache_clear", [](const std::string& root) { return jit::clear_cache(root); }, nb::arg("root") = "",
      "Removes the native kernel cache's files under root/fuseflow; returns how many.");
  m.def("_jit_cache_directory", &jit::default_cache_directory,
        "Folder the native tier caches kernels in for this version and CPU ('' if no home folder).");
  m.def("_jit_prejit_keys", &jit::prejit_keys, "Structural keys of the build-time (prejit) region kernels.");
  m.def("_jit_prejit_target", &jit::prejit_target, "SIMD target the prejit kernels run on.");
  m.def("_jit_native_enabled", &jit::native_enabled, "Whether FUSEFLOW_JIT=on.");
  m.def("_jit_version", &jit::fuseflow_version, "The version the native cache is keyed by.");
}

}  // namespace fuseflow::bindings
