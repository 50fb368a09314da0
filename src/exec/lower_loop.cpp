// Lowering of loop/while regions to nested step lists with explicit carries.
#include <algorithm>
#include <vector>

#include "lowerer.h"

namespace fuseflow::exec::lowering {

void collect_defined(const ir::Block& block, std::vector<char>& defined) {
  for (ValueId v : block.args) defined[static_cast<std::size_t>(v)] = 1;
  for (const ir::Op& op : block.ops) {
    for (ValueId v : op.results) defined[static_cast<std::size_t>(v)] = 1;
    for (const ir::Block& r : op.regions) collect_defined(r, defined);
  }
}

// Whether the loop may move init `v` into its carry: v is an array computed by an op of the
// loop's own block (so it is recomputed whenever that block runs again), read by no op after the
// loop nor inside it, not yielded or output, and passed once.
bool Lowerer::init_is_dead_after(const ir::Op& loop, ValueId v) const {
  if (!p_.type(v).is_array() || escapes_[static_cast<std::size_t>(v)]) return false;
  if (std::count(loop.operands.begin(), loop.operands.end(), v) != 1) return false;
  bool defined_before = false;
  std::vector<const ir::Op*> before;
  for (const ir::Op& op : current_block_->ops) {
    if (&op == &loop) break;
    before.push_back(&op);
    defined_before = defined_before || std::find(op.results.begin(), op.results.end(), v) != op.results.end();
  }
  if (!defined_before) return false;
  for (const ir::Op* user : users_[static_cast<std::size_t>(v)]) {
    if (user == &loop) continue;
    if (std::find(before.begin(), before.end(), user) == before.end()) return false;
  }
  return true;
}

void Lowerer::emit_loop(const ir::Op& op, std::vector<Step>& steps) {
  auto loop = std::make_shared<LoopStep>();
  const ir::Block* body;
  std::size_t first_init = 0;
  if (op.code == OpCode::kLoop) {
    loop->kind = LoopStep::kCount;
    loop->count_slot = slot(op.operands[0]);
    first_init = 1;
    body = &op.regions.at(0);
  } else {
    loop->kind = LoopStep::kWhile;
    const ir::Block& cond = op.regions.at(0);
    body = &op.regions.at(1);
    for (ValueId a : cond.args) loop->cond_arg_slots.push_back(slot(a));
    loop->cond_slot = slot(cond.yields.at(0));
    lower_block(cond, loop->cond);
  }
  for (std::size_t i = first_init; i < op.operands.size(); ++i) {
    loop->init_slots.push_back(slot(op.operands[i]));
    loop->init_moves.push_back(init_is_dead_after(op, op.operands[i]));
  }
  for (ValueId a : body->args) loop->carry_slots.push_back(slot(a));
  for (ValueId y : body->yields) loop->yield_slots.push_back(slot(y));
  for (ValueId r : op.results) loop->result_slots.push_back(slot(r));
  std::vector<char> defined(plan_.slots.size(), 0);
  collect_defined(*body, defined);
  for (ValueId y : body->yields) {
    const bool is_carry = std::find(body->args.begin(), body->args.end(), y) != body->args.end();
    loop->yield_is_local.push_back(defined[static_cast<std::size_t>(y)] && !is_carry);
  }
  Step s = make_step(Step::kLoop, op.code == OpCode::kLoop ? "loop" : "while");
  lower_block(*body, loop->body);
  s.loop = std::move(loop);
  steps.push_back(std::move(s));
}
}  // namespace fuseflow::exec::lowering
