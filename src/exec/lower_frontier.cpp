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
//
// The same analysis finds a guard when there is one: a bool the epilogue computes from the carries
// alone (BFS: level == inf, "not visited yet") such that where it is false the yields are idle
// whatever the aggregate. A dense iteration then folds only the nodes where it holds, and for min
// / max of combine="first" stops a node's edge scan once the aggregate reaches the frontier's
// extreme value (BFS: the first frontier parent found) -- a bottom-up step, derived from the
// program rather than written for BFS.
#include <cmath>
#include <functional>
#include <string>
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

// The epilogue's operands after running its instructions abstractly: the aggregate is `agg_value`
// and, when `forced` >= 0, instruction `forced` yields constant false. False: an instruction the
// analysis refuses (a global index or a whole-array reduction).
bool evaluate(const Kernel& epi, const NeighborAggStep& agg, const LoopStep& loop, const std::vector<ConstantInit>& constants,
              const Abstract& agg_value, int forced, std::vector<Abstract>& v) {
  v.assign(epi.operands.size(), Abstract{});
  for (std::size_t o = 0; o < epi.operands.size(); ++o) {
    const Operand& op = epi.operands[o];
    if (op.kind == OperandKind::kBroadcast) {
      find_constant(constants, op.slot, v[o]);
    } else if (op.kind == OperandKind::kArray) {
      if (op.slot == agg.out_slot) v[o] = agg_value;
      for (std::size_t i = 0; i < loop.carry_slots.size(); ++i) {
        if (op.slot == loop.carry_slots[i]) v[o] = {Abstract::kCarry, 0.0, static_cast<int>(i)};
      }
    }
  }
  for (std::size_t j = 0; j < epi.code.size(); ++j) {
    const Instr& in = epi.code[j];
    if (in.op == exec::OpCode::kIota || in.op == exec::OpCode::kReduce) return false;
    if (in.dst < 0) continue;
    const Abstract r = static_cast<int>(j) == forced ? Abstract::constant(0.0) : step(in, v);
    const Operand& dst = epi.operands[static_cast<std::size_t>(in.dst)];
    v[static_cast<std::size_t>(in.dst)] = r;
    // A slot written in place (the aggregate's, reused by memory planning) may have several
    // operands: every one of them now holds the result.
    for (std::size_t o = 0; o < epi.operands.size(); ++o) {
      if (dst.kind == OperandKind::kArray && epi.operands[o].kind == OperandKind::kArray && epi.operands[o].slot == dst.slot) v[o] = r;
    }
  }
  return true;
}

// Whether the yields are idle: each carry unchanged, the mask false (outputs[i]: the operand
// yielding carry i, -1 when the body passes it on).
bool idle(const std::vector<Abstract>& v, const std::vector<int>& outputs, int mask) {
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (outputs[i] < 0) continue;
    const Abstract& r = v[static_cast<std::size_t>(outputs[i])];
    const bool ok = static_cast<int>(i) == mask ? r.is_false() : r.kind == Abstract::kCarry && r.carry == static_cast<int>(i);
    if (!ok) return false;
  }
  return true;
}

// A guard (see LoopStep::frontier_guard): a bool computed by the epilogue from the carries and
// loop-invariant values alone, in registers, such that where it is false the yields are idle
// whatever the aggregate. Returns the guard kernel (its one output in `guard_slot`), or null.
std::shared_ptr<Kernel> find_guard(const Kernel& epi, const NeighborAggStep& agg, const LoopStep& loop,
                                   const std::vector<ConstantInit>& constants, const std::vector<int>& outputs, int mask,
                                   const std::function<int()>& new_guard_slot) {
  const std::size_t nops = epi.operands.size();
  // Operands whose value depends on the aggregate, and array operands some instruction writes.
  std::vector<char> tainted(nops, 0), written(nops, 0);
  for (std::size_t o = 0; o < nops; ++o) {
    tainted[o] = epi.operands[o].kind == OperandKind::kArray && epi.operands[o].slot == agg.out_slot;
  }
  for (const Instr& in : epi.code) {
    if (in.dst < 0) continue;
    bool t = false;
    for (int o : {in.a, in.b, in.c}) t = t || (o >= 0 && tainted[static_cast<std::size_t>(o)]);
    tainted[static_cast<std::size_t>(in.dst)] = t;
    if (epi.operands[static_cast<std::size_t>(in.dst)].kind == OperandKind::kArray) written[static_cast<std::size_t>(in.dst)] = 1;
  }
  std::vector<Abstract> v;
  for (std::size_t j = 0; j < epi.code.size(); ++j) {
    const Instr& in = epi.code[j];
    // (A comparison's Instr::type is its operands' type: the result's is the operand's.)
    if (in.dst < 0 || epi.operands[static_cast<std::size_t>(in.dst)].type != DType::kBool ||
        tainted[static_cast<std::size_t>(in.dst)] || epi.operands[static_cast<std::size_t>(in.dst)].kind != OperandKind::kRegister) {
      continue;
    }
    if (!evaluate(epi, agg, loop, constants, Abstract{}, static_cast<int>(j), v) || !idle(v, outputs, mask)) continue;
    // Its cone: the earlier instructions it reads from, which must write registers only and read
    // inputs (never an array another instruction writes).
    std::vector<char> need(nops, 0), keep(epi.code.size(), 0);
    keep[j] = 1;
    for (int o : {in.a, in.b, in.c}) {
      if (o >= 0) need[static_cast<std::size_t>(o)] = 1;
    }
    bool ok = true;
    for (std::size_t i = j; i-- > 0;) {
      const Instr& prev = epi.code[i];
      if (prev.dst < 0 || !need[static_cast<std::size_t>(prev.dst)]) continue;
      if (epi.operands[static_cast<std::size_t>(prev.dst)].kind != OperandKind::kRegister) ok = false;
      keep[i] = 1;
      need[static_cast<std::size_t>(prev.dst)] = 0;
      for (int o : {prev.a, prev.b, prev.c}) {
        if (o >= 0) need[static_cast<std::size_t>(o)] = 1;
      }
    }
    for (std::size_t o = 0; o < nops; ++o) {
      if (need[o] && (written[o] || epi.operands[o].kind == OperandKind::kRegister)) ok = false;  // read before written
    }
    if (!ok) continue;
    // The kept instructions over the operands they use (renumbered: the kernel prepares every
    // array operand it lists, and the epilogue's outputs hold nothing yet).
    auto guard = std::make_shared<Kernel>();
    guard->length = epi.length;
    guard->num_registers = epi.num_registers;
    std::vector<int> renumber(nops, -1);
    auto use = [&](int o) {
      if (o < 0) return o;
      int& r = renumber[static_cast<std::size_t>(o)];
      if (r < 0) {
        guard->operands.push_back(epi.operands[static_cast<std::size_t>(o)]);
        r = static_cast<int>(guard->operands.size()) - 1;
      }
      return r;
    };
    for (std::size_t i = 0; i <= j; ++i) {
      if (!keep[i]) continue;
      Instr copy = epi.code[i];
      copy.a = use(copy.a);
      copy.b = use(copy.b);
      copy.c = use(copy.c);
      copy.dst = use(copy.dst);
      guard->code.push_back(copy);
    }
    Operand out;
    out.kind = OperandKind::kArray;
    out.type = DType::kBool;
    out.slot = new_guard_slot();
    guard->operands.push_back(out);
    const int out_index = static_cast<int>(guard->operands.size()) - 1;
    Instr copy{};
    copy.op = exec::OpCode::kCopy;
    copy.type = DType::kBool;
    copy.src_type = DType::kBool;
    copy.dst = out_index;
    copy.a = renumber[static_cast<std::size_t>(in.dst)];
    guard->code.push_back(copy);
    guard->outputs = {out_index};
    guard->label = "guard (" + std::to_string(guard->code.size() - 1) + " of the epilogue's instructions)";
    return guard;
  }
  return nullptr;
}

// The carry d when the loop is a min-plus fixpoint (plan.h LoopStep::frontier_min_plus): x is
// carry d, the epilogue yields minimum(d, agg) for d and minimum(d, agg) < d for the mask, and
// every other carry passes on. Matched on the bytecode symbolically (each operand: the aggregate,
// a carry, min(carry d, agg), that < carry d, or anything else); -1 otherwise.
int min_plus_carry(const Kernel& epi, const NeighborAggStep& agg, const LoopStep& loop, const std::vector<int>& outputs,
                   int mask) {
  if (agg.op != AggOp::kMin || agg.combine != AggCombine::kAdd || agg.direction == AggDirection::kBoth || agg.weights_slot < 0) {
    return -1;
  }
  int d = -1;
  for (std::size_t i = 0; i < loop.carry_slots.size(); ++i) {
    if (loop.carry_slots[i] == agg.x_slot) d = static_cast<int>(i);
  }
  if (d < 0 || d == mask) return -1;
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    if (static_cast<int>(i) != d && static_cast<int>(i) != mask && outputs[i] >= 0) return -1;
  }
  enum Kind : std::uint8_t { kOther, kAgg, kCarryD, kMin, kLess };
  std::vector<Kind> v(epi.operands.size(), kOther);
  for (std::size_t o = 0; o < epi.operands.size(); ++o) {
    const Operand& op = epi.operands[o];
    if (op.kind != OperandKind::kArray) continue;
    if (op.slot == agg.out_slot) v[o] = kAgg;
    if (op.slot == agg.x_slot && op.type == DType::kFloat64) v[o] = kCarryD;
  }
  for (const Instr& in : epi.code) {
    if (in.dst < 0) continue;
    auto at = [&](int i) { return i >= 0 ? v[static_cast<std::size_t>(i)] : kOther; };
    const Kind a = at(in.a), b = at(in.b);
    Kind r = kOther;
    if (in.op == exec::OpCode::kMinimum && in.type == DType::kFloat64 && ((a == kCarryD && b == kAgg) || (a == kAgg && b == kCarryD))) {
      r = kMin;
    } else if (in.type == DType::kFloat64 && ((in.op == exec::OpCode::kLt && a == kMin && b == kCarryD) ||
                                               (in.op == exec::OpCode::kGt && a == kCarryD && b == kMin))) {
      r = kLess;
    } else if (in.op == exec::OpCode::kCopy && in.type == in.src_type) {
      r = a;
    }
    const Operand& dst = epi.operands[static_cast<std::size_t>(in.dst)];
    v[static_cast<std::size_t>(in.dst)] = r;
    for (std::size_t o = 0; o < epi.operands.size(); ++o) {  // a slot written in place: every operand of it
      if (dst.kind == OperandKind::kArray && epi.operands[o].kind == OperandKind::kArray && epi.operands[o].slot == dst.slot) v[o] = r;
    }
  }
  if (outputs[static_cast<std::size_t>(d)] < 0) return -1;
  const bool ok = v[static_cast<std::size_t>(outputs[static_cast<std::size_t>(d)])] == kMin &&
                  v[static_cast<std::size_t>(outputs[static_cast<std::size_t>(mask)])] == kLess;
  return ok ? d : -1;
}

// Whether `loop` has the frontier shape; fills frontier_mask / frontier_outputs (and the guard
// when there is one) if so.
void mark(LoopStep& loop, const std::vector<ConstantInit>& constants, const std::function<int()>& new_guard_slot) {
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
  for (const Operand& op : epi.operands) {
    if (op.kind == OperandKind::kStrided) return;
  }
  std::vector<Abstract> v;
  if (!evaluate(epi, agg, loop, constants, Abstract::constant(identity_of(agg.op)), -1, v)) return;
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
    if (outputs[i] < 0 && (loop.yield_slots[i] != loop.carry_slots[i] || static_cast<int>(i) == mask)) return;
  }
  if (!idle(v, outputs, mask)) return;
  loop.frontier_mask = mask;
  loop.frontier_outputs = outputs;
  loop.frontier_guard = find_guard(epi, agg, loop, constants, outputs, mask, new_guard_slot);
  loop.frontier_min_plus = min_plus_carry(epi, agg, loop, outputs, mask);
}

void mark_all(std::vector<Step>& steps, const std::vector<ConstantInit>& constants, const std::function<int()>& new_guard_slot) {
  for (Step& s : steps) {
    if (s.kind == Step::kLoop) {
      mark_all(s.loop->body, constants, new_guard_slot);
      mark(*s.loop, constants, new_guard_slot);
    }
  }
}

}  // namespace

void Lowerer::mark_frontier_loops(std::vector<Step>& steps) {
  mark_all(steps, plan_.constants, [this] { return new_slot(SlotKind::kArray, DType::kBool, "%frontier_guard"); });
}

}  // namespace fuseflow::exec::lowering
