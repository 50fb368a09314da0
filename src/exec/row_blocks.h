// Execution of a row-block group (Step::kRowBlocks): see RowBlockStep in exec/plan.h.
#pragma once

#include <cstdint>
#include <vector>

#include "fuseflow/exec/executor.h"
#include "fuseflow/exec/plan.h"

namespace fuseflow::exec {

// Runs `s.body` one block of rows at a time, blocks spread over threads, each block in a frame
// of its own whose R-row inputs are views of the block's rows; the escaping values are copied
// into full arrays, which replace the slots' values at the end. `run_body` runs a step list on
// a frame (the executor's run_steps). A single block runs the body on `state` as it is.
// Profiled runs do not come here (they time the body's steps one by one).
void run_row_blocks(const RowBlockStep& s, RunState& state, void (*run_body)(const std::vector<Step>&, RunState&));

}  // namespace fuseflow::exec
