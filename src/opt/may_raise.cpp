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

bool elementwise_may_raise(ir::RaiseRule rule, DType compute, const ir::ConstValue* rhs) {
  switch (rule) {
    case ir::RaiseRule::kIntNegativeExponent:
      // Floats give NaN/inf, bools cannot be negative: only integer pow raises.
      return is_integer(compute) && (rhs == nullptr || rhs->i < 0);
    case ir::RaiseRule::kIntZeroDivisor:
      return !is_float(compute) && (rhs == nullptr || rhs->i == 0);
    default:
      return false;
  }
}

bool RaiseAnalysis::may_raise(const ir::Op& op) const {
  const ir::RaiseRule rule = ir::op_info(op.code).raise;
  switch (rule) {
    case ir::RaiseRule::kNever:
      return false;
    case ir::RaiseRule::kOnEmpty: {
      // Empty array -> ValueError; an array of length "1" is never empty.
      if (op.operands.empty()) return true;
      const ir::Type& t = program_.type(op.operands[0]);
      return !(t.is_array() && program_.symbols.at(static_cast<std::size_t>(t.length)).kind == ir::SymbolKind::kOne);
    }
    case ir::RaiseRule::kIntNegativeExponent:
    case ir::RaiseRule::kIntZeroDivisor:
      if (op.operands.size() != 2) return false;
      return elementwise_may_raise(rule, program_.type(op.operands[0]).dtype, constant(op.operands[1]));
    case ir::RaiseRule::kBadCount: {
      if (op.operands.empty()) return true;
      const ValueId count = op.operands[0];
      if (const ir::ConstValue* c = constant(count)) return c->i < 0 || c->i > kSafeConstantCount;
      const std::optional<OpCode> def = defining_code(count);
      return !(def && (*def == OpCode::kNumNodes || *def == OpCode::kNumEdges || *def == OpCode::kLength));
    }
    case ir::RaiseRule::kBadIndex:
      return true;  // an index's value is known only at run time
  }
  return true;
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
