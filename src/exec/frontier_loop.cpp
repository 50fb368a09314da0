// Frontier loops (plan.h LoopStep::frontier_mask; marked by lower_frontier.cpp).
//
// The loop keeps its frontier -- the nodes whose mask carry is true -- as a list beside the mask.
// Each iteration picks its way by the frontier's edges (sparse_pays below: against the graph's,
// kPushFactor, and with a guard against the guarded nodes' edges):
// - sparse: push from the listed nodes into a scratch accumulator per reached node, run the
//   epilogue on the reached nodes only (their inputs gathered into short arrays), and scatter its
//   results into the carries in place. Every other node keeps its carries and gets mask false,
//   which lower_frontier.cpp proved is what the epilogue would compute there. Work: the frontier's
//   edges plus the reached nodes, never N.
// - bottom-up (with a guard, when the guarded nodes' edges are few): pull at the guarded nodes
//   with edges only (a shrinking list of candidates, in parallel), then the epilogue where the
//   aggregate is not the identity, as after a push. Work: the candidates and their edges.
// - dense: the body as written, pulling (the step's own push is for loops without a frontier),
//   then the list is rebuilt from the new mask (O(N), as the dense iteration itself).
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
        mask_slot_(loop.carry_slots.at(static_cast<std::size_t>(loop.frontier_mask))) {
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
  }

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
      } else if (loop_.frontier_guard && setting == Frontier::kAuto && bottom_up_pays()) {
        bottom_up_iteration();
      } else {
        dense(dense_iteration);
        collect();
      }
    }
  }

 private:
  // Values of the reached nodes, in reached order, from (into) an n-long array.
  void gather_reached(DType t, const void* src, void* dst) const {
    gather_by_size(static_cast<std::size_t>(elem_size(t)), src, reached_.data(), static_cast<std::int64_t>(reached_.size()), dst);
  }
  void scatter_reached(DType t, const void* src, void* dst) const {
    scatter_by_size(static_cast<std::size_t>(elem_size(t)), src, reached_.data(), static_cast<std::int64_t>(reached_.size()), dst);
  }

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
  // After a sparse or bottom-up iteration it is folded from the epilogue's compact yields, in
  // order (bound_known); else found by reading x at every frontier node.
  bool stop_bound(double& bound) const {
    bound = 0.0;
    if (!can_stop() || frontier_.empty()) return false;
    bool nan = false;
    bound = identity_of(agg_.op);
    if (bound_known()) {
      for (std::size_t j = 0; j < reached_.size(); ++j) {
        const bool in_frontier = bound_mask_ != nullptr
                                     ? bound_mask_[j] != 0
                                     : slots_[static_cast<std::size_t>(mask_slot_)].template data<std::uint8_t>()[reached_[j]] != 0;
        if (in_frontier) fold_bound(bound_x_[j], bound, nan);
      }
    } else {
      const double* x = slots_[static_cast<std::size_t>(agg_.x_slot)].template data<double>();
      for (NodeId u : frontier_) fold_bound(x[u], bound, nan);
    }
    return !nan && bound != 0.0;
  }

  // Whether the frontier's x is still in the last epilogue's compact yields (see apply_epilogue).
  bool bound_known() const { return bound_x_ != nullptr; }

  bool can_stop() const { return agg_.combine == AggCombine::kFirst && (agg_.op == AggOp::kMin || agg_.op == AggOp::kMax); }

  void fold_bound(double xu, double& bound, bool& nan) const {
    nan = nan || xu != xu;
    bound = agg_.op == AggOp::kMin ? std::min(bound, xu) : std::max(bound, xu);
  }

  // The guard of every node (LoopStep::frontier_guard), in its slot; returns the bytes.
  std::uint8_t* guard_everywhere() {
    const Kernel& guard = *loop_.frontier_guard;
    prepare_kernel_outputs(guard, slots_, n_);
    std::uint32_t flags = 0;
    run_kernel_range(guard, slots_, 0, n_, n_, nullptr, &flags);
    raise_kernel_errors(flags);
    return guard_bytes();
  }

  // Whether this iteration should run sparsely. A frontier with few edges (at most N / 16) always
  // does. Otherwise the push must cost less than the pull it replaces: its edges at most a
  // quarter of the graph's (kPushFactor); and with a guard, whose dense iteration folds only the
  // guarded nodes and stops at the first frontier neighbour (a bottom-up step), at most 1/14 of
  // the guarded nodes' edges (Beamer, Asanovic & Patterson's switch, alpha = 14). R-MAT 20 BFS:
  // the level of 422,043 frontier nodes (3.2M edges, 30,720 still guarded) took 16 ms pushed,
  // 7 ms pulled bottom-up; the next (30K edges) 1 ms pushed, 4.5 ms pulled (a dense iteration
  // costs O(N) whatever the guard: the kernels and the new frontier list).
  bool sparse_pays() {
    const std::int64_t pulled = graph_->num_edges() * (a_.in && a_.out ? 2 : 1);
    guarded_edges_ = -1;
    const std::int64_t few = n_ / 16;
    // Without counting when the largest degree bounds the frontier's edges (a road grid's every
    // level): the count reads each frontier node's offsets, a cache miss apiece.
    if (max_push_degree_ < 0) {
      std::int64_t d = 0;
      for (std::int64_t v = 0; v < n_; ++v) {
        std::int64_t k = 0;
        if (a_.in) k += a_.out_off[v + 1] - a_.out_off[v];
        if (a_.out) k += a_.in_off[v + 1] - a_.in_off[v];
        d = std::max(d, k);
      }
      max_push_degree_ = d;
    }
    if (static_cast<std::int64_t>(frontier_.size()) * max_push_degree_ <= few) return true;
    if (frontier_edges(few) <= few) return true;
    std::int64_t limit = pulled / kPushFactor;
    if (loop_.frontier_guard) {
      guarded_edges_ = guarded_edges();
      limit = std::min(limit, std::max(few, guarded_edges_ / 14));
    }
    return frontier_edges(limit) <= limit;
  }

  // Edges a dense iteration would fold: the guarded nodes' in-edges ("in"), out-edges ("out").
  // (From position_ when current -- kUnguarded is the guard's false -- else from the guard bytes.)
  std::int64_t guarded_edges() {
    const std::int32_t* position = position_valid_ ? position_.data() : nullptr;
    if (position == nullptr && !guard_valid_) {
      guard_everywhere();
      guard_valid_ = true;
    }
    const std::uint8_t* bytes = position == nullptr ? guard_bytes() : nullptr;
    const EdgeOffset* in_off = a_.in_off;
    const EdgeOffset* out_off = a_.out_off;
    const bool in = a_.in, out = a_.out;
    std::int64_t edges = 0;
#pragma omp parallel for num_threads(threads_for(n_, 1 << 16)) reduction(+ : edges)
    for (std::int64_t v = 0; v < n_; ++v) {
      // Branch-free: a guard half true at random mispredicted a branch per node (a third of a
      // dense R-MAT level).
      std::int64_t d = 0;
      if (in) d += in_off[v + 1] - in_off[v];
      if (out) d += out_off[v + 1] - out_off[v];
      const bool guarded = position != nullptr ? position[v] != kUnguarded : bytes[v] != 0;
      edges += d & -static_cast<std::int64_t>(guarded);
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

  // After a sparse iteration: the guard again at the reached nodes, the only ones whose carries
  // changed (gathered, run on the short arrays, scattered back).
  void update_guard() {
    const Kernel& guard = *loop_.frontier_guard;
    const std::int64_t t = static_cast<std::int64_t>(reached_.size());
    for (const Operand& op : guard.operands) {
      if (op.kind != OperandKind::kArray) continue;
      Value& c = compact_[static_cast<std::size_t>(op.slot)];
      ensure_writable_array(c, op.type, t);
      const bool output = &op == &guard.operands[static_cast<std::size_t>(guard.outputs[0])];
      if (output) continue;
      // A carry the epilogue yields: its new values at the reached nodes are still in the
      // epilogue's compact output, in reached order (a copy, not another random gather).
      const Value* fresh = compact_yield(op.slot);
      if (fresh != nullptr && fresh->type == op.type) {
        if (t > 0) std::memcpy(c.storage->data(), fresh->raw_data(), static_cast<std::size_t>(t) * elem_size(op.type));
      } else {
        gather_reached(op.type, slots_[static_cast<std::size_t>(op.slot)].raw_data(), c.storage->data());
      }
    }
    std::uint32_t flags = 0;
    run_kernel_range(guard, compact_, 0, t, t, nullptr, &flags);
    raise_kernel_errors(flags);
    const Operand& out = guard.operands[static_cast<std::size_t>(guard.outputs[0])];
    const std::uint8_t* fresh = compact_[static_cast<std::size_t>(out.slot)].template data<std::uint8_t>();
    for (std::int64_t j = 0; j < t; ++j) {
      position_[static_cast<std::size_t>(reached_[static_cast<std::size_t>(j)])] = fresh[j] ? kUnreached : kUnguarded;
    }
    guard_valid_ = false;  // the guard bytes are stale at the reached nodes; position_ is current
  }

  // The list from the mask (in node order).
  void collect() {
    bound_x_ = nullptr;
    check_length(mask_slot_, n_, "active", "node");
    const std::uint8_t* m = slots_[static_cast<std::size_t>(mask_slot_)].template data<std::uint8_t>();
    // Branch-free: a large frontier's mask is too irregular for a predicted branch.
    frontier_.resize(static_cast<std::size_t>(n_));
    std::size_t k = 0;
    for (std::int64_t v = 0; v < n_; ++v) {
      frontier_[k] = static_cast<NodeId>(v);
      k += m[v] != 0;
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
    const double* x = fold_inputs();
    if (agg_.op == AggOp::kSum) std::sort(frontier_.begin(), frontier_.end());  // the pull's order
    ensure_positions();
    reached_.clear();
    acc_.clear();
    a_.gathered = gathered_input();
    push_frontier(agg_.combine, agg_.op, a_, frontier_, x, position_, reached_, acc_);
    if (!loop_.frontier_guard) {  // with one, update_guard sets every reached node's entry
      for (NodeId v : reached_) position_[static_cast<std::size_t>(v)] = kUnreached;
    }
    apply_epilogue();
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
    for (std::int64_t v = 0; v < n_; ++v) position_[static_cast<std::size_t>(v)] = guard == nullptr || guard[v] ? kUnreached : kUnguarded;
    position_valid_ = true;
    candidates_valid_ = false;
  }

  // Whether a bottom-up iteration beats a dense one: when the guarded nodes' edges (counted by
  // sparse_pays) are at most N/4, so are the candidates, each having one at least. Else most
  // nodes are candidates and many are reached, and the compact epilogue's gathers and scatters
  // cost more than the dense kernels over N (R-MAT 20 BFS: 450K candidates, 16 ms bottom-up
  // against 10 ms dense; 28K candidates, 2.7 ms against 6.7 ms).
  bool bottom_up_pays() const { return guarded_edges_ >= 0 && guarded_edges_ <= n_ / 4; }

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
    } else {
      std::erase_if(candidates_, [&](NodeId v) { return position_[static_cast<std::size_t>(v)] == kUnguarded; });
    }
    const std::uint64_t* bits = frontier_bits();
    // The stop at the frontier's extreme value only when known: finding it reads x at every
    // frontier node (422K cache misses on an R-MAT level), and the candidates' edges are few.
    double bound = 0.0;
    const bool stop = bound_known() && stop_bound(bound);
    pulled_.resize(candidates_.size());
    pull_nodes(agg_.combine, agg_.op, a_, candidates_, x, bits, stop, bound, pulled_.data());
    // Reached: an aggregate other than the identity, bit for bit (a sum of -0.0 is not idle).
    const double identity_value = identity_of(agg_.op);
    std::uint64_t identity_bits;
    std::memcpy(&identity_bits, &identity_value, sizeof identity_bits);
    reached_.clear();
    acc_.clear();
    for (std::size_t i = 0; i < candidates_.size(); ++i) {
      std::uint64_t b;
      std::memcpy(&b, &pulled_[i], sizeof b);
      if (b == identity_bits) continue;
      reached_.push_back(candidates_[i]);
      acc_.push_back(pulled_[i]);
    }
    apply_epilogue();
  }

  // After a sparse or bottom-up aggregation into acc_ at reached_: the epilogue there, its results
  // scattered into the carries, the new frontier listed.
  void apply_epilogue() {
    const std::int64_t t = static_cast<std::int64_t>(reached_.size());

    // The epilogue on the reached nodes: its array operands as short arrays in reached order.
    for (std::size_t o = 0; o < epi_.operands.size(); ++o) {
      const Operand& op = epi_.operands[o];
      if (op.kind != OperandKind::kArray) continue;
      Value& c = compact_[static_cast<std::size_t>(op.slot)];
      ensure_writable_array(c, op.type, t);
      if (op.slot == agg_.out_slot) {
        if (t > 0) std::memcpy(c.storage->data(), acc_.data(), static_cast<std::size_t>(t) * sizeof(double));
      } else if (read_[o]) {
        check_length(op.slot, n_, "neighbor_agg", "node");
        gather_reached(op.type, slots_[static_cast<std::size_t>(op.slot)].raw_data(), c.storage->data());
      }
    }
    std::uint32_t flags = 0;
    run_kernel_range(epi_, compact_, 0, t, t, nullptr, &flags);
    raise_kernel_errors(flags);

    // Unreached nodes keep their carries and leave the frontier; reached ones take the results.
    for (std::size_t i = 0; i < loop_.carry_slots.size(); ++i) {
      if (loop_.frontier_outputs[i] >= 0) slots_[static_cast<std::size_t>(loop_.carry_slots[i])].make_sole_owner();
    }
    std::uint8_t* mask = slots_[static_cast<std::size_t>(mask_slot_)].template data<std::uint8_t>();
    if (mask_written_) {
      for (NodeId u : frontier_) mask[u] = 0;
    }
    const std::uint8_t* fresh_mask = nullptr;
    for (std::size_t i = 0; i < loop_.carry_slots.size(); ++i) {
      const int o = loop_.frontier_outputs[i];
      if (o < 0) continue;
      const Operand& op = epi_.operands[static_cast<std::size_t>(o)];
      if (static_cast<int>(i) == loop_.frontier_mask && mask_lazy_ok_) {
        fresh_mask = compact_[static_cast<std::size_t>(op.slot)].template data<std::uint8_t>();
        continue;
      }
      Value& carry = slots_[static_cast<std::size_t>(loop_.carry_slots[i])];
      scatter_reached(op.type, compact_[static_cast<std::size_t>(op.slot)].raw_data(), carry.storage->data());
    }
    frontier_.clear();
    // The new x at the reached nodes, when x is a carry the epilogue yields (BFS: the levels).
    const Value* x_yield = can_stop() ? compact_yield(agg_.x_slot) : nullptr;
    const double* fresh_x = x_yield != nullptr && x_yield->type == DType::kFloat64 ? x_yield->template data<double>() : nullptr;
    // Where to find the new frontier's x later (stop_bound), while compact_ still holds it.
    bound_x_ = fresh_x;
    bound_mask_ = fresh_mask;
    for (std::int64_t j = 0; j < t; ++j) {
      // The mask bytes stay all false while iterations are sparse when the lazy rule allows: the
      // list is the frontier, and the bytes are written only when a dense iteration needs them.
      const NodeId v = reached_[static_cast<std::size_t>(j)];
      if (fresh_mask != nullptr ? fresh_mask[j] == 0 : mask[v] == 0) continue;
      frontier_.push_back(v);
    }
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
  FrontierEdges a_{};
  std::vector<char> read_;
  std::vector<Value> compact_;
  std::vector<NodeId> frontier_, reached_;
  // Per node: its slot in acc_ while a sparse push reaches it, else kUnreached, or kUnguarded
  // where the guard is false (the push skips it). Valid across sparse iterations.
  std::vector<std::int32_t> position_;
  bool position_valid_ = false;
  bool mask_lazy_ok_ = false;  // see the constructor
  bool mask_written_ = true;   // the mask carry's bytes are the frontier (else all false)
  std::vector<std::uint64_t> bits_;  // the frontier as bits, for dense and bottom-up iterations
  std::vector<NodeId> candidates_;   // bottom-up: guarded nodes with edges to pull along
  bool candidates_valid_ = false;
  std::int64_t guarded_edges_ = -1;  // counted by the last sparse_pays, else -1
  // The new frontier's x and mask bytes in reached_ order (compact yields of the last epilogue),
  // or null when the frontier came from collect().
  const double* bound_x_ = nullptr;
  const std::uint8_t* bound_mask_ = nullptr;
  std::vector<double> pulled_;       // bottom-up: each candidate's aggregate
  std::int64_t max_push_degree_ = -1;  // the most edges one node pushes along (computed once)
  std::vector<double> acc_;
  bool guard_valid_ = false;  // the guard slot holds every node's guard for the current carries
};

}  // namespace

void run_frontier_loop(const LoopStep& loop, RunState& state, const std::function<void()>& dense_iteration) {
  // A min-plus fixpoint runs in one delta-stepping pass when its inputs allow (min_plus_loop.cpp).
  if (loop.frontier_min_plus >= 0 && frontier_setting() == Frontier::kAuto && run_min_plus_loop(loop, state)) return;
  FrontierLoop(loop, state).run(dense_iteration);
}

}  // namespace fuseflow::exec
