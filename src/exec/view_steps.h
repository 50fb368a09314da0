// Internal: the executor's shape steps (Step::kView): axis lengths and strided slice copies.
#pragma once

#include <cstdint>
#include <vector>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// Evaluates the operands' shapes, writes the result into step.out_slot (reusing its buffer when
// nobody else holds it) and adds the element count written to `elements`.
void run_view_step(const ViewStep& step, std::vector<Value>& slots, std::int64_t& elements);

}  // namespace fuseflow::exec
