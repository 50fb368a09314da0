// Internal: the sparse execution of frontier loops (plan.h LoopStep::frontier_mask).
#pragma once

#include <functional>

#include "fuseflow/exec/executor.h"
#include "fuseflow/exec/plan.h"

namespace fuseflow::exec {

// Runs a frontier loop whose carries hold their initial values and leaves the final values in
// the carries. dense_iteration() runs the body once as written and advances the carries (used
// while the frontier has many edges).
void run_frontier_loop(const LoopStep& loop, RunState& state, const std::function<void()>& dense_iteration);

}  // namespace fuseflow::exec
