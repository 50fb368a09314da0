// memory_planning: liveness-based buffer reuse. Walking each block in order, an array whose last
// reader has run returns its buffer to a pool; a new array of the same dtype and length takes a
// buffer from the pool (the most recently freed: still warm in cache) instead of a fresh one.
// Recorded as Program::storage (`%9:f64[N]@%5`: %9 is written into %5's buffer); the executor
// then gives both the same slot, so a loop body reuses a handful of buffers every iteration.
//
// In-place updates: a fused op may write a result into the buffer of an array it reads for the
// last time, when the instruction computing that result comes no earlier than the region's last
// read of the array (each block of elements is read before it is overwritten). A fused_agg's
// aggregate is written straight into one of its epilogue's results when that result is computed
// after the epilogue's last read of the aggregate (the shape of a hand-written PageRank: one node
// array for the aggregate and the new ranks).
//
// Never planned: program inputs (borrowed), loop carries, loop results and loop-body yields (their
// buffers swap between iterations), degree arrays (views of the graph), arrays read by a loop op
// (a loop may keep a reference to its init), scalars. Nothing crosses a region edge.
#include <algorithm>
#include <vector>

#include "fuseflow/opt/pass_manager.h"
#include "opt/fusion.h"

namespace fuseflow::opt {

namespace {

using ir::OpCode;
using ir::ValueId;

bool is_loop(const ir::Op& op) { return op.code == OpCode::kLoop || op.code == OpCode::kWhile; }

// Ops whose array results are written by the executor into a buffer of their own.
bool writes_own_buffer(const ir::Op& op) {
  switch (op.code) {
    case OpCode::kOutDegree:
    case OpCode::kInDegree:
    case OpCode::kLoop:
    case OpCode::kWhile:
      return false;
    default:
      return true;
  }
}

class MemoryPlanning {
 public:
  explicit MemoryPlanning(ir::Program& p) : p_(p) {}

  // Plans from scratch; "changed" means the plan differs from the one the program had.
  bool run() {
    std::vector<ValueId> before = std::move(p_.storage);
    before.resize(p_.values.size(), ir::kNoValue);
    p_.storage.assign(p_.values.size(), ir::kNoValue);
    taken_.assign(p_.values.size(), 0);
    detail::for_each_loop_block(p_.body, [this](ir::Block& b, bool loop_body) { block(b, loop_body); });
    const bool changed = p_.storage != before;
    if (std::all_of(p_.storage.begin(), p_.storage.end(), [](ValueId u) { return u == ir::kNoValue; })) p_.storage.clear();
    return changed;
  }

 private:
  void block(ir::Block& b, bool loop_body) {
    const std::size_t n = p_.values.size();
    const int end = static_cast<int>(b.ops.size());
    std::vector<int> last_use(n, -1);
    std::vector<char> feeds_loop(n, 0), plannable(n, 0), yielded(n, 0);
    std::vector<std::vector<ValueId>> reads(b.ops.size());  // what each op reads
    for (int i = 0; i < end; ++i) {
      const ir::Op& op = b.ops[static_cast<std::size_t>(i)];
      ir::collect_reads(op, reads[static_cast<std::size_t>(i)]);
      for (ValueId v : reads[static_cast<std::size_t>(i)]) {
        last_use[static_cast<std::size_t>(v)] = i;
        if (is_loop(op)) feeds_loop[static_cast<std::size_t>(v)] = 1;
      }
      if (writes_own_buffer(op)) {
        for (ValueId r : op.results) plannable[static_cast<std::size_t>(r)] = p_.type(r).is_array();
      }
    }
    for (ValueId y : b.yields) {
      last_use[static_cast<std::size_t>(y)] = end;
      yielded[static_cast<std::size_t>(y)] = 1;
    }
    std::vector<ValueId> pool;  // free buffers (by the value that last held them), newest last
    for (int i = 0; i < end; ++i) {
      ir::Op& op = b.ops[static_cast<std::size_t>(i)];
      // Arrays read for the last time by this op: candidates for an in-place result.
      std::vector<ValueId> dying;
      for (ValueId v : reads[static_cast<std::size_t>(i)]) {
        if (last_use[static_cast<std::size_t>(v)] == i && plannable[static_cast<std::size_t>(v)] && !feeds_loop[static_cast<std::size_t>(v)] &&
            std::find(dying.begin(), dying.end(), v) == dying.end()) {
          dying.push_back(v);
        }
      }
      for (std::size_t k = 0; k < op.results.size(); ++k) {
        const ValueId v = op.results[k];
        if (!plannable[static_cast<std::size_t>(v)] || (loop_body && yielded[static_cast<std::size_t>(v)])) continue;
        ValueId u = take_in_place(op, k, dying);
        if (u == ir::kNoValue) u = take(pool, v);
        if (u == ir::kNoValue) continue;
        p_.storage[static_cast<std::size_t>(v)] = u;
      }
      if (op.code == OpCode::kFusedAgg) plan_aggregate(op, dying);
      // Buffers of arrays dead after this op (and not just taken in place) return to the pool.
      for (ValueId v : dying) {
        if (!taken(v)) pool.push_back(v);
      }
      for (ValueId r : op.results) {  // a result nobody reads is free right away
        if (plannable[static_cast<std::size_t>(r)] && last_use[static_cast<std::size_t>(r)] < 0 && !taken(r)) pool.push_back(r);
      }
    }
  }

  bool taken(ValueId u) const { return taken_[static_cast<std::size_t>(u)] != 0; }

  bool same_buffer_shape(ValueId v, ValueId u) const {
    const ir::Type& a = p_.type(v);
    const ir::Type& b = p_.type(u);
    return a.is_array() && b.is_array() && a.dtype == b.dtype && a.length == b.length;
  }

  ValueId take(std::vector<ValueId>& pool, ValueId v) {
    for (std::size_t k = pool.size(); k-- > 0;) {
      const ValueId u = pool[k];
      if (!same_buffer_shape(v, u)) continue;
      pool.erase(pool.begin() + static_cast<std::ptrdiff_t>(k));
      taken_[static_cast<std::size_t>(u)] = 1;
      return u;
    }
    return ir::kNoValue;
  }

  // Last position in `body` reading v (-1: none).
  static int last_read_in(const ir::Block& body, ValueId v) {
    int last = -1;
    for (std::size_t j = 0; j < body.ops.size(); ++j) {
      const auto& o = body.ops[j].operands;
      if (std::find(o.begin(), o.end(), v) != o.end()) last = static_cast<int>(j);
    }
    return last;
  }

  // A dying array the fused op reads only at or before the instruction computing result k.
  ValueId take_in_place(const ir::Op& op, std::size_t k, const std::vector<ValueId>& dying) {
    if (op.code != OpCode::kFused && op.code != OpCode::kFusedAgg) return ir::kNoValue;
    const ir::Block& body = op.regions.back();
    const int written_at = detail::def_position(body, body.yields[k], body.ops.size());
    if (written_at < 0) return ir::kNoValue;  // yields a region argument: no instruction writes it
    for (ValueId u : dying) {
      if (taken(u) || !same_buffer_shape(op.results[k], u)) continue;
      // The gather of a fused_agg reads its operands at random: never overwrite those.
      if (std::find(op.operands.begin(), op.operands.end(), u) != op.operands.end()) continue;
      if (op.code == OpCode::kFusedAgg && last_read_in(op.regions[0], u) >= 0) continue;
      if (last_read_in(body, u) > written_at) continue;
      if (std::find(body.yields.begin(), body.yields.end(), u) != body.yields.end()) continue;
      taken_[static_cast<std::size_t>(u)] = 1;
      return u;
    }
    return ir::kNoValue;
  }

  // The aggregate goes into the first result of its type computed after its last epilogue read.
  // Not into a result updating an array the epilogue reads in place: the gather would overwrite
  // that array's chunk before the epilogue reads it.
  void plan_aggregate(const ir::Op& op, const std::vector<ValueId>& dying) {
    const ir::Block& epi = op.regions[1];
    const ValueId a = epi.args[0];
    if (std::find(epi.yields.begin(), epi.yields.end(), a) != epi.yields.end()) return;  // already a result
    const int last = last_read_in(epi, a);
    for (std::size_t k = 0; k < epi.yields.size(); ++k) {
      const int at = detail::def_position(epi, epi.yields[k], epi.ops.size());
      if (at < 0 || at < last || !(p_.type(op.results[k]) == p_.type(a))) continue;
      const ValueId holder = p_.storage[static_cast<std::size_t>(op.results[k])];
      if (holder != ir::kNoValue && std::find(dying.begin(), dying.end(), holder) != dying.end()) continue;
      p_.storage[static_cast<std::size_t>(a)] = op.results[k];
      return;
    }
  }

  ir::Program& p_;
  std::vector<char> taken_;  // value -> its buffer went to a later value
};

}  // namespace

bool memory_planning(ir::Program& program) { return MemoryPlanning(program).run(); }

}  // namespace fuseflow::opt
