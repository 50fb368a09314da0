// IR value types: Scalar<dtype>, Array<dtype, length symbol>, Graph; and length symbols.
// See fuseflow/ir/program.h for the whole model.
#pragma once

#include <cstdint>
#include <string>

#include "fuseflow/core/dtype.h"

namespace fuseflow::ir {

using ValueId = std::int32_t;   // index into Program::values
using SymbolId = std::int32_t;  // index into Program::symbols
inline constexpr ValueId kNoValue = -1;
inline constexpr SymbolId kNoSymbol = -1;

enum class Kind : std::uint8_t { kScalar, kArray, kGraph };

// Where an array length comes from. Two arrays may be combined elementwise only when their
// symbols are equal, or one of them is kOne (NumPy broadcast of a length-1 array), or one is
// a scalar. Symbols are interned: Program::symbols holds each at most once.
enum class SymbolKind : std::uint8_t {
  kOne,         // "1": an input known (by the trace signature) to have length 1
  kGraphNodes,  // "N" (first graph input), "N1", "N2"... : source = the graph value
  kGraphEdges,  // "E", "E1", ...                       : source = the graph value
  kInput,       // "n0", "n1", ... : length of array inputs; identified by ordinal (source unused)
  kRuntime,     // "%k": the value of integer scalar %k (full/arange with a runtime count)
};

struct LengthSymbol {
  SymbolKind kind = SymbolKind::kOne;
  ValueId source = kNoValue;  // see SymbolKind
  int ordinal = 0;            // graph index for N/E, input-symbol index for kInput

  bool operator==(const LengthSymbol&) const = default;
};

struct Type {
  Kind kind = Kind::kScalar;
  DType dtype = DType::kFloat64;  // meaningless for kGraph
  SymbolId length = kNoSymbol;    // arrays only
  // Scalars only: a Python scalar (literal or argument) with NumPy's weak promotion. Printed "~f64".
  // Weakness never changes how a value is stored or computed; only result-type inference uses it.
  bool weak = false;

  static Type scalar(DType t, bool weak = false) { return {Kind::kScalar, t, kNoSymbol, weak}; }
  static Type array(DType t, SymbolId length) { return {Kind::kArray, t, length, false}; }
  static Type graph() { return {Kind::kGraph, DType::kBool, kNoSymbol, false}; }

  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_array() const { return kind == Kind::kArray; }
  bool is_graph() const { return kind == Kind::kGraph; }
  // Same kind, dtype and length; weakness ignored (what loop carries must preserve).
  bool same_shape_and_dtype(const Type& o) const {
    return kind == o.kind && (kind == Kind::kGraph || (dtype == o.dtype && length == o.length));
  }
  bool operator==(const Type&) const = default;
};

}  // namespace fuseflow::ir
