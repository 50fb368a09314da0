// A frontier loop's work at the reached nodes (frontier_loop_state.h): the epilogue on them
// after a push or a pull, the guard updated there, and the bottom-up iteration.
#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "exec/frontier_folds.h"
#include "exec/frontier_loop_state.h"
#include "exec/frontier_scratch.h"
#include "exec/gather_by_size.h"
#include "exec/graph_steps.h"
#include "exec/semiring_fold.h"

namespace fuseflow::exec::detail {

// After a sparse iteration: the guard again at the reached nodes, the only ones whose carries
// changed (gathered, run on the short arrays, scattered back).
void FrontierLoop::update_guard() {
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

// A bottom-up iteration (a large frontier, with a guard): pull at the guarded nodes that have
// edges to pull along -- the only ones whose yields may change -- and run the epilogue where
// the aggregate is not the fold's identity (elsewhere the yields are idle: lower_frontier.cpp).
// Work: the candidates' scanned edges, not N; the list of candidates shrinks as the guard
// turns false (BFS: as nodes are visited).
void FrontierLoop::bottom_up_iteration() {
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
void FrontierLoop::apply_epilogue() {
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
}  // namespace fuseflow::exec::detail
