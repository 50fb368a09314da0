// Frontier loops (plan.h LoopStep::frontier_mask; marked by lower_frontier.cpp).
//
// The loop keeps its frontier -- the nodes whose mask carry is true -- as a list beside the mask.
// Each iteration picks its way by the frontier's edges (sparse_pays below: against the graph's,
// kPushFactor, and with a guard against the guarded nodes' edges):
// - sparse: push from the listed nodes into a scratch accumulator per reached node (on every
//   core when every frontier value has the same bits and the edges are many: a BFS's hub levels,
//   frontier_folds.h push_frontier_uniform), run the epilogue on the reached nodes only (their
//   inputs gathered into short arrays), and scatter its results into the carries in place. Every
//   other node keeps its carries and gets mask false, which lower_frontier.cpp proved is what the
//   epilogue would compute there. Work: the frontier's edges plus the reached nodes, never N.
// - bottom-up (with a guard): pull at the guarded nodes with edges only (a shrinking list of
//   candidates, in parallel), then the epilogue where the aggregate is not the identity, as after
//   a push. Work: the candidates and their edges. When every frontier value has the same bits (a
//   BFS level), a candidate's first frontier neighbour decides, as in a hand-written BFS.
// - dense (without a guard): the body as written, pulling (the step's own push is for loops
//   without a frontier), then the list is rebuilt from the new mask (O(N), as the iteration).
// The lists and compact arrays live in RunState::frontier_scratch between runs (frontier_scratch.h).
// With a guard (lower_frontier.cpp; BFS: "not visited"), both kinds skip the nodes where it is
// false: the sparse push does not reach them (marked in the push's own per-node array, kept
// current at the reached nodes) and the dense pull does not fold them. Dense iterations of
// min/max over x alone also stop a node's scan at the frontier's extreme value (graph_steps.h
// DenseHints).
// The cond, any(mask), is "the list is not empty". Results are the same as the dense loop's: min
// and max fold in any order, a sum is pushed in increasing source order (the pull's order); the
// epilogue applies the same instructions to the same values.
#include <algorithm>
#include <cstring>
#include <string>
#include <vector>

#include "exec/frontier_folds.h"
#include "exec/frontier_loop.h"
#include "exec/frontier_loop_state.h"
#include "exec/frontier_scratch.h"
#include "exec/min_plus_loop.h"
#include "exec/graph_steps.h"
#include "exec/semiring_fold.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::exec {

namespace detail {

FrontierLoop::FrontierLoop(const LoopStep& loop, RunState& state)
    : loop_(loop), slots_(state.slots), agg_(loop.body.at(0).agg), epi_(*agg_.epilogue),
      graph_(slots_[static_cast<std::size_t>(agg_.graph_slot)].graph), n_(graph_->num_nodes()),
      mask_slot_(loop.carry_slots.at(static_cast<std::size_t>(loop.frontier_mask))), scratch_(frontier_scratch_of(state)),
      frontier_(scratch_.frontier), reached_(scratch_.reached), position_(scratch_.position), bits_(scratch_.bits),
      candidates_(scratch_.candidates), kept_(scratch_.kept), pulled_(scratch_.pulled), acc_(scratch_.acc) {
  const Graph& g = *graph_;
  a_ = FrontierEdges{g.out_offsets().data(), g.out_targets().data(), g.in_offsets().data(), g.in_sources().data(), {},
            agg_.direction != AggDirection::kOut, agg_.direction != AggDirection::kIn};
  // Array operands whose slot the epilogue reads before writing it: the inputs to gather. (A
  // slot it writes first -- a yield, later read by another instruction -- needs no gather.)
  read_.assign(epi_.operands.size(), 0);
  std::vector<int> touched;
  auto same_slot = [&](int o, char mark) {
    const Operand& op = epi_.operands[static_cast<std::size_t>(o)];
    if (op.kind != OperandKind::kArray || std::find(touched.begin(), touched.end(), op.slot) != touched.end()) return;
    touched.push_back(op.slot);
    for (std::size_t i = 0; i < epi_.operands.size(); ++i) {
      if (epi_.operands[i].kind == OperandKind::kArray && epi_.operands[i].slot == op.slot) read_[i] = mark;
    }
  };
  for (const Instr& in : epi_.code) {
    for (int o : {in.a, in.b, in.c}) {
      if (o >= 0) same_slot(o, 1);
    }
    if (in.dst >= 0) same_slot(in.dst, 0);
  }
  // The mask bytes may lag the list during sparse iterations when nothing but the dense body
  // reads them: neither the epilogue nor the guard.
  mask_lazy_ok_ = true;
  for (std::size_t o = 0; o < epi_.operands.size(); ++o) {
    const Operand& op = epi_.operands[o];
    if (op.kind == OperandKind::kArray && op.slot == mask_slot_ && read_[o]) mask_lazy_ok_ = false;
  }
  if (loop.frontier_guard) {
    for (const Operand& op : loop.frontier_guard->operands) {
      if (op.kind == OperandKind::kArray && op.slot == mask_slot_) mask_lazy_ok_ = false;
    }
  }
  // The epilogue's frame: the run's scalars and graphs; its arrays are set per iteration.
  compact_.resize(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (!slots_[i].is_array()) compact_[i] = slots_[i];
    compact_[i].kind = slots_[i].kind;
  }
  for (const Operand& op : epi_.operands) {
    if (op.kind == OperandKind::kBroadcast) compact_[static_cast<std::size_t>(op.slot)] = slots_[static_cast<std::size_t>(op.slot)];
  }
  // The compact arrays' buffers of the last run.
  scratch_.compact.resize(slots_.size());
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    if (slots_[i].is_array() && scratch_.compact[i]) compact_[i].storage = std::move(scratch_.compact[i]);
  }
}

FrontierLoop::~FrontierLoop() {
  for (std::size_t i = 0; i < slots_.size(); ++i) {
    std::shared_ptr<Storage>& s = compact_[i].storage;
    if (compact_[i].is_array() && s && s.use_count() == 1 && s->owned()) scratch_.compact[i] = std::move(s);
  }
}

void FrontierLoop::run(const std::function<void()>& dense_iteration) {
  const Frontier setting = frontier_setting();
  collect();
  for (;;) {
    check_interrupt();
    if (frontier_.empty()) break;
    bool sparse = setting != Frontier::kPull;
    if (sparse && setting != Frontier::kPush) sparse = sparse_pays();
    if (sparse) {
      sparse_iteration();
    } else if (loop_.frontier_guard && setting == Frontier::kAuto) {
      // Bottom-up measured faster than the dense body at every level tried: R-MAT 20 BFS's
      // level of 450K candidates 9.5 ms against 10.6 ms, whole BFS on uniform random graphs of
      // degree 4 and 16 5% faster (the epilogue on 422K reached nodes runs on both cores).
      bottom_up_iteration();
    } else {
      dense(dense_iteration);
      collect();
    }
  }
}

void FrontierLoop::check_length(int slot, std::int64_t expected, const char* what, const char* per) {
  const std::int64_t got = slots_[static_cast<std::size_t>(slot)].length;
  if (got != expected) {
    throw_value_error(what, std::string("must have one value per ") + per + " (" + std::to_string(expected) + "), got " +
                                std::to_string(got));
  }
}

// A dense iteration with what the loop knows (graph_steps.h DenseHints): the guard's nodes only,
// and for min/max of x alone the frontier's extreme value, where a node's scan may stop.
void FrontierLoop::dense(const std::function<void()>& dense_iteration) {
  if (!mask_written_) {  // the body reads the mask: make its bytes the frontier again
    Value& mask = slots_[static_cast<std::size_t>(mask_slot_)];
    mask.make_sole_owner();
    for (NodeId u : frontier_) mask.template data<std::uint8_t>()[u] = 1;
    mask_written_ = true;
  }
  DenseHints hints;
  hints.step = &agg_;
  if (loop_.frontier_guard) {
    if (position_valid_) hints.target_positions = position_.data();
    else hints.targets = guard_valid_ ? guard_bytes() : guard_everywhere();
  }
  hints.active_bits = frontier_bits();
  hints.stop_at_bound = stop_bound(hints.bound) && agg_.direction != AggDirection::kBoth;
  struct Reset {
    ~Reset() { dense_hints() = DenseHints{}; }
  } reset;
  dense_hints() = hints;
  guard_valid_ = false;  // the iteration changes carries everywhere
  position_valid_ = false;
  candidates_valid_ = false;
  dense_iteration();
}

// The frontier as bits (frontier_folds.h has_node).
const std::uint64_t* FrontierLoop::frontier_bits() {
  bits_.assign(static_cast<std::size_t>((n_ + 63) / 64), 0);
  for (NodeId u : frontier_) add_node(bits_.data(), u);
  return bits_.data();
}

// Whether a pulled node's scan may stop once its aggregate reaches `bound`, the frontier's
// extreme value: exact for min (max) of x alone, which cannot pass it -- not with a NaN among
// the values (it would propagate) nor at zero (-0 and +0 compare equal but fold by order).
// `uniform`: every frontier value has the bits of `bound` (BFS: one level), so that the first
// frontier neighbour decides a pulled node's aggregate, in any fold order -- zero included.
// After a sparse or bottom-up iteration it was folded by the epilogue (bound_known); else it is
// found by reading x at every frontier node.
bool FrontierLoop::stop_bound(double& bound, bool* uniform) const {
  bound = 0.0;
  if (uniform != nullptr) *uniform = false;
  if (!can_stop() || frontier_.empty()) return false;
  BoundFold f = bound_fold_;
  if (!bound_known()) {
    f = BoundFold{};
    const double* x = slots_[static_cast<std::size_t>(agg_.x_slot)].template data<double>();
    for (NodeId u : frontier_) f.add(x[u], agg_.op);
  }
  if (!f.any || f.nan) return false;
  bound = f.bound;
  if (uniform != nullptr) *uniform = f.same;
  return f.same || bound != 0.0;
}

// The guard of every node (LoopStep::frontier_guard), in its slot; returns the bytes.
std::uint8_t* FrontierLoop::guard_everywhere() {
  const Kernel& guard = *loop_.frontier_guard;
  prepare_kernel_outputs(guard, slots_, n_);
  // In per-thread ranges, as the epilogue's (a BFS's first sparse level: 1M nodes, the levels read).
  for_reached_ranges(n_, [&](std::int64_t b, std::int64_t e, std::uint32_t& flags, std::int64_t&, std::int64_t&) {
    run_kernel_range(guard, slots_, b, e, n_, nullptr, &flags);
  });
  return guard_bytes();
}

// Whether this iteration should run sparsely. A frontier with few edges (at most N / 16) always
// does. Otherwise the push must cost less than the pull it replaces: its edges at most a
// quarter of the graph's (kPushFactor); and with a guard, whose pull folds only the guarded
// nodes and stops at the first frontier neighbour (a bottom-up step), at most 1/14 of
// the guarded nodes' edges (Beamer, Asanovic & Patterson's switch, alpha = 14). R-MAT 20 BFS:
// the level of 422,043 frontier nodes (3.2M edges, 30,720 still guarded) took 16 ms pushed,
// 7 ms pulled bottom-up; the next (30K edges) 1 ms pushed, 4.5 ms pulled (measured when such
// pulls ran the dense body, O(N) whatever the guard: the kernels and the new frontier list).
bool FrontierLoop::sparse_pays() {
  const std::int64_t pulled = graph_->num_edges() * (a_.in && a_.out ? 2 : 1);
  const std::int64_t few = n_ / 16;
  // Without counting when the largest degree bounds the frontier's edges (a road grid's every
  // level): the count reads each frontier node's offsets, a cache miss apiece.
  const std::int64_t max_push_degree = (a_.in ? graph_->max_degree(false) : 0) + (a_.out ? graph_->max_degree(true) : 0);
  if (static_cast<std::int64_t>(frontier_.size()) * max_push_degree <= few) return true;
  // Past the bound, later iterations may need the guarded nodes' edges: keep them counted.
  track_guarded_edges_ = true;
  if (frontier_edges(few) <= few) return true;
  std::int64_t limit = pulled / kPushFactor;
  if (loop_.frontier_guard) {
    limit = std::min(limit, std::max(few, guarded_edges() / 14));
  }
  return frontier_edges(limit) <= limit;
}

// Edges a pull would fold: the guarded nodes' in-edges ("in"), out-edges ("out"). Counted in
// an O(N) pass (or with position_); then, once a frontier outgrew the degree bound in
// sparse_pays, kept current at the nodes whose guard changes (update_guard: a read of their
// offsets, a cache miss each -- a fifth more time per level of a road grid's BFS, whose
// frontiers never outgrow the bound).
std::int64_t FrontierLoop::guarded_edges() {
  if (position_valid_ && guarded_count_current_) return position_guarded_edges_;
  track_guarded_edges_ = true;
  const std::int32_t* position = position_valid_ ? position_.data() : nullptr;
  if (position == nullptr && !guard_valid_) {
    guard_everywhere();
    guard_valid_ = true;
  }
  const std::uint8_t* bytes = position == nullptr ? guard_bytes() : nullptr;
  std::int64_t edges = 0;
#pragma omp parallel for num_threads(threads_for(n_, 1 << 16)) reduction(+ : edges)
  for (std::int64_t v = 0; v < n_; ++v) {
    // Branch-free: a guard half true at random mispredicted a branch per node (a third of a
    // dense R-MAT level).
    const bool guarded = position != nullptr ? position[v] != kUnguarded : bytes[v] != 0;
    edges += degree(static_cast<NodeId>(v)) & -static_cast<std::int64_t>(guarded);
  }
  if (position != nullptr) {
    position_guarded_edges_ = edges;
    guarded_count_current_ = true;
  }
  return edges;
}

// The epilogue's compact output yielding the carry in `carry_slot` (its new values at the
// reached nodes, in reached order, until the next epilogue), or null when the body passes that
// carry on or `carry_slot` is no carry.
const Value* FrontierLoop::compact_yield(int carry_slot) const {
  for (std::size_t i = 0; i < loop_.carry_slots.size(); ++i) {
    const int o = loop_.frontier_outputs[i];
    if (loop_.carry_slots[i] == carry_slot && o >= 0) return &compact_[static_cast<std::size_t>(epi_.operands[static_cast<std::size_t>(o)].slot)];
  }
  return nullptr;
}

std::uint8_t* FrontierLoop::guard_bytes() {
  const Kernel& guard = *loop_.frontier_guard;
  const Operand& out = guard.operands[static_cast<std::size_t>(guard.outputs[0])];
  return slots_[static_cast<std::size_t>(out.slot)].template data<std::uint8_t>();
}

// The list from the mask (in node order).
void FrontierLoop::collect() {
  bound_known_ = false;
  check_length(mask_slot_, n_, "active", "node");
  const std::uint8_t* m = slots_[static_cast<std::size_t>(mask_slot_)].template data<std::uint8_t>();
  // Branch-free: a large frontier's mask is too irregular for a predicted branch. Each thread
  // counts a range of nodes, then lists it at its offset plus one: the branch-free loop writes
  // one entry past what it keeps. The gaps are closed after. (Sized by the counts: resizing the
  // list to N zero-filled 4 MB per call on a 1M-node graph, most of the old serial 0.7 ms.)
  const int threads = threads_for(n_, 1 << 18);
  std::vector<std::int64_t> start(static_cast<std::size_t>(threads) + 1, 0);
  auto range = [&](int i) { return std::pair{n_ * i / threads, n_ * (i + 1) / threads}; };
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int i = 0; i < threads; ++i) {
    const auto [b, e] = range(i);
    std::int64_t count = 0;
    for (std::int64_t v = b; v < e; ++v) count += m[v] != 0;
    start[static_cast<std::size_t>(i) + 1] = count + 1;
  }
  for (int i = 0; i < threads; ++i) start[static_cast<std::size_t>(i) + 1] += start[static_cast<std::size_t>(i)];
  frontier_.resize(static_cast<std::size_t>(start[static_cast<std::size_t>(threads)]));
  NodeId* out = frontier_.data();
#pragma omp parallel for num_threads(threads) schedule(static)
  for (int i = 0; i < threads; ++i) {
    const auto [b, e] = range(i);
    std::int64_t k = start[static_cast<std::size_t>(i)];
    for (std::int64_t v = b; v < e; ++v) {
      out[k] = static_cast<NodeId>(v);
      k += m[v] != 0;
    }
  }
  std::size_t k = static_cast<std::size_t>(start[1] - 1);
  for (int i = 1; i < threads; ++i) {
    const std::int64_t from = start[static_cast<std::size_t>(i)], to = start[static_cast<std::size_t>(i) + 1] - 1;
    std::memmove(out + k, out + from, static_cast<std::size_t>(to - from) * sizeof(NodeId));
    k += static_cast<std::size_t>(to - from);
  }
  frontier_.resize(k);
}

// Edges the frontier pushes along, counted up to just past `limit`.
std::int64_t FrontierLoop::frontier_edges(std::int64_t limit) const {
  std::int64_t m = 0;
  for (NodeId u : frontier_) {
    if (a_.in) m += a_.out_off[u + 1] - a_.out_off[u];
    if (a_.out) m += a_.in_off[u + 1] - a_.in_off[u];
    if (m > limit) break;
  }
  return m;
}

// The aggregation's x (its length checked) and a_.w pointed at this iteration's weights.
const double* FrontierLoop::fold_inputs() {
  check_length(agg_.x_slot, n_, "neighbor_agg", "node");
  if (agg_.weights_slot >= 0) check_length(agg_.weights_slot, graph_->num_edges(), "neighbor_agg", "edge");
  a_.w = edge_weights(*graph_, agg_.weights_slot >= 0 ? slots_[static_cast<std::size_t>(agg_.weights_slot)].template data<double>() : nullptr);
  return slots_[static_cast<std::size_t>(agg_.x_slot)].template data<double>();
}

void FrontierLoop::sparse_iteration() {
  candidates_current_ = false;
  const double* x = fold_inputs();
  if (agg_.op == AggOp::kSum) std::sort(frontier_.begin(), frontier_.end());  // the pull's order
  ensure_positions();
  reached_.clear();
  acc_.clear();
  a_.gathered = gathered_input();
  double bound = 0.0;
  if (const int threads = uniform_push_threads(bound); threads > 0) {
    push_frontier_uniform(a_, frontier_, bound, threads, position_, reached_, acc_, scratch_.push_lists);
  } else {
    push_frontier(agg_.combine, agg_.op, a_, frontier_, x, position_, reached_, acc_);
  }
  if (!loop_.frontier_guard) {  // with one, update_guard sets every reached node's entry
    for (NodeId v : reached_) position_[static_cast<std::size_t>(v)] = kUnreached;
  }
  apply_epilogue();
}

// One thread for a frontier with few edges (every level of a road grid, told apart by the degree
// bound without reading offsets). R-MAT 20 BFS's second level (196 hubs, 275K edges): 3.9 ms
// serial, 2.8 ms on two threads. Road grid levels (up to 2,048 nodes, 8K edges) pushed on two
// threads made its whole BFS 1.4x slower: the parallel region and the second pass cost more than
// the edges. A frontier with few edges is asked for uniformity only when the epilogue folded its
// values already (bound_known): finding out reads x at every frontier node, the reads that the
// uniform push saves.
int FrontierLoop::uniform_push_threads(double& bound) {
  if (!can_stop()) return 0;
  constexpr std::int64_t kEdgesPerThread = 16384;
  const std::int64_t enough = max_threads() * kEdgesPerThread;  // counted no further
  std::int64_t edges = 0;
  bool many = enough >= 2 * kEdgesPerThread;
  if (many) {
    const std::int64_t max_push_degree = (a_.in ? graph_->max_degree(false) : 0) + (a_.out ? graph_->max_degree(true) : 0);
    many = static_cast<std::int64_t>(frontier_.size()) * max_push_degree >= 2 * kEdgesPerThread &&
           (edges = frontier_edges(enough)) >= 2 * kEdgesPerThread;
  }
  if (!many && !bound_known()) return 0;
  bool uniform = false;
  if (!stop_bound(bound, &uniform) || !uniform) return 0;
  return many ? threads_for(edges, kEdgesPerThread) : 1;
}

// The first 8-byte array the epilogue gathers at the reached nodes (BFS: the levels), for the
// push to prefetch as it reaches them; null when there is none.
const double* FrontierLoop::gathered_input() const {
  for (std::size_t o = 0; o < epi_.operands.size(); ++o) {
    const Operand& op = epi_.operands[o];
    if (op.kind != OperandKind::kArray || !read_[o] || op.slot == agg_.out_slot || elem_size(op.type) != 8) continue;
    const Value& v = slots_[static_cast<std::size_t>(op.slot)];
    if (v.is_array() && v.length == n_) return static_cast<const double*>(v.raw_data());
  }
  return nullptr;
}

// The guard skips nodes whose yields are idle (BFS: visited ones) before they cost anything:
// they are marked in the same array the push reads anyway. The guarded nodes' edges are counted
// in the same pass once some frontier needed them (track_guarded_edges_); before that,
// guarded_edges() counts them from position_ if asked. A road grid's BFS never asks, and the
// count read every node's offsets: 32 MB at 4M nodes, 3% of that BFS.
void FrontierLoop::ensure_positions() {
  if (position_valid_) return;
  position_.resize(static_cast<std::size_t>(n_));
  const std::uint8_t* guard = nullptr;
  if (loop_.frontier_guard) guard = guard_valid_ ? guard_bytes() : guard_everywhere();
  std::int32_t* position = position_.data();
  std::int64_t edges = 0;
  const bool count = track_guarded_edges_;  // loop-invariant: the compiler unswitches it
#pragma omp parallel for num_threads(threads_for(n_, 1 << 16)) reduction(+ : edges)
  for (std::int64_t v = 0; v < n_; ++v) {
    const bool guarded = guard == nullptr || guard[v] != 0;
    position[v] = guarded ? kUnreached : kUnguarded;
    if (count) edges += degree(static_cast<NodeId>(v)) & -static_cast<std::int64_t>(guarded);
  }
  position_guarded_edges_ = edges;
  guarded_count_current_ = track_guarded_edges_;
  position_valid_ = true;
  candidates_valid_ = false;
}
}  // namespace detail

void run_frontier_loop(const LoopStep& loop, RunState& state, const std::function<void()>& dense_iteration) {
  // A min-plus fixpoint runs in one delta-stepping pass when its inputs allow (min_plus_loop.cpp).
  if (loop.frontier_min_plus >= 0 && frontier_setting() == Frontier::kAuto && run_min_plus_loop(loop, state)) return;
  detail::FrontierLoop(loop, state).run(dense_iteration);
}

}  // namespace fuseflow::exec
