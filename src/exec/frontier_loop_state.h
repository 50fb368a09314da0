// Internal: the state of one run of a frontier loop (frontier_loop.cpp describes the loop and
// its three kinds of iteration). The iterations are defined in frontier_loop.cpp; the work at
// the reached nodes -- the epilogue, the guard's update and the bottom-up step, which ends in
// the epilogue -- in frontier_reached.cpp.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <vector>

#include "exec/frontier_folds.h"
#include "exec/frontier_scratch.h"
#include "exec/semiring_fold.h"
#include "fuseflow/exec/executor.h"
#include "fuseflow/exec/plan.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow::exec::detail {

class FrontierLoop {
 public:
  FrontierLoop(const LoopStep& loop, RunState& state);

  ~FrontierLoop();
  FrontierLoop(const FrontierLoop&) = delete;
  FrontierLoop& operator=(const FrontierLoop&) = delete;

  void run(const std::function<void()>& dense_iteration);

 private:
  void check_length(int slot, std::int64_t expected, const char* what, const char* per);

  // A dense iteration with what the loop knows (graph_steps.h DenseHints): the guard's nodes only,
  // and for min/max of x alone the frontier's extreme value, where a node's scan may stop.
  void dense(const std::function<void()>& dense_iteration);

  // The frontier as bits (frontier_folds.h has_node).
  const std::uint64_t* frontier_bits();

  // Whether a pulled node's scan may stop once its aggregate reaches `bound`, the frontier's
  // extreme value: exact for min (max) of x alone, which cannot pass it -- not with a NaN among
  // the values (it would propagate) nor at zero (-0 and +0 compare equal but fold by order).
  // `uniform`: every frontier value has the bits of `bound` (BFS: one level), so that the first
  // frontier neighbour decides a pulled node's aggregate, in any fold order -- zero included.
  // After a sparse or bottom-up iteration it was folded by the epilogue (bound_known); else it is
  // found by reading x at every frontier node.
  bool stop_bound(double& bound, bool* uniform = nullptr) const;

  // Whether the last epilogue folded the frontier's x (see apply_epilogue).
  bool bound_known() const { return bound_known_; }

  bool can_stop() const { return agg_.combine == AggCombine::kFirst && (agg_.op == AggOp::kMin || agg_.op == AggOp::kMax); }

  // The guard of every node (LoopStep::frontier_guard), in its slot; returns the bytes.
  std::uint8_t* guard_everywhere();

  // Whether this iteration should run sparsely. A frontier with few edges (at most N / 16) always
  // does. Otherwise the push must cost less than the pull it replaces: its edges at most a
  // quarter of the graph's (kPushFactor); and with a guard, whose pull folds only the guarded
  // nodes and stops at the first frontier neighbour (a bottom-up step), at most 1/14 of
  // the guarded nodes' edges (Beamer, Asanovic & Patterson's switch, alpha = 14). R-MAT 20 BFS:
  // the level of 422,043 frontier nodes (3.2M edges, 30,720 still guarded) took 16 ms pushed,
  // 7 ms pulled bottom-up; the next (30K edges) 1 ms pushed, 4.5 ms pulled (measured when such
  // pulls ran the dense body, O(N) whatever the guard: the kernels and the new frontier list).
  bool sparse_pays();

  // Edges a pull would fold: the guarded nodes' in-edges ("in"), out-edges ("out"). Counted in
  // an O(N) pass (or with position_); then, once a frontier outgrew the degree bound in
  // sparse_pays, kept current at the nodes whose guard changes (update_guard: a read of their
  // offsets, a cache miss each -- a fifth more time per level of a road grid's BFS, whose
  // frontiers never outgrow the bound).
  std::int64_t guarded_edges();

  // The epilogue's compact output yielding the carry in `carry_slot` (its new values at the
  // reached nodes, in reached order, until the next epilogue), or null when the body passes that
  // carry on or `carry_slot` is no carry.
  const Value* compact_yield(int carry_slot) const;

  std::uint8_t* guard_bytes();

  // Edges a pull at node v folds: its in-edges ("in"), out-edges ("out"), or both.
  std::int64_t degree(NodeId v) const {
    std::int64_t d = 0;
    if (a_.in) d += a_.in_off[v + 1] - a_.in_off[v];
    if (a_.out) d += a_.out_off[v + 1] - a_.out_off[v];
    return d;
  }

  // After a sparse iteration: the guard again at the reached nodes, the only ones whose carries
  // changed (gathered, run on the short arrays, scattered back).
  void update_guard();

  // The list from the mask (in node order).
  void collect();

  // Edges the frontier pushes along, counted up to just past `limit`.
  std::int64_t frontier_edges(std::int64_t limit) const;

  // The aggregation's x (its length checked) and a_.w pointed at this iteration's weights.
  const double* fold_inputs();

  void sparse_iteration();

  // Threads for push_frontier_uniform when every frontier value has the bits of `bound` (BFS: a
  // level), else 0: push_frontier, which folds x (frontier_loop.cpp says how many threads).
  int uniform_push_threads(double& bound);

  // The first 8-byte array the epilogue gathers at the reached nodes (BFS: the levels), for the
  // push to prefetch as it reaches them; null when there is none.
  const double* gathered_input() const;

  // The guard skips nodes whose yields are idle (BFS: visited ones) before they cost anything:
  // they are marked in the same array the push reads anyway.
  void ensure_positions();

  // A bottom-up iteration (a large frontier, with a guard): pull at the guarded nodes that have
  // edges to pull along -- the only ones whose yields may change -- and run the epilogue where
  // the aggregate is not the fold's identity (elsewhere the yields are idle: lower_frontier.cpp).
  // Work: the candidates' scanned edges, not N; the list of candidates shrinks as the guard
  // turns false (BFS: as nodes are visited).
  void bottom_up_iteration();

  // After a sparse or bottom-up aggregation into acc_ at reached_: the epilogue there, its results
  // scattered into the carries, the new frontier listed.
  void apply_epilogue();

  const LoopStep& loop_;
  std::vector<Value>& slots_;
  const NeighborAggStep& agg_;
  const Kernel& epi_;
  std::shared_ptr<const Graph> graph_;
  std::int64_t n_;
  int mask_slot_;
  FrontierScratch& scratch_;
  FrontierEdges a_{};
  std::vector<char> read_;
  std::vector<Value> compact_;
  ScratchList<NodeId>& frontier_;
  ScratchList<NodeId>& reached_;
  // Per node: kUnreached, or kUnguarded where the guard is false (the push skips it); a node a
  // sparse push reached holds its slot in acc_ (a chunk's claim after a parallel push) until
  // update_guard or sparse_iteration resets it. Valid across sparse iterations.
  ScratchList<std::int32_t>& position_;
  bool position_valid_ = false;
  bool mask_lazy_ok_ = false;  // see the constructor
  bool mask_written_ = true;   // the mask carry's bytes are the frontier (else all false)
  ScratchList<std::uint64_t>& bits_;  // the frontier as bits, for dense and bottom-up iterations
  ScratchList<NodeId>& candidates_;   // bottom-up: guarded nodes with edges to pull along
  bool candidates_valid_ = false;
  bool candidates_current_ = false;  // only bottom-up iterations since they were listed
  ScratchList<NodeId>& kept_;        // bottom-up: the candidates not reached
  std::int64_t reached_still_guarded_ = 0;  // counted by update_guard
  std::int64_t position_guarded_edges_ = 0;  // the guarded nodes' edges, when current
  bool guarded_count_current_ = false;
  bool track_guarded_edges_ = false;  // guarded_edges was needed once: keep the count current
  // The new frontier's x as folded by the last epilogue; not known after collect().
  bool bound_known_ = false;
  BoundFold bound_fold_;
  ScratchList<double>& pulled_;       // bottom-up: each candidate's aggregate
  ScratchList<double>& acc_;
  bool guard_valid_ = false;  // the guard slot holds every node's guard for the current carries
};

}  // namespace fuseflow::exec::detail
