// Internal: min-plus fixpoint loops (plan.h LoopStep::frontier_min_plus) run by delta-stepping.
#pragma once

#include "fuseflow/exec/executor.h"
#include "fuseflow/exec/plan.h"

namespace fuseflow::exec {

// Runs the loop to its fixed point and leaves the final carries in their slots (d lowered, the
// mask all false), or returns false, touching nothing, when this run's values do not allow it
// (see min_plus_loop.cpp); the caller then runs the loop as written.
bool run_min_plus_loop(const LoopStep& loop, RunState& state);

}  // namespace fuseflow::exec
