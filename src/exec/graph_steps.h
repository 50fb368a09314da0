// Internal: graph steps of a plan (neighbor_agg, edge gathers).
#pragma once

#include <cstdint>
#include <vector>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

void run_neighbor_agg(const NeighborAggStep& step, std::vector<Value>& slots, std::int64_t& elements);
void run_edge_gather(const EdgeGatherStep& step, std::vector<Value>& slots, std::int64_t& elements);

}  // namespace fuseflow::exec
