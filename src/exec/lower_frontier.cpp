// Frontier loops: marks the while loops that may run sparsely (plan.h LoopStep::frontier_mask).
//
// The shape (what BFS, Bellman-Ford and min-label components written with ff.while_loop lower to
// once neighbor_fusion has run):
//
//   while (any(mask)) { agg = neighbor_agg(g, x, op, combine=..., active=mask)
//                       carries', mask' = epilogue(agg, carries, ...) }
//
// A node that no active edge reaches gets the aggregation's identity (+inf for min, -inf for
// max, 0 for sum). If the epilogue, given that identity, yields every carry unchanged and mask'
// false -- whatever the carries hold -- then an iteration only has to compute the nodes the
// frontier reaches, and the loop's work is the frontier's edges instead of N per iteration.
//
// That property is proved here on the epilogue's bytecode by abstract interpretation: each
// operand is a known constant, "carry i unchanged", or unknown. Only rules that hold for every
// value, NaN and signed zeros included, are used: a comparison of constants folds; x < x and
// x > x are false; false & y is false; where(false, a, b) is b; minimum(x, +inf) and
// maximum(x, -inf) are x (the identity of the fold is the only constant needed). Anything else
// is unknown, and the loop then runs densely as before: the analysis may miss, never lie.
#include <cmath>
#include <vector>

#include "exec/semiring_fold.h"
#include "lowerer.h"

namespace fuseflow::exec::lowering {

namespace {

struct Abstract {
  enum Kind : std::uint8_t { kUnknown, kConstant, kCarry } kind = kUnknown;
  double value = 0.0;  // kConstant (bool: 0 or 1)
  int carry = -1;      // kCarry
  static Abstract constant(double v) { return {kConstant, v, -1}; }
  bool is_false() const { return kind == kConstant && value == 0.0; }
  bool is_true() const { return kind == kConstant && value != 0.0 && !std::isnan(value); }
  bool same_carry(const Abstract& o) const { return kind == kCarry && o.kind == kCarry && carry == o.carry; }
};

bool find_constant(const std::vector<ConstantInit>& constants, int slot, Abstract& out) {
  for (const ConstantInit& c : constants) {
    if (c.slot != slot) continue;
    if (!is_float(c.type) && c.type != DType::kBool) return false;  // ints beyond 2^53: not needed
    out = Abstract::constant(is_float(c.type) ? c.f64 : static_cast<double>(c.i64 != 0));
    return true;
  }
  return false;
}

Abstract compare(exec::OpCode op, const Abstract& a, const Abstract& b) {
  if (a.kind == Abstract::kConstant && b.kind == Abstract::kConstant) {
    switch (op) {
      case exec::OpCode::kEq: return Abstract::constant(a.value == b.value);
      case exec::OpCode::kNe: return Abstract::constant(a.value != b.value);
      case exec::OpCode::kLt: return Abstract::constant(a.value < b.value);
      case exec::OpCode::kLe: return Abstract::constant(a.value <= b.value);
      case exec::OpCode::kGt: return Abstract::constant(a.value > b.value);
      case exec::OpCode::kGe: return Abstract::constant(a.value >= b.value);
      default: return {};
    }
  }
  // x < x and x > x are false for every x, NaN included (x <= x, x == x are not: NaN).
  if ((op == exec::OpCode::kLt || op == exec::OpCode::kGt) && a.same_carry(b)) return Abstract::constant(0.0);
  return {};
}

// The abstract result of one instruction (float or bool operands; see the file comment).
Abstract step(const Instr& in, const std::vector<Abstract>& v) {
  auto at = [&](int i) { return i >= 0 ? v[static_cast<std::size_t>(i)] : Abstract{}; };
  const Abstract a = at(in.a), b = at(in.b), c = at(in.c);
  const bool boolean = in.type == DType::kBool;
  switch (in.op) {
    case exec::OpCode::kEq: case exec::OpCode::kNe: case exec::OpCode::kLt: case exec::OpCode::kLe: case exec::OpCode::kGt: case exec::OpCode::kGe:
      return is_float(in.type) || boolean ? compare(in.op, a, b) : Abstract{};
    case exec::OpCode::kAnd:
      if (!boolean) return {};
      if (a.is_false() || b.is_false()) return Abstract::constant(0.0);
      if (a.is_true()) return b;
      if (b.is_true()) return a;
      return {};
    case exec::OpCode::kOr:
      if (!boolean) return {};
      if (a.is_true() || b.is_true()) return Abstract::constant(1.0);
      if (a.is_false()) return b;
      if (b.is_false()) return a;
      return {};
    case exec::OpCode::kNot:
      if (boolean && a.kind == Abstract::kConstant) return Abstract::constant(a.value == 0.0);
      return {};
    case exec::OpCode::kWhere:
      if (a.is_false()) return c;
      if (a.is_true()) return b;
      if (b.same_carry(c)) return b;
      return {};
    case exec::OpCode::kMinimum:
    case exec::OpCode::kMaximum: {
      if (!is_float(in.type)) return {};
      const double neutral = in.op == exec::OpCode::kMinimum ? INFINITY : -INFINITY;
      if (b.kind == Abstract::kConstant && b.value == neutral) return a;
      if (a.kind == Abstract::kConstant && a.value == neutral) return b;
      return {};
    }
    case exec::OpCode::kCopy:
      return a;
    default:
      return {};
  }
}

// Whether `loop` has the frontier shape; fills frontier_mask / frontier_outputs if so.
void mark(LoopStep& loop, const std::vector<ConstantInit>& constants) {
  if (loop.kind != LoopStep::kWhile || loop.body.size() != 1 || loop.cond.size() != 1) return;
  const Step& body = loop.body[0];
  const Step& cond = loop.cond[0];
  if (body.kind != Step::kNeighborAgg || cond.kind != Step::kAxisReduce) return;
  const NeighborAggStep& agg = body.agg;
  const AxisReduceStep& any = *cond.axis_reduce;
  if (agg.combine == AggCombine::kNone || agg.active_slot < 0 || !agg.epilogue || agg.prologue || agg.edge_kernel) return;
  // min/max fold in any order; a sum only over in-edges, pushed in increasing source order (the
  // pull's order: same bits); mean never.
  if (!(agg.op == AggOp::kMin || agg.op == AggOp::kMax || (agg.op == AggOp::kSum && agg.direction == AggDirection::kIn))) return;
  const std::size_t k = loop.carry_slots.size();
  int mask = -1;
  for (std::size_t i = 0; i < k; ++i) {
    if (loop.carry_slots[i] == agg.active_slot) mask = static_cast<int>(i);
  }
  if (mask < 0 || any.kind != AxisReduceStep::kAny || !any.scalar_result || any.out_slot != loop.cond_slot ||
      loop.cond_arg_slots.size() != k || any.x_slot != loop.cond_arg_slots[static_cast<std::size_t>(mask)]) {
    return;
  }
  const Kernel& epi = *agg.epilogue;
  if (!epi.reductions.empty() || !epi.strided_reads.empty()) return;
  std::vector<Abstract> v(epi.operands.size());
  for (std::size_t o = 0; o < epi.operands.size(); ++o) {
    const Operand& op = epi.operands[o];
    if (op.kind == OperandKind::kStrided) return;
    if (op.kind == OperandKind::kBroadcast) {
      find_constant(constants, op.slot, v[o]);
    } else if (op.kind == OperandKind::kArray) {
      if (op.slot == agg.out_slot) v[o] = Abstract::constant(identity_of(agg.op));
      for (std::size_t i = 0; i < k; ++i) {
        if (op.slot == loop.carry_slots[i]) v[o] = {Abstract::kCarry, 0.0, static_cast<int>(i)};
      }
    }
  }
  for (const Instr& in : epi.code) {
    if (in.op == exec::OpCode::kIota || in.op == exec::OpCode::kReduce) return;  // global index / whole-array
    if (in.dst < 0) continue;
    const Abstract r = step(in, v);
    const Operand& dst = epi.operands[static_cast<std::size_t>(in.dst)];
    v[static_cast<std::size_t>(in.dst)] = r;
    // A slot written in place (the aggregate's, reused by memory planning) may have several
    // operands: every one of them now holds the result.
    for (std::size_t o = 0; o < epi.operands.size(); ++o) {
      if (dst.kind == OperandKind::kArray && epi.operands[o].kind == OperandKind::kArray && epi.operands[o].slot == dst.slot) v[o] = r;
    }
  }
  // Every output must be a yield (or the aggregate's own slot, written in place), and each carry's
  // yield must be provably unchanged -- the mask's provably false -- at unreached nodes.
  std::vector<int> outputs(k, -1);
  for (int o : epi.outputs) {
    const int s = epi.operands[static_cast<std::size_t>(o)].slot;
    bool used = s == agg.out_slot;
    for (std::size_t i = 0; i < k; ++i) {
      if (loop.yield_slots[i] == s) {
        outputs[i] = o;
        used = true;
      }
    }
    if (!used) return;
  }
  for (std::size_t i = 0; i < k; ++i) {
    if (outputs[i] < 0) {
      if (loop.yield_slots[i] != loop.carry_slots[i] || static_cast<int>(i) == mask) return;
      continue;
    }
    const Abstract& r = v[static_cast<std::size_t>(outputs[i])];
    const bool ok = static_cast<int>(i) == mask ? r.is_false() : r.kind == Abstract::kCarry && r.carry == static_cast<int>(i);
    if (!ok) return;
  }
  loop.frontier_mask = mask;
  loop.frontier_outputs = std::move(outputs);
}

void mark_all(std::vector<Step>& steps, const std::vector<ConstantInit>& constants) {
  for (Step& s : steps) {
    if (s.kind == Step::kLoop) {
      mark_all(s.loop->body, constants);
      mark(*s.loop, constants);
    }
  }
}

}  // namespace

void Lowerer::mark_frontier_loops(std::vector<Step>& steps) { mark_all(steps, plan_.constants); }

}  // namespace fuseflow::exec::lowering
