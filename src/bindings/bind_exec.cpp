// Engine bindings: _core.compile(program) -> _core.Compiled with .run(inputs: list) -> list (and
// run_into, run_profiled, variant_ir, ...), plus the parts registered from their own files:
// _core.JitDispatcher (jit_dispatcher.cpp, the native base of ff.jit's JitFunction) and
// _core.eager_math (bind_eager_math.cpp). Conversion between Python objects and Values is
// exec_values.cpp; long runs release the GIL (run_inputs / run_into there).
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>
#include <nanobind/stl/vector.h>

#include <string>
#include <vector>

#include "exec_bindings.h"
#include "fuseflow/api/compiled.h"
#include "fuseflow/exec/plan_steps.h"

namespace fuseflow::bindings {

void bind_exec(nb::module_& m) {
  import_numpy_api();
  bind_eager_math(m);
  nb::class_<Compiled>(m, "Compiled", "A compiled program: run(inputs) executes it natively with the GIL released.")
      .def(
          "run",
          [](const Compiled& c, const nb::list& inputs) { return convert_outputs(run_inputs(c, convert_inputs(inputs))); },
          nb::arg("inputs"))
      .def(
          "run_into",
          [](const Compiled& c, const nb::list& inputs, const nb::list& outs) {
            // jit.py has checked each out array (ndarray, C-contiguous, aligned, writeable); here
            // only the conversion, with the same rule as a last guard.
            std::vector<Compiled::OutBuffer> buffers;
            for (std::size_t i = 0; i < outs.size(); ++i) {
              Compiled::OutBuffer b;
              if (!out_buffer(outs[i].ptr(), b)) {
                throw nb::type_error(("out[" + std::to_string(i) + "]: must be a writeable, C-contiguous, aligned "
                                      "numpy.ndarray of rank 1-4 and a supported dtype").c_str());
              }
              buffers.push_back(b);
            }
            run_into(c, convert_inputs(inputs), buffers);
          },
          nb::arg("inputs"), nb::arg("outs"),
          "Runs and copies each output into the matching array of `outs` (see Compiled::run_into).")
      .def(
          "run_profiled",
          [](const Compiled& c, const nb::list& inputs, bool events) -> nb::object {
            std::vector<Value> values = convert_inputs(inputs);
            const exec::Plan& plan = c.plan_for(values);  // the variant that runs (graph size)
            std::vector<Value> outputs;
            RunProfile profile;
            profile.record_events = events;
            {
              NativeCall call;
              outputs = c.run_profiled(std::move(values), profile);
            }
            // Rows in plan order: (step, depth, kind, label, fused ops, elements, calls, seconds).
            nb::list rows;
            for (const exec::PlanStepRow& s : exec::plan_step_rows(plan.steps)) {
              const StepProfile& p = profile.steps[static_cast<std::size_t>(s.profile_id)];
              rows.append(nb::make_tuple(s.profile_id, s.depth, s.kind, s.label, s.fused_ops, p.elements, p.calls,
                                         p.seconds));
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
      .def_prop_ro("large_graph_min_nodes", &Compiled::large_graph_min_nodes,
                   "Graphs with more nodes run a variant compiled without loop_rotation (0: none).")
      .def(
          "variant_ir",
          [](const Compiled& c, const nb::list& inputs) {
            const Compiled& v = c.variant_for(convert_inputs(inputs));
            return nb::make_tuple(v.optimized_ir(), v.describe(), v.pass_report());
          },
          nb::arg("inputs"), "(optimized IR, plan, pass report) of the variant these inputs run.")
      .def("optimized_ir", &Compiled::optimized_ir, "The IR after the optimizer's passes.")
      .def("pass_report", &Compiled::pass_report, "Per-pass time and whether each pass changed the IR.")
      .def_prop_ro("num_inputs", &Compiled::num_inputs)
      .def_prop_ro("num_outputs", &Compiled::num_outputs)
      .def_prop_ro(
          "has_direct_call", [](const Compiled& c) { return c.direct_call() != nullptr; },
          "True when the program is one elementwise kernel that small ff.jit calls run straight into a fresh "
          "NumPy array (exec/direct_call.h).");

  m.def(
      "compile", [](const ir::Program& program) { return compile(program); }, nb::arg("program"),
      "Lower a verified IR program to an executable plan (fused block kernels, graph steps, loops). Results "
      "are bitwise identical for any thread count.");
  m.def("_live_storage_bytes", &exec::live_storage_bytes,
        "Bytes of engine-owned array buffers alive now (tests: outputs are not retained after use).");

  bind_jit_dispatcher(m);
  m.def("exec_simd_target", &exec::block_kernel_target, "SIMD target the fused-kernel interpreter dispatches to.");
}

}  // namespace fuseflow::bindings
