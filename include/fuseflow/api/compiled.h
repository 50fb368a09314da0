// Public C++ entry point of the engine: compile an IR program once, run it many times.
//
//   ir::Program p = builder.finish();
//   auto f = fuseflow::compile(p);                       // lowers to an exec::Plan
//   std::vector<fuseflow::Value> out = f->run({fuseflow::Value::of_graph(g), fuseflow::Value::of_f64(0.85)});
//
// A Compiled is immutable and thread-safe: run() may be called from several threads at once
// (each run takes a RunState from an internal pool, so repeated runs reuse buffers).
#pragma once

#include <atomic>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "fuseflow/exec/direct_call.h"
#include "fuseflow/exec/executor.h"
#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"
#include "fuseflow/ir/program.h"
#include "fuseflow/opt/pass_manager.h"

namespace fuseflow {

using Value = exec::Value;
using StepProfile = exec::StepProfile;
using RunProfile = exec::RunProfile;

// Results are bitwise identical for any thread count, always: kernels partition their blocks
// and combine reductions in a fixed order, and neighbor_agg computes each node in neighbour order
// on one thread (tests/python/test_reliability_exec.py checks it). There is no option to ask.
struct CompileOptions {};

class Compiled {
 public:
  explicit Compiled(exec::Plan plan);
  ~Compiled();

  // Inputs in the program's input order: arrays (owned or borrowed), scalars, graphs. Checks kinds,
  // dtypes and lengths (throws TypeError/ValueError naming `inputs[i]`); scalars are converted to the
  // input's dtype. Outputs: owned arrays (never aliasing the inputs) and scalars.
  std::vector<Value> run(std::vector<Value> inputs) const;
  // Same, also filling per-step timings (one entry per plan step, nested loop steps included) and,
  // if profile.record_events, one event per step execution.
  std::vector<Value> run_profiled(std::vector<Value> inputs, RunProfile& profile) const;
  // A caller's C-contiguous, writable array that receives one output (out= of a jit call).
  struct OutBuffer {
    void* data = nullptr;
    DType type = DType::kFloat64;
    int rank = 1;
    std::int64_t dims[4] = {0, 0, 0, 0};
    std::int64_t size() const {  // elements
      std::int64_t n = 1;
      for (int k = 0; k < rank; ++k) n *= dims[k];
      return n;
    }
    std::size_t bytes() const { return static_cast<std::size_t>(size()) * static_cast<std::size_t>(exec::elem_size(type)); }
  };
  // Like run(), but each output ends in `outs[i]`, computed from the inputs as they were (an out
  // buffer may overlap an input). Checks every buffer's dtype and shape before writing any
  // (TypeError/ValueError naming `out`); scalar outputs are a TypeError. An output that only the
  // program's last kernel writes, whose kernel cannot fail halfway and whose buffer overlaps no
  // input or other out, is written in place (no copy pass; a run stopped by Ctrl-C may leave it
  // partly written); the others are computed in the pooled run state, whose buffers the next run
  // reuses, and copied once the whole program has run. Repeated calls allocate no output arrays.
  void run_into(std::vector<Value> inputs, const std::vector<OutBuffer>& outs) const;

  const exec::Plan& plan() const { return plan_; }
  // The plan as one elementwise kernel the caller can run into its own result (exec/direct_call.h),
  // or null. Small calls of ff.jit take it (jit_dispatcher.cpp).
  const exec::DirectCall* direct_call() const { return direct_.get(); }
  // The compiled program that runs for these inputs: this one, or its large-graph variant (see
  // compile()). Profiles list the steps of this plan.
  const Compiled& variant_for(const std::vector<Value>& inputs) const;
  const exec::Plan& plan_for(const std::vector<Value>& inputs) const { return variant_for(inputs).plan_; }
  // Graphs with more nodes than this run the large-graph variant (0: there is none).
  std::int64_t large_graph_min_nodes() const { return large_graph_ ? large_graph_min_nodes_ : 0; }
  std::size_t num_inputs() const { return plan_.input_slots.size(); }
  std::size_t num_outputs() const { return plan_.output_slots.size(); }
  // The plan as text: one line per step (fused kernels list their ops).
  std::string describe() const { return plan_.describe(); }
  // The IR after the optimizer and the optimizer's per-pass report (set by compile()).
  const std::string& optimized_ir() const { return optimized_ir_; }
  const std::string& pass_report() const { return pass_report_; }

 private:
  std::vector<Value> run_impl(std::vector<Value>& inputs, RunProfile* profile) const;
  void run_into_impl(std::vector<Value>& inputs, const std::vector<OutBuffer>& outs) const;
  // Checks `inputs` against the plan and moves them into their slots of `state`.
  void load_inputs(std::vector<Value>& inputs, exec::RunState& state) const;
  // The outputs of a finished run; leaves no reference to them in `state`.
  std::vector<Value> take_outputs(exec::RunState& state) const;
  std::unique_ptr<exec::RunState> acquire() const;
  friend std::shared_ptr<const Compiled> compile(const ir::Program&, const CompileOptions&);
  // Optimizes a copy of `program` (the traced one stays as it was for f.ir(optimized=False)) and
  // lowers it; sets *rotated (when given) to whether loop_rotation changed it.
  static std::shared_ptr<Compiled> optimize_and_lower(const ir::Program& program, const CompileOptions& options,
                                                      const opt::OptimizeOptions& optimize_options, bool* rotated);
  void release(std::unique_ptr<exec::RunState> state) const;

  // Per output: whether run_into may let the run write it straight into the caller's array
  // (see in_place_outputs in compiled.cpp), and the lengths its shape comes from.
  struct InPlaceOutput {
    bool ok = false;
    std::vector<exec::LengthSource> dims;  // one entry per axis (a 1-D output: the kernel's length)
  };
  static std::vector<InPlaceOutput> in_place_outputs(const exec::Plan& plan);
  // Binds outs[i] as output i's slot where in_place_[i] allows it and the buffer fits (dtype,
  // shape, no overlap with an input or another out); returns which were bound.
  std::vector<char> bind_in_place(exec::RunState& state, const std::vector<OutBuffer>& outs) const;

  exec::Plan plan_;
  std::unique_ptr<exec::DirectCall> direct_;
  std::vector<InPlaceOutput> in_place_;
  std::string optimized_ir_, pass_report_;
  // Loop rotation pays while a loop's node arrays stay in cache; on larger graphs the same
  // program compiled without it runs instead (same results: rotation never changes bits).
  std::shared_ptr<const Compiled> large_graph_;
  std::int64_t large_graph_min_nodes_ = 0;
  int graph_input_ = -1;  // the input whose node count decides
  // Run states for reuse: one in `spare_` (taken and put back without a lock: the common case of
  // one thread calling repeatedly, where two mutex round trips were ~10% of a 1-element call),
  // a few more in `pool_` for concurrent callers.
  mutable std::atomic<exec::RunState*> spare_{nullptr};
  mutable std::mutex pool_mutex_;
  mutable std::vector<std::unique_ptr<exec::RunState>> pool_;
};

std::shared_ptr<const Compiled> compile(const ir::Program& program, const CompileOptions& options = {});

}  // namespace fuseflow
