// The compiled tier's cache and tables for Python (fuseflow.jit_cache): convert and forward.
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <string>

#include "bindings.h"
#include "fuseflow/api/compiled.h"
#include "fuseflow/core/error.h"
#include "fuseflow/jit/hook.h"
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
  m.def("_jit_native_enabled", &jit::native_enabled, "Whether the mode is native (FUSEFLOW_JIT=on/native).");
  m.def("_jit_mode", [] { return std::string(jit::mode_name(jit::mode())); }, "The compiled tier's mode.");
  m.def(
      "_jit_set_mode",
      [](const std::string& mode) {
        const std::optional<jit::Mode> m = jit::parse_mode(mode);
        if (!m) throw_value_error("mode", "must be one of 'off', 'prejit', 'native' (or 'on'), got '" + mode + "'");
        jit::set_mode(*m);
      },
      nb::arg("mode"), "Sets the compiled tier's mode for every function, compiled or not.");
  m.def(
      "_jit_explain",
      [](const Compiled& compiled) {
        nb::list rows;
        for (const jit::KernelExplanation& e : jit::explain_plan(compiled.plan())) {
          rows.append(nb::make_tuple(e.label, e.where, e.tier, e.detail));
        }
        return rows;
      },
      nb::arg("compiled"), "(label, where, tier, detail) of every block kernel of the plan, in step order.");
  m.def("_jit_version", &jit::fuseflow_version, "The version the native cache is keyed by.");
}

}  // namespace fuseflow::bindings
