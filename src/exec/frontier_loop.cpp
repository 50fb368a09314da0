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
#include "exec/frontier_scratch.h"
#include "exec/gather_by_size.h"
#include "exec/min_plus_loop.h"
#include "exec/graph_steps.h"
#include "exec/semiring_fold.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::exec {

namespace {

class FrontierLoop {
 public:
  FrontierLoop(const LoopStep& loop, RunState& state)
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

  ~FrontierLoop() {
    for (std::size_t i = 0; i < slots_.size(); ++i) {
      std::shared_ptr<Storage>& s = compact_[i].storage;
      if (compact_[i].is_array() && s && s.use_count() == 1 && s->owned()) scratch_.compact[i] = std::move(s);
    }
  }
  FrontierLoop(const FrontierLoop&) = delete;
  FrontierLoop& operator=(const FrontierLoop&) = delete;

  void run(const std::function<void()>& dense_iteration) {
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

 private:
  void check_length(int slot, std::int64_t expected, const char* what, const char* per) {
    const std::int64_t got = slots_[static_cast<std::size_t>(slot)].length;
    if (got != expected) {
      throw_value_error(what, std::string("must have one value per ") + per + " (" + std::to_string(expected) + "), got " +
                                  std::to_string(got));
    }
  }

  // A dense iteration with what the loop knows (graph_steps.h DenseHints): the guard's nodes only,
  // and for min/max of x alone the frontier's extreme value, where a node's scan may stop.
  void dense(const std::function<void()>& dense_iteration) {
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
  const std::uint64_t* frontier_bits() {
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
  bool stop_bound(double& bound, bool* uniform = nullptr) const {
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

  // Whether the last epilogue folded the frontier's x (see apply_epilogue).
  bool bound_known() const { return bound_known_; }

  bool can_stop() const { return agg_.combine == AggCombine::kFirst && (agg_.op == AggOp::kMin || agg_.op == AggOp::kMax); }

  // The guard of every node (LoopStep::frontier_guard), in its slot; returns the bytes.
  std::uint8_t* guard_everywhere() {
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
  bool sparse_pays() {
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
  std::int64_t guarded_edges() {
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
  const Value* compact_yield(int carry_slot) const {
    for (std::size_t i = 0; i < loop_.carry_slots.size(); ++i) {
      const int o = loop_.frontier_outputs[i];
      if (loop_.carry_slots[i] == carry_slot && o >= 0) return &compact_[static_cast<std::size_t>(epi_.operands[static_cast<std::size_t>(o)].slot)];
    }
    return nullptr;
  }

  std::uint8_t* guard_bytes() {
    const Kernel& guard = *loop_.frontier_guard;
    const Operand& out = guard.operands[static_cast<std::size_t>(guard.outputs[0])];
    return slots_[static_cast<std::size_t>(out.slot)].template data<std::uint8_t>();
  }

  // Edges a pull at node v folds: its in-edges ("in"), out-edges ("out"), or both.
  std::int64_t degree(NodeId v) const {
    std::int64_t d = 0;
    if (a_.in) d += a_.in_off[v + 1] - a_.in_off[v];
    if (a_.out) d += a_.out_off[v + 1] - a_.out_off[v];
    return d;
  }

  // After a sparse iteration: the guard again at the reached nodes, the only ones whose carries
  // changed (gathered, run on the short arrays, scattered back).
  void update_guard() {
    const Kernel& guard = *loop_.frontier_guard;
    const std::int64_t t = static_cast<std::int64_t>(reached_.size());
    const Operand& out = guard.operands[static_cast<std::size_t>(guard.outputs[0])];
    struct Input {
      const Operand* op;
      const void* copy_from;  // the epilogue's compact yield of this carry, or null: gather
    };
    std::vector<Input> inputs;
    for (const Operand& op : guard.operands) {
      if (op.kind != OperandKind::kArray) continue;
      ensure_compact_array(compact_[static_cast<std::size_t>(op.slot)], op.type, t);
      if (&op == &out) continue;
      // A carry the epilogue yields: its new values at the reached nodes are still in the
      // epilogue's compact output, in reached order (a copy, not another random gather).
      const Value* fresh = compact_yield(op.slot);
      inputs.push_back({&op, fresh != nullptr && fresh->type == op.type ? fresh->raw_data() : nullptr});
    }
    std::uint8_t* fresh = compact_[static_cast<std::size_t>(out.slot)].template data<std::uint8_t>();
    // Counted: the edges of the nodes whose guard turned false (BFS: visited), the nodes whose
    // guard is still true.
    const bool track = track_guarded_edges_ && guarded_count_current_;
    const auto [dropped, still] = for_reached_ranges(t, [&](std::int64_t b, std::int64_t e, std::uint32_t& flags, std::int64_t& local_dropped,
                                                            std::int64_t& local_still) {
      for (const Input& in : inputs) {
        const std::size_t size = static_cast<std::size_t>(elem_size(in.op->type));
        char* dst = static_cast<char*>(compact_[static_cast<std::size_t>(in.op->slot)].storage->data()) + b * static_cast<std::int64_t>(size);
        if (in.copy_from != nullptr) {
          std::memcpy(dst, static_cast<const char*>(in.copy_from) + b * static_cast<std::int64_t>(size), static_cast<std::size_t>(e - b) * size);
        } else {
          gather_by_size(size, slots_[static_cast<std::size_t>(in.op->slot)].raw_data(), reached_.data() + b, e - b, dst);
        }
      }
      run_kernel_range(guard, compact_, b, e, t, nullptr, &flags);
      for (std::int64_t j = b; j < e; ++j) {
        const NodeId v = reached_[static_cast<std::size_t>(j)];
        std::int32_t& p = position_[static_cast<std::size_t>(v)];
        const bool now = fresh[j] != 0;
        if (track) {  // (without, p is only stored: a load of it stalled a road grid's levels)
          const bool was = p != kUnguarded;
          if (was != now) local_dropped += was ? degree(v) : -degree(v);
        }
        local_still += now;
        p = now ? kUnreached : kUnguarded;
      }
    });
    position_guarded_edges_ -= dropped;
    guarded_count_current_ = track;
    reached_still_guarded_ = still;
    guard_valid_ = false;  // the guard bytes are stale at the reached nodes; position_ is current
  }

  // The list from the mask (in node order).
  void collect() {
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
  std::int64_t frontier_edges(std::int64_t limit) const {
    std::int64_t m = 0;
    for (NodeId u : frontier_) {
      if (a_.in) m += a_.out_off[u + 1] - a_.out_off[u];
      if (a_.out) m += a_.in_off[u + 1] - a_.in_off[u];
      if (m > limit) break;
    }
    return m;
  }

  // The aggregation's x (its length checked) and a_.w pointed at this iteration's weights.
  const double* fold_inputs() {
    check_length(agg_.x_slot, n_, "neighbor_agg", "node");
    if (agg_.weights_slot >= 0) check_length(agg_.weights_slot, graph_->num_edges(), "neighbor_agg", "edge");
    a_.w = edge_weights(*graph_, agg_.weights_slot >= 0 ? slots_[static_cast<std::size_t>(agg_.weights_slot)].template data<double>() : nullptr);
    return slots_[static_cast<std::size_t>(agg_.x_slot)].template data<double>();
  }

  void sparse_iteration() {
    candidates_current_ = false;
    const double* x = fold_inputs();
    if (agg_.op == AggOp::kSum) std::sort(frontier_.begin(), frontier_.end());  // the pull's order
    ensure_positions();
    reached_.clear();
    acc_.clear();
    a_.gathered = gathered_input();
    double bound = 0.0;
    if (const int threads = uniform_push_threads(bound); threads > 1) {
      push_frontier_uniform(a_, frontier_, bound, threads, position_, reached_, acc_, scratch_.push_lists);
    } else {
      push_frontier(agg_.combine, agg_.op, a_, frontier_, x, position_, reached_, acc_);
    }
    if (!loop_.frontier_guard) {  // with one, update_guard sets every reached node's entry
      for (NodeId v : reached_) position_[static_cast<std::size_t>(v)] = kUnreached;
    }
    apply_epilogue();
  }

  // Threads for a parallel push of a frontier whose values all have the bits of `bound` (BFS: a
  // level; push_frontier_uniform), or 1 for the serial push: a frontier with few edges (every
  // level of a road grid, told apart by the degree bound without reading offsets) or other
  // values. R-MAT 20 BFS's second level (196 hubs, 275K edges): 3.9 ms serial, 2.8 ms on two
  // threads. Road grid levels (up to 2,048 nodes, 8K edges) pushed on two threads made its whole
  // BFS 1.4x slower: the parallel region and the second pass cost more than the edges.
  int uniform_push_threads(double& bound) {
    constexpr std::int64_t kEdgesPerThread = 16384;
    const std::int64_t enough = max_threads() * kEdgesPerThread;  // counted no further
    if (enough < 2 * kEdgesPerThread || !can_stop()) return 1;
    const std::int64_t max_push_degree = (a_.in ? graph_->max_degree(false) : 0) + (a_.out ? graph_->max_degree(true) : 0);
    if (static_cast<std::int64_t>(frontier_.size()) * max_push_degree < 2 * kEdgesPerThread) return 1;
    const std::int64_t edges = frontier_edges(enough);
    if (edges < 2 * kEdgesPerThread) return 1;
    bool uniform = false;
    if (!stop_bound(bound, &uniform) || !uniform) return 1;
    return threads_for(edges, kEdgesPerThread);
  }

  // The first 8-byte array the epilogue gathers at the reached nodes (BFS: the levels), for the
  // push to prefetch as it reaches them; null when there is none.
  const double* gathered_input() const {
    for (std::size_t o = 0; o < epi_.operands.size(); ++o) {
      const Operand& op = epi_.operands[o];
      if (op.kind != OperandKind::kArray || !read_[o] || op.slot == agg_.out_slot || elem_size(op.type) != 8) continue;
      const Value& v = slots_[static_cast<std::size_t>(op.slot)];
      if (v.is_array() && v.length == n_) return static_cast<const double*>(v.raw_data());
    }
    return nullptr;
  }

  // The guard skips nodes whose yields are idle (BFS: visited ones) before they cost anything:
  // they are marked in the same array the push reads anyway.
  void ensure_positions() {
    if (position_valid_) return;
    position_.resize(static_cast<std::size_t>(n_));
    const std::uint8_t* guard = nullptr;
    if (loop_.frontier_guard) guard = guard_valid_ ? guard_bytes() : guard_everywhere();
    std::int32_t* position = position_.data();
    std::int64_t edges = 0;
#pragma omp parallel for num_threads(threads_for(n_, 1 << 16)) reduction(+ : edges)
    for (std::int64_t v = 0; v < n_; ++v) {
      const bool guarded = guard == nullptr || guard[v] != 0;
      position[v] = guarded ? kUnreached : kUnguarded;
      edges += degree(static_cast<NodeId>(v)) & -static_cast<std::int64_t>(guarded);
    }
    position_guarded_edges_ = edges;
    guarded_count_current_ = true;
    position_valid_ = true;
    candidates_valid_ = false;
  }

  // A bottom-up iteration (a large frontier, with a guard): pull at the guarded nodes that have
  // edges to pull along -- the only ones whose yields may change -- and run the epilogue where
  // the aggregate is not the fold's identity (elsewhere the yields are idle: lower_frontier.cpp).
  // Work: the candidates' scanned edges, not N; the list of candidates shrinks as the guard
  // turns false (BFS: as nodes are visited).
  void bottom_up_iteration() {
    const double* x = fold_inputs();
    ensure_positions();
    if (!candidates_valid_) {
      // Branch-free (as collect): whether a node qualifies is close to random on a skewed graph.
      candidates_.resize(static_cast<std::size_t>(n_));
      const EdgeOffset* in_off = a_.in_off;
      const EdgeOffset* out_off = a_.out_off;
      const bool in = a_.in, out = a_.out;
      const std::int32_t* position = position_.data();
      std::size_t k = 0;
      for (std::int64_t v = 0; v < n_; ++v) {
        candidates_[k] = static_cast<NodeId>(v);
        const bool edges = (in && in_off[v + 1] > in_off[v]) | (out && out_off[v + 1] > out_off[v]);
        k += static_cast<std::size_t>(edges & (position[v] != kUnguarded));
      }
      candidates_.resize(k);
      candidates_valid_ = true;
    } else if (!candidates_current_) {  // a sparse iteration changed guards since
      std::erase_if(candidates_, [&](NodeId v) { return position_[static_cast<std::size_t>(v)] == kUnguarded; });
    }
    const std::uint64_t* bits = frontier_bits();
    // The stop at the frontier's extreme value only when known: finding it reads x at every
    // frontier node (422K cache misses on an R-MAT level), and the candidates' edges are few.
    double bound = 0.0;
    bool uniform = false;
    const bool stop = bound_known() && stop_bound(bound, &uniform);
    pulled_.resize(candidates_.size());
    pull_nodes(agg_.combine, agg_.op, a_, candidates_, x, bits, PullStop{stop, stop && uniform, bound}, pulled_.data());
    // Reached: an aggregate other than the identity, bit for bit (a sum of -0.0 is not idle).
    const double identity_value = identity_of(agg_.op);
    std::uint64_t identity_bits;
    std::memcpy(&identity_bits, &identity_value, sizeof identity_bits);
    // Split, branch-free (on a large level most candidates are reached, on a small one few): the
    // reached, and the rest, which keep their carries and so their guard: still candidates.
    const std::size_t c = candidates_.size();
    reached_.resize(c);
    acc_.resize(c);
    kept_.resize(c);
    std::size_t k = 0, m = 0;
    for (std::size_t i = 0; i < c; ++i) {
      std::uint64_t b;
      std::memcpy(&b, &pulled_[i], sizeof b);
      const bool reached = b != identity_bits;
      reached_[k] = candidates_[i];
      acc_[k] = pulled_[i];
      kept_[m] = candidates_[i];
      k += reached;
      m += !reached;
    }
    reached_.resize(k);
    acc_.resize(k);
    kept_.resize(m);
    apply_epilogue();
    // The next candidates: the kept ones and the reached ones still guarded (update_guard), in
    // node order.
    if (reached_still_guarded_ == 0) {
      candidates_.swap(kept_);
    } else {
      candidates_.clear();
      std::size_t j = 0;
      auto add_reached_below = [&](std::int64_t limit) {
        for (; j < reached_.size() && reached_[j] < limit; ++j) {
          if (position_[static_cast<std::size_t>(reached_[j])] != kUnguarded) candidates_.push_back(reached_[j]);
        }
      };
      for (NodeId v : kept_) {
        add_reached_below(v);
        candidates_.push_back(v);
      }
      add_reached_below(n_);
    }
    candidates_current_ = true;
  }

  // After a sparse or bottom-up aggregation into acc_ at reached_: the epilogue there, its results
  // scattered into the carries, the new frontier listed.
  void apply_epilogue() {
    const std::int64_t t = static_cast<std::int64_t>(reached_.size());

    // The epilogue on the reached nodes: its array operands as short arrays in reached order.
    std::vector<int> gathered;  // operand indices
    for (std::size_t o = 0; o < epi_.operands.size(); ++o) {
      const Operand& op = epi_.operands[o];
      if (op.kind != OperandKind::kArray) continue;
      ensure_compact_array(compact_[static_cast<std::size_t>(op.slot)], op.type, t);
      if (op.slot != agg_.out_slot && read_[o]) {
        check_length(op.slot, n_, "neighbor_agg", "node");
        gathered.push_back(static_cast<int>(o));
      }
    }
    // Unreached nodes keep their carries and leave the frontier; reached ones take the results.
    for (std::size_t i = 0; i < loop_.carry_slots.size(); ++i) {
      if (loop_.frontier_outputs[i] >= 0) slots_[static_cast<std::size_t>(loop_.carry_slots[i])].make_sole_owner();
    }
    std::uint8_t* mask = slots_[static_cast<std::size_t>(mask_slot_)].template data<std::uint8_t>();
    if (mask_written_) {
      for (NodeId u : frontier_) mask[u] = 0;
    }
    const std::uint8_t* fresh_mask = nullptr;
    std::vector<std::pair<const Operand*, Value*>> scattered;  // compact yield -> carry
    for (std::size_t i = 0; i < loop_.carry_slots.size(); ++i) {
      const int o = loop_.frontier_outputs[i];
      if (o < 0) continue;
      const Operand& op = epi_.operands[static_cast<std::size_t>(o)];
      if (static_cast<int>(i) == loop_.frontier_mask && mask_lazy_ok_) {
        fresh_mask = compact_[static_cast<std::size_t>(op.slot)].template data<std::uint8_t>();
        continue;
      }
      scattered.emplace_back(&op, &slots_[static_cast<std::size_t>(loop_.carry_slots[i])]);
    }
    // The new x at the reached nodes, when x is a carry the epilogue yields (BFS: the levels):
    // the new frontier's part of it is folded for stop_bound while at hand.
    const Value* x_yield = can_stop() ? compact_yield(agg_.x_slot) : nullptr;
    const double* fresh_x = x_yield != nullptr && x_yield->type == DType::kFloat64 ? x_yield->template data<double>() : nullptr;
    bound_fold_ = BoundFold{};
    // Per range of reached nodes: gather, run, scatter (the reached nodes are distinct), fold.
    const Value& out = compact_[static_cast<std::size_t>(agg_.out_slot)];
    for_reached_ranges(t, [&](std::int64_t b, std::int64_t e, std::uint32_t& flags, std::int64_t&, std::int64_t&) {
      if (e <= b) return;
      std::memcpy(static_cast<double*>(out.storage->data()) + b, acc_.data() + b, static_cast<std::size_t>(e - b) * sizeof(double));
      for (int o : gathered) {
        const Operand& op = epi_.operands[static_cast<std::size_t>(o)];
        const std::size_t size = static_cast<std::size_t>(elem_size(op.type));
        gather_by_size(size, slots_[static_cast<std::size_t>(op.slot)].raw_data(), reached_.data() + b, e - b,
                       static_cast<char*>(compact_[static_cast<std::size_t>(op.slot)].storage->data()) + b * static_cast<std::int64_t>(size));
      }
      run_kernel_range(epi_, compact_, b, e, t, nullptr, &flags);
      for (const auto& [op, carry] : scattered) {
        const std::size_t size = static_cast<std::size_t>(elem_size(op->type));
        scatter_by_size(size, static_cast<const char*>(compact_[static_cast<std::size_t>(op->slot)].raw_data()) + b * static_cast<std::int64_t>(size),
                        reached_.data() + b, e - b, carry->storage->data());
      }
      if (fresh_x == nullptr) return;
      BoundFold part;
      for (std::int64_t j = b; j < e; ++j) {
        if ((fresh_mask != nullptr ? fresh_mask[j] : mask[reached_[static_cast<std::size_t>(j)]]) != 0) part.add(fresh_x[j], agg_.op);
      }
#pragma omp critical(fuseflow_frontier_bound)
      bound_fold_.merge(part, agg_.op);
    });
    frontier_.clear();
    bound_known_ = fresh_x != nullptr;
    // The mask bytes stay all false while iterations are sparse when the lazy rule allows: the
    // list is the frontier, and the bytes are written only when a dense iteration needs them.
    // Branch-free (as collect).
    frontier_.resize(static_cast<std::size_t>(t));
    std::size_t k = 0;
    for (std::int64_t j = 0; j < t; ++j) {
      const NodeId v = reached_[static_cast<std::size_t>(j)];
      frontier_[k] = v;
      k += (fresh_mask != nullptr ? fresh_mask[j] : mask[v]) != 0;
    }
    frontier_.resize(k);
    if (fresh_mask != nullptr) mask_written_ = false;
    if (loop_.frontier_guard) update_guard();
  }

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

}  // namespace

void run_frontier_loop(const LoopStep& loop, RunState& state, const std::function<void()>& dense_iteration) {
  // A min-plus fixpoint runs in one delta-stepping pass when its inputs allow (min_plus_loop.cpp).
  if (loop.frontier_min_plus >= 0 && frontier_setting() == Frontier::kAuto && run_min_plus_loop(loop, state)) return;
  FrontierLoop(loop, state).run(dense_iteration);
}

}  // namespace fuseflow::exec
