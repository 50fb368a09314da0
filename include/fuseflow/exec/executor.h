// Executor: runs a Plan over a RunState (the frame of slot values plus reusable scratch).
// A RunState belongs to one run at a time; Compiled keeps a pool of them so the same program can
// run from several threads at once while repeated runs reuse buffers instead of allocating.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// Time spent in one step of the plan, summed over all its executions in a run.
struct StepProfile {
  std::string label;   // "fused[add, mul, sum]" / "neighbor_agg.sum.in" / "loop"
  std::string kind;    // "kernel", "neighbor_agg", "edge_gather", "graph", "loop"
  int depth = 0;       // loop nesting
  std::int64_t elements = 0;  // elements processed (summed over executions)
  std::int64_t calls = 0;
  double seconds = 0.0;
};

// One execution of one step (a loop body step runs once per iteration), for timelines such as
// Chrome traces. Times are seconds from the start of the run; a loop's event encloses its steps'.
struct StepEvent {
  int profile_id = 0;
  double start = 0.0;
  double seconds = 0.0;
};

// What a profiled run records: per-step totals (indexed by Step::profile_id) and, when
// `record_events`, every execution in start order, up to `max_events` (the rest are counted in
// `dropped_events`, so a long while loop cannot exhaust memory).
struct RunProfile {
  std::vector<StepProfile> steps;
  bool record_events = false;
  std::size_t max_events = 1u << 20;
  std::vector<StepEvent> events;
  std::int64_t dropped_events = 0;
};

struct FrontierScratch;  // exec/frontier_scratch.h

class RunState {
 public:
  explicit RunState(const Plan& plan);
  explicit RunState(std::vector<Value> frame) : slots(std::move(frame)) {}  // a frame of values (row blocks)
  std::vector<Value> slots;
  std::vector<ReducePartial> partials;
  // The node lists and compact arrays of the plan's frontier loops, kept from run to run: fresh
  // pages cost about 1 us per 4 KiB here, and an R-MAT BFS level lists 422K nodes.
  std::shared_ptr<FrontierScratch> frontier_scratch;
  // Drops borrowed memory and graphs (the caller's objects) after a run; keeps owned buffers.
  void release_borrowed();
};

// Name of the SIMD target fused kernels dispatch to on this machine (e.g. "AVX3").
const char* block_kernel_target();

// Number of elements from which a fused kernel runs its blocks on several threads.
std::int64_t parallel_min_elements();

// Runs the plan. Inputs must already be in their slots (see api::Compiled::run for checks).
// `profile`, if given, must have Plan::num_profile_ids entries in `steps`.
void execute(const Plan& plan, RunState& state, RunProfile* profile = nullptr);

}  // namespace fuseflow::exec
