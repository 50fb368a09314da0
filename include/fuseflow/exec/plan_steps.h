// The steps of an execution plan as rows in plan order, a loop's condition and body steps after
// the loop one level deeper: what a profile lists per step (Compiled.run_profiled, ff.Profile).
#pragma once

#include <string>
#include <vector>

#include "fuseflow/exec/plan.h"

namespace fuseflow::exec {

// The profile's name of a step kind: "kernel", "neighbor_agg", "loop", ...
const char* step_kind_name(Step::Kind kind);

struct PlanStepRow {
  int profile_id = 0;
  int depth = 0;  // 0 at the top level, +1 inside each loop
  const char* kind = "";
  std::string label;
  int fused_ops = 1;  // a kernel's instructions; an aggregation counts itself plus its epilogue's
};

std::vector<PlanStepRow> plan_step_rows(const std::vector<Step>& steps);

}  // namespace fuseflow::exec
