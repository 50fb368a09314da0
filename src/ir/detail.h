// Internal helpers shared by the builder, verifier, printer and parser (not a public header).
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/ir/program.h"

namespace fuseflow::ir::detail {

// Finds (verifier) or interns (builder) a symbol; kNoSymbol when absent.
using SymbolLookup = std::function<SymbolId(const LengthSymbol&)>;
// The op defining a value: its code, first operand and `aux` (def_aux), or nullopt for block
// arguments.
struct ValueDef {
  OpCode code;
  ValueId operand;
  std::int64_t aux;
};
using DefLookup = std::function<std::optional<ValueDef>(ValueId)>;
// Whether `declared` is what op gives with every count taken as its own run-time symbol (none
// read through its definition). A count's definition can give it a symbol of its own (dim: the
// axis's; const 1: "1"), but the run-time symbol stays a valid shape, and passes can give a count
// such a definition after the type was declared (constant folding 1 + 0 into const 1 under
// full(%9, x) declared f64[%9]; found by the IR fuzzer). The verifier and the parser accept it.
bool declared_by_runtime_counts(const Program& program, const Op& op, const Type& declared, const SymbolLookup& symbols);
// What a count's definition adds to its op code for count_symbol: a dim's axis, an integer
// const's value; 0 for anything else.
inline std::int64_t def_aux(OpCode code, const Attributes& attrs) {
  if (code == OpCode::kDim) return attrs.axis;
  if (code == OpCode::kConst) return attrs.value.i;
  return 0;
}

// Result type of a non-control op whose operands already have their compute dtypes.
// `declared` supplies the result type of const and cast (their type is not implied by operands).
// Throws Error naming the op, the offending operand and the rule.
Type infer_type(const Program& program, OpCode code, const std::vector<ValueId>& operands,
                const Attributes& attrs, const Type* declared, const SymbolLookup& symbols,
                const DefLookup& defs, const SourceLocation* loc = nullptr);

// "f64[N]", "~i64", "graph". `value_name` renders a runtime symbol's source value.
std::string type_str(const Program& program, const Type& t,
                     const std::function<std::string(ValueId)>& value_name = nullptr);
// "%3 (f64[N])" for messages.
std::string describe(const Program& program, ValueId v);

// Throws Error(code, "<op>: <message> (at file:line)").
[[noreturn]] void op_error(ErrorCode code, const std::string& op, const SourceLocation& loc,
                           const std::string& message);

std::string op_display_name(OpCode code, const Attributes& attrs);  // "neighbor_agg.sum.in"

std::string format_double(double v);   // shortest round-trip text; "nan", "inf", "-inf"
std::string quote(const std::string& s);  // "..." with \ \" \n escapes

}  // namespace fuseflow::ir::detail
