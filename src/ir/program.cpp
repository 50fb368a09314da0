// Program: symbol names and interning; shared formatting helpers.
#include "fuseflow/ir/program.h"

#include "detail.h"
#include "fuseflow/ir/axis_reduce.h"

namespace fuseflow::ir {

std::string Program::symbol_name(SymbolId s) const {
  if (s < 0 || static_cast<std::size_t>(s) >= symbols.size()) return "?";
  const LengthSymbol& sym = symbols[static_cast<std::size_t>(s)];
  switch (sym.kind) {
    case SymbolKind::kOne: return "1";
    case SymbolKind::kGraphNodes: return sym.ordinal == 0 ? "N" : std::string("N") + std::to_string(sym.ordinal);
    case SymbolKind::kGraphEdges: return sym.ordinal == 0 ? "E" : std::string("E") + std::to_string(sym.ordinal);
    case SymbolKind::kInput: return std::string("n") + std::to_string(sym.ordinal);
    case SymbolKind::kRuntime: return std::string("%") + std::to_string(sym.source);
    case SymbolKind::kProduct: {
      std::string out;
      for (int i = 0; i < sym.ordinal; ++i) out += (i ? "*" : "") + symbol_name(sym.factors[static_cast<std::size_t>(i)]);
      return out;
    }
  }
  return "?";
}

SymbolId shape_length(const Program& program, const SymbolId* dims, int rank,
                      const std::function<SymbolId(const LengthSymbol&)>& lookup) {
  LengthSymbol product{SymbolKind::kProduct, kNoValue, 0};
  for (int i = 0; i < rank; ++i) {
    const SymbolId d = dims[i];
    if (d >= 0 && static_cast<std::size_t>(d) < program.symbols.size() &&
        program.symbols[static_cast<std::size_t>(d)].kind == SymbolKind::kOne) {
      continue;
    }
    product.factors[static_cast<std::size_t>(product.ordinal++)] = d;
  }
  if (product.ordinal == 0) return lookup(LengthSymbol{});
  if (product.ordinal == 1) return product.factors[0];
  return lookup(product);
}

SymbolId Program::intern(const LengthSymbol& s) {
  for (std::size_t i = 0; i < symbols.size(); ++i) {
    if (symbols[i] == s) return static_cast<SymbolId>(i);
  }
  symbols.push_back(s);
  return static_cast<SymbolId>(symbols.size() - 1);
}

void collect_reads(const Op& op, std::vector<ValueId>& out) {
  out.insert(out.end(), op.operands.begin(), op.operands.end());
  for (const Block& r : op.regions) {
    for (const Op& inner : r.ops) collect_reads(inner, out);
    out.insert(out.end(), r.yields.begin(), r.yields.end());
  }
}

SymbolId kernel_length(const Program& program, const std::vector<Op>& ops) {
  auto array_length = [&](ValueId v) {
    const bool ok = v >= 0 && static_cast<std::size_t>(v) < program.values.size() && program.type(v).is_array();
    return ok ? program.type(v).length : kNoSymbol;
  };
  for (const Op& op : ops) {
    if (is_reduction(op.code)) {
      for (ValueId v : op.operands) {
        if (array_length(v) != kNoSymbol) return array_length(v);
      }
    } else if (!op.results.empty() && array_length(op.results[0]) != kNoSymbol) {
      return array_length(op.results[0]);
    }
  }
  return kNoSymbol;
}

namespace detail {

std::string type_str(const Program& program, const Type& t, const std::function<std::string(ValueId)>& value_name) {
  if (t.is_graph()) return "graph";
  std::string out = t.weak ? "~" : "";
  out += dtype_short_name(t.dtype);
  if (t.is_array()) {
    // 1-D: "[n0]" as always; N-d: one symbol per axis, "[n0, 3]" is not possible (axes are
    // symbols), "[n0, n1]".
    out += "[";
    const int rank = t.rank == 0 ? 1 : t.rank;
    for (int i = 0; i < rank; ++i) {
      const SymbolId s = t.rank == 0 ? t.length : t.dims[static_cast<std::size_t>(i)];
      std::string sym = program.symbol_name(s);
      if (value_name && s >= 0 && static_cast<std::size_t>(s) < program.symbols.size() &&
          program.symbols[static_cast<std::size_t>(s)].kind == SymbolKind::kRuntime) {
        sym = value_name(program.symbols[static_cast<std::size_t>(s)].source);
      }
      out += (i ? ", " : "") + sym;
    }
    out += "]";
  }
  return out;
}

std::string describe(const Program& program, ValueId v) {
  if (v < 0 || static_cast<std::size_t>(v) >= program.values.size()) return std::string("%") + std::to_string(v) + " (undefined)";
  return std::string("%") + std::to_string(v) + " (" + type_str(program, program.type(v)) + ")";
}

void op_error(ErrorCode code, const std::string& op, const SourceLocation& loc, const std::string& message) {
  std::string text = op + ": " + message;
  if (loc.known()) text += " (at " + loc.str() + ")";
  throw Error(code, text);
}

std::string op_display_name(OpCode code, const Attributes& attrs) {
  std::string name = op_name(code);
  if (code == OpCode::kNeighborAgg || code == OpCode::kFusedAgg) {
    name += std::string(".") + agg_op_name(attrs.agg) + "." + direction_name(attrs.direction);
    if (attrs.combine != Combine::kNone) name += std::string(".") + combine_name(attrs.combine);
    if (attrs.active) name += ".active";
  } else if (code == OpCode::kNorm) {
    name += std::string(".") + norm_kind_name(attrs.norm);
  } else if (code == OpCode::kTranspose) {
    name += ".p";  // transpose.p102: result axis k is operand axis perm[k] (trailing identity left out)
    int rank = kMaxRank;
    while (rank > 1 && attrs.perm[static_cast<std::size_t>(rank - 1)] == rank - 1) --rank;
    for (int k = 0; k < rank; ++k) name += std::to_string(attrs.perm[static_cast<std::size_t>(k)]);
  } else if (is_axis_op(code)) {
    name += ".axis" + std::to_string(attrs.axis);
    if ((code == OpCode::kMedian || code == OpCode::kQuantile) && (attrs.value.i & 2) != 0) name += ".all";  // axis=None
    if ((code == OpCode::kMedian || code == OpCode::kQuantile) && (attrs.value.i & 1) != 0) name += ".keep";  // keepdims
  } else if (code == OpCode::kReduceAxes) {
    name += "." + axis_reduce_display(axis_reduce_of(attrs));
  }
  return name;
}

}  // namespace detail
}  // namespace fuseflow::ir
