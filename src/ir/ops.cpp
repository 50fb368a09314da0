// Opcode names (the text format's mnemonics) and classes.
#include "fuseflow/ir/ops.h"

#include <array>
#include <string_view>

namespace fuseflow::ir {

namespace {

constexpr std::array<OpInfo, kNumOpCodes> kOpTable = {{
#define FF_OP(Class, Enum, Name, MinArgs, MaxArgs, Operands, Result, Flags, Raise) \
  {Name, OpClass::Class, MinArgs, MaxArgs, OperandRule::Operands, ResultRule::Result, \
   static_cast<std::uint16_t>(Flags), RaiseRule::Raise},
#include "fuseflow/ir/ops.def"
}};

// The rows are in enum order by construction (both come from ops.def); check that anyway, and
// the facts other code relies on.
#define FF_OP(Class, Enum, Name, ...) \
  static_assert(std::string_view(kOpTable[static_cast<std::size_t>(OpCode::k##Enum)].name) == Name);
#include "fuseflow/ir/ops.def"

constexpr bool valid_table() {
  for (const OpInfo& op : kOpTable) {
    const bool elementwise = op.op_class == OpClass::kUnary || op.op_class == OpClass::kBinary || op.op_class == OpClass::kTernary;
    const int arity = op.op_class == OpClass::kUnary ? 1 : op.op_class == OpClass::kBinary ? 2 : 3;
    if (elementwise && (op.min_args != arity || op.max_args != arity)) return false;
    if ((op.flags & (kFoldable | kFoldableInt)) && !elementwise) return false;
    if ((op.flags & kCommutative) && op.op_class != OpClass::kBinary) return false;
    if ((op.flags & kFloatValued) && op.operands != OperandRule::kFloat) return false;
  }
  return true;
}
static_assert(valid_table(), "ops.def: an elementwise row has the wrong arity or a flag on the wrong class");

}  // namespace

const OpInfo& op_info(OpCode code) { return kOpTable[static_cast<std::size_t>(code)]; }

std::optional<OpCode> parse_opcode(std::string_view name) {
  for (int i = 0; i < kNumOpCodes; ++i) {
    if (name == kOpTable[static_cast<std::size_t>(i)].name) return static_cast<OpCode>(i);
  }
  return std::nullopt;
}

const char* agg_op_name(AggOp op) {
  switch (op) {
    case AggOp::kSum: return "sum";
    case AggOp::kMean: return "mean";
    case AggOp::kMin: return "min";
    case AggOp::kMax: return "max";
    case AggOp::kCount: return "count";
    case AggOp::kMode: return "mode";
  }
  return "?";
}

const char* direction_name(Direction d) {
  switch (d) {
    case Direction::kIn: return "in";
    case Direction::kOut: return "out";
    case Direction::kBoth: return "both";
  }
  return "?";
}

const char* norm_kind_name(NormKind k) {
  switch (k) {
    case NormKind::kL1: return "l1";
    case NormKind::kL2: return "l2";
    case NormKind::kInf: return "inf";
  }
  return "?";
}

const char* combine_name(Combine c) {
  switch (c) {
    case Combine::kNone: return "";
    case Combine::kMul: return "mul";
    case Combine::kAdd: return "add";
    case Combine::kFirst: return "first";
    case Combine::kSecond: return "second";
  }
  return "?";
}

std::optional<Combine> parse_combine(std::string_view s) {
  for (Combine c : {Combine::kMul, Combine::kAdd, Combine::kFirst, Combine::kSecond}) {
    if (s == combine_name(c)) return c;
  }
  return std::nullopt;
}

std::optional<AggOp> parse_agg_op(std::string_view s) {
  for (AggOp op : {AggOp::kSum, AggOp::kMean, AggOp::kMin, AggOp::kMax, AggOp::kCount, AggOp::kMode}) {
    if (s == agg_op_name(op)) return op;
  }
  return std::nullopt;
}

std::optional<Direction> parse_direction(std::string_view s) {
  for (Direction d : {Direction::kIn, Direction::kOut, Direction::kBoth}) {
    if (s == direction_name(d)) return d;
  }
  return std::nullopt;
}

std::optional<NormKind> parse_norm_kind(std::string_view s) {
  for (NormKind k : {NormKind::kL1, NormKind::kL2, NormKind::kInf}) {
    if (s == norm_kind_name(k)) return k;
  }
  return std::nullopt;
}

bool is_elementwise(OpCode code) {
  OpClass c = op_info(code).op_class;
  return c == OpClass::kUnary || c == OpClass::kBinary || c == OpClass::kTernary;
}

bool is_reduction(OpCode code) { return op_info(code).op_class == OpClass::kReduction; }

bool is_axis_op(OpCode code) { return op_info(code).op_class == OpClass::kAxis; }

bool has_regions(OpCode code) { return op_info(code).op_class == OpClass::kControl; }

bool is_comparison(OpCode code) { return op_info(code).result == ResultRule::kBoolResult; }

bool is_float_math(OpCode code) { return op_info(code).has(kFloatValued); }

bool is_commutative(OpCode code) { return op_info(code).has(kCommutative); }

bool is_foldable(OpCode code, DType d) {
  const OpInfo& info = op_info(code);
  return info.has(kFoldable) || (info.has(kFoldableInt) && !is_float(d));
}

}  // namespace fuseflow::ir
