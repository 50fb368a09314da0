// RaiseAnalysis: see may_raise.h.
#include "opt/may_raise.h"

#include "opt/ir_rewrite.h"

namespace fuseflow::opt::detail {

using ir::OpCode;
using ir::ValueId;

RaiseAnalysis::RaiseAnalysis(const ir::Program& program)
    : program_(program), constants_(collect_constants(program)), def_code_(program.values.size(), -1) {
  for_each_block(program.body, [&](const ir::Block& b) {
    for (const ir::Op& op : b.ops) {
      for (ValueId r : op.results) {
        if (r >= 0 && static_cast<std::size_t>(r) < def_code_.size()) def_code_[static_cast<std::size_t>(r)] = static_cast<int>(op.code);
      }
    }
  });
}

const ir::ConstValue* RaiseAnalysis::constant(ValueId v) const {
  if (v < 0 || static_cast<std::size_t>(v) >= constants_.size() || !constants_[static_cast<std::size_t>(v)]) return nullptr;
  return &*constants_[static_cast<std::size_t>(v)];
}

std::optional<OpCode> RaiseAnalysis::defining_code(ValueId v) const {
  if (v < 0 || static_cast<std::size_t>(v) >= def_code_.size() || def_code_[static_cast<std::size_t>(v)] < 0) return std::nullopt;
  return static_cast<OpCode>(def_code_[static_cast<std::size_t>(v)]);
}

bool RaiseAnalysis::may_raise(const ir::Op& op) const {
  auto integer_operand = [&](std::size_t k) {
    return k < op.operands.size() && !is_float(program_.type(op.operands[k]).dtype);
  };
  switch (op.code) {
    case OpCode::kMin:
    case OpCode::kMax:
    case OpCode::kArgMin:
    case OpCode::kArgMax: {
      // Empty array -> ValueError; an array of length "1" is never empty.
      if (op.operands.empty()) return true;
      const ir::Type& t = program_.type(op.operands[0]);
      return !(t.is_array() && program_.symbols.at(static_cast<std::size_t>(t.length)).kind == ir::SymbolKind::kOne);
    }
    case OpCode::kPow: {
      // Floats give NaN/inf, bools cannot be negative: only integer pow raises.
      if (op.operands.size() != 2 || !is_integer(program_.type(op.operands[0]).dtype)) return false;
      const ir::ConstValue* e = constant(op.operands[1]);
      return e == nullptr || e->i < 0;
    }
    case OpCode::kFull:
    case OpCode::kArange: {
      if (op.operands.empty()) return true;
      const ValueId count = op.operands[0];
      if (const ir::ConstValue* c = constant(count)) return c->i < 0 || c->i > kSafeConstantCount;
      const std::optional<OpCode> def = defining_code(count);
      return !(def && (*def == OpCode::kNumNodes || *def == OpCode::kNumEdges || *def == OpCode::kLength));
    }
    case OpCode::kFloorDiv:
    case OpCode::kMod: {
      if (!integer_operand(0) || op.operands.size() != 2) return false;
      const ir::ConstValue* d = constant(op.operands[1]);
      return d == nullptr || d->i == 0;
    }
    default:
      return false;
  }
}

bool RaiseAnalysis::contains_may_raise(const ir::Op& op) const {
  if (may_raise(op)) return true;
  for (const ir::Block& region : op.regions) {
    for (const ir::Op& inner : region.ops) {
      if (contains_may_raise(inner)) return true;
    }
  }
  return false;
}

}  // namespace fuseflow::opt::detail
