// Internal: graph steps of a plan (neighbor_agg, edge gathers).
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <span>
#include <vector>

#include "fuseflow/exec/executor.h"
#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"
#include "fuseflow/jit/region.h"

namespace fuseflow::exec {

void run_neighbor_agg(const NeighborAggStep& step, RunState& state, std::int64_t& elements);

// Semiring neighbor_agg (step.combine != kNone), called by run_neighbor_agg once the slots are
// checked: x float64[N], weights float64[E] in user edge order (null for combine first), active
// bool[N] (null: every node). after(chunk, begin, end) runs the epilogue of a chunk whose
// aggregates are written.
struct SemiringArgs {
  const Graph& g;
  std::span<const std::int64_t> chunks;
  const double* x;
  const double* weights;
  const std::uint8_t* active;
  double* out;
};
// What a frontier loop's dense iteration tells its aggregation step (frontier_loop.cpp sets it on
// this thread around the iteration): fold only the nodes whose `targets` byte is set -- the others
// get the identity, the loop proved their yields idle whatever the aggregate -- and, for min / max
// of combine "first" over one direction, stop a node's scan once its value equals `bound`, the
// frontier's extreme value (no contribution can go beyond it).
struct DenseHints {
  const NeighborAggStep* step = nullptr;
  const std::uint8_t* targets = nullptr;
  // Or the same as the frontier loop's per-node array (frontier_folds.h): fold where it is not
  // kUnguarded. Spares the guard kernel over N when that array is current.
  const std::int32_t* target_positions = nullptr;
  // The active mask as bits (frontier_folds.h has_node), tested once per pulled edge.
  const std::uint64_t* active_bits = nullptr;
  bool stop_at_bound = false;
  double bound = 0.0;
};
DenseHints& dense_hints();

void run_semiring_agg(const NeighborAggStep& step, const SemiringArgs& args,
                      const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& after, std::int64_t& elements);

// A semiring aggregation whose weights are step.edge_kernel's output (fused edge values,
// exec/edge_values.cpp): always pulled, the kernel run per batch of edges; `slots` is the run's
// frame (the node arrays, edge arrays and scalars the kernel reads). args.weights is unused.
void run_edge_values_agg(const NeighborAggStep& step, const SemiringArgs& args, const std::vector<Value>& slots,
                         const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& after,
                         std::atomic<std::uint32_t>& flags, std::int64_t& elements);

// Fused-kernel pieces shared with neighbor_agg epilogues (defined in executor.cpp).
void prepare_kernel_outputs(const Kernel& k, std::vector<Value>& slots, std::int64_t n);
// Runs the blocks covering [begin, end) of a kernel of length n on the calling thread; the j-th
// block's reduction partials go to partials[j * num_reductions ...].
void run_kernel_range(const Kernel& k, std::vector<Value>& slots, std::int64_t begin, std::int64_t end,
                      std::int64_t n, ReducePartial* partials, std::uint32_t* flags);
// run_kernel_range for an aggregation epilogue whose array slot agg_array is the aggregate
// (jit::sum_gather_array): each block runs the prejit kernel that sums it in its loop
// (gather.first set per block).
void run_kernel_range_sum_gather(const Kernel& k, std::vector<Value>& slots, std::int64_t begin, std::int64_t end,
                                 std::int64_t n, ReducePartial* partials, std::uint32_t* flags, int agg_array,
                                 jit::SumGather gather);
void finish_kernel_reductions(const Kernel& k, const ReducePartial* partials, std::int64_t nblocks, std::int64_t n,
                              std::vector<Value>& slots);
// Throws the ValueError that a kernel's error flags (block_kernel.h) stand for, if any.
void raise_kernel_errors(std::uint32_t flags);
// Locality relabelling of a whole program (plan.h LocalityStep; src/exec/locality_steps.cpp).
void run_locality_in(const LocalityStep& step, std::vector<Value>& slots, std::int64_t& elements);
void run_locality_out(const LocalityStep& step, std::vector<Value>& slots, std::int64_t& elements);
void run_edge_gather(const EdgeGatherStep& step, std::vector<Value>& slots, std::int64_t& elements);

}  // namespace fuseflow::exec
