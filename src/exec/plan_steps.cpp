// plan_step_rows(): the plan's steps in plan order for profiles (see plan_steps.h).
#include "fuseflow/exec/plan_steps.h"

namespace fuseflow::exec {

namespace {

void list_steps(const std::vector<Step>& steps, int depth, std::vector<PlanStepRow>& out) {
  for (const Step& s : steps) {
    // Instructions of the fused kernel; an aggregation counts itself plus its epilogue's.
    int fused = s.kind == Step::kKernel ? static_cast<int>(s.kernel->code.size()) : 1;
    if (s.kind == Step::kNeighborAgg && s.agg.epilogue) fused += static_cast<int>(s.agg.epilogue->code.size());
    out.push_back({s.profile_id, depth, step_kind_name(s.kind), s.label, fused});
    if (s.kind == Step::kLoop) {
      list_steps(s.loop->cond, depth + 1, out);
      list_steps(s.loop->body, depth + 1, out);
    }
    if (s.kind == Step::kRowBlocks) list_steps(s.rows->body, depth + 1, out);
  }
}

}  // namespace

const char* step_kind_name(Step::Kind k) {
  switch (k) {
    case Step::kKernel: return "kernel";
    case Step::kNeighborAgg: return "neighbor_agg";
    case Step::kEdgeGather: return "edge_gather";
    case Step::kGraphQuery: return "graph";
    case Step::kLoop: return "loop";
    case Step::kAxis: return "axis";
    case Step::kAxisReduce: return "axis_reduce";
    case Step::kLocalityIn:
    case Step::kLocalityOut: return "locality";
    case Step::kView: return "view";
    case Step::kRowBlocks: return "row_blocks";
  }
  return "?";
}

std::vector<PlanStepRow> plan_step_rows(const std::vector<Step>& steps) {
  std::vector<PlanStepRow> rows;
  list_steps(steps, 0, rows);
  return rows;
}

}  // namespace fuseflow::exec
