// Opcode names (the text format's mnemonics) and classes.
#include "fuseflow/ir/ops.h"

#include <array>

namespace fuseflow::ir {

namespace {

constexpr std::array<OpInfo, kNumOpCodes> kOpTable = {{
    {"const", OpClass::kCreation},
    {"full", OpClass::kCreation},
    {"arange", OpClass::kCreation},
    {"length", OpClass::kCreation},
    {"num_nodes", OpClass::kGraph},
    {"num_edges", OpClass::kGraph},
    {"neg", OpClass::kUnary},
    {"abs", OpClass::kUnary},
    {"not", OpClass::kUnary},
    {"exp", OpClass::kUnary},
    {"log", OpClass::kUnary},
    {"log1p", OpClass::kUnary},
    {"expm1", OpClass::kUnary},
    {"sqrt", OpClass::kUnary},
    {"sin", OpClass::kUnary},
    {"cos", OpClass::kUnary},
    {"tanh", OpClass::kUnary},
    {"sigmoid", OpClass::kUnary},
    {"erf", OpClass::kUnary},
    {"erfc", OpClass::kUnary},
    {"norm_cdf", OpClass::kUnary},
    {"floor", OpClass::kUnary},
    {"ceil", OpClass::kUnary},
    {"round", OpClass::kUnary},
    {"cast", OpClass::kUnary},
    {"add", OpClass::kBinary},
    {"sub", OpClass::kBinary},
    {"mul", OpClass::kBinary},
    {"div", OpClass::kBinary},
    {"floor_div", OpClass::kBinary},
    {"mod", OpClass::kBinary},
    {"pow", OpClass::kBinary},
    {"minimum", OpClass::kBinary},
    {"maximum", OpClass::kBinary},
    {"eq", OpClass::kBinary},
    {"ne", OpClass::kBinary},
    {"lt", OpClass::kBinary},
    {"le", OpClass::kBinary},
    {"gt", OpClass::kBinary},
    {"ge", OpClass::kBinary},
    {"and", OpClass::kBinary},
    {"or", OpClass::kBinary},
    {"xor", OpClass::kBinary},
    {"where", OpClass::kTernary},
    {"clip", OpClass::kTernary},
    {"sum", OpClass::kReduction},
    {"mean", OpClass::kReduction},
    {"min", OpClass::kReduction},
    {"max", OpClass::kReduction},
    {"argmin", OpClass::kReduction},
    {"argmax", OpClass::kReduction},
    {"dot", OpClass::kReduction},
    {"norm", OpClass::kReduction},
    {"out_degree", OpClass::kGraph},
    {"in_degree", OpClass::kGraph},
    {"neighbor_agg", OpClass::kGraph},
    {"edge_src", OpClass::kGraph},
    {"edge_dst", OpClass::kGraph},
    {"loop", OpClass::kControl},
    {"while", OpClass::kControl},
    {"fused", OpClass::kControl},
    {"fused_agg", OpClass::kControl},
}};

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

bool has_regions(OpCode code) { return op_info(code).op_class == OpClass::kControl; }

bool is_comparison(OpCode code) { return code >= OpCode::kEq && code <= OpCode::kGe; }

bool is_float_math(OpCode code) { return code >= OpCode::kExp && code <= OpCode::kNormCdf; }

}  // namespace fuseflow::ir
