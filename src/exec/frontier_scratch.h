// Internal: what a frontier loop (frontier_loop.cpp) keeps between iterations and runs.
#pragma once

#include <algorithm>
#include <cstdint>
#include <cstring>
#include <memory>
#include <utility>
#include <vector>

#include <omp.h>

#include "exec/frontier_folds.h"
#include "exec/graph_steps.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/exec/executor.h"
#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// Grow-only, in RunState::frontier_scratch: the next run of the same program reaches the sizes
// of its largest level again without touching fresh pages (about 1 us per 4 KiB page on the
// development machine; an R-MAT 20 BFS level lists 422K nodes). Held: O(N) of the largest graph
// the program ran on, as its carries.
struct FrontierScratch {
  ScratchList<NodeId> frontier, reached, candidates, kept;
  ScratchList<std::int32_t> position;
  ScratchList<std::uint64_t> bits;
  ScratchList<double> pulled, acc;
  std::vector<std::vector<NodeId>> push_lists;  // push_frontier_uniform's per-chunk lists
  std::vector<std::shared_ptr<Storage>> compact;  // per slot: the compact array's buffer
};

FrontierScratch& frontier_scratch_of(RunState& state);

// `v` as a writable compact array of `length` elements, in its own buffer when that is large
// enough (unlike ensure_writable_array, never trading it for a smaller one: levels shrink and
// grow again).
void ensure_compact_array(Value& v, DType type, std::int64_t length);

// What a pull's early stop needs of the frontier's x: its extreme value (min or max by `op`),
// whether a NaN is among the values, whether all have the same bits. Folded in any order: min
// and max of non-NaN values agree whatever the order, and a zero bound is used only when all
// bits agree.
struct BoundFold {
  bool any = false, nan = false, same = true;
  std::uint64_t first_bits = 0;
  double bound = 0.0;
  void add(double xu, AggOp op) {
    std::uint64_t b;
    std::memcpy(&b, &xu, sizeof b);
    nan = nan || xu != xu;
    if (!any) {
      first_bits = b;
      bound = xu;
    } else {
      bound = op == AggOp::kMin ? std::min(bound, xu) : std::max(bound, xu);
    }
    same = same && b == first_bits;
    any = true;
  }
  void merge(BoundFold o, AggOp op) {
    if (!o.any) return;
    if (!any) {
      *this = o;
      return;
    }
    nan = nan || o.nan;
    same = same && o.same && first_bits == o.first_bits;
    bound = op == AggOp::kMin ? std::min(bound, o.bound) : std::max(bound, o.bound);
  }
};

// Reached nodes per thread from which the epilogue and the guard run on several threads.
inline constexpr std::int64_t kMinReachedPerThread = 1 << 14;

// Runs body(b, e, flags, count0, count1) over ranges covering [0, t), on several threads when t
// is large (the epilogue of an R-MAT level of 422K nodes); raises the kernels' errors; returns
// the counts' sums.
template <class Body>
std::pair<std::int64_t, std::int64_t> for_reached_ranges(std::int64_t t, const Body& body) {
  std::uint32_t flags = 0;
  std::int64_t c0 = 0, c1 = 0;
  const int threads = threads_for(t, kMinReachedPerThread);
  if (threads <= 1) {
    body(std::int64_t{0}, t, flags, c0, c1);
  } else {
#pragma omp parallel num_threads(threads) reduction(| : flags) reduction(+ : c0, c1)
    {
      const std::int64_t parts = omp_get_num_threads(), i = omp_get_thread_num();
      body(t * i / parts, t * (i + 1) / parts, flags, c0, c1);
    }
  }
  raise_kernel_errors(flags);
  return {c0, c1};
}

}  // namespace fuseflow::exec
