// IR value types: Scalar<dtype>, Array<dtype, length symbol>, Graph; and length symbols.
// See fuseflow/ir/program.h for the whole model.
#pragma once

#include <array>
#include <cstdint>
#include <string>

#include "fuseflow/core/dtype.h"

namespace fuseflow::ir {

using ValueId = std::int32_t;   // index into Program::values
using SymbolId = std::int32_t;  // index into Program::symbols
inline constexpr ValueId kNoValue = -1;
inline constexpr SymbolId kNoSymbol = -1;
// Arrays have rank 1..kMaxRank; each axis has a length symbol.
inline constexpr int kMaxRank = 4;

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
  kProduct,     // "B*D": the element count of an N-d shape; `ordinal` factors in `factors`
                // (never "1", at least two: a shape's count is interned by shape_length())
};

struct LengthSymbol {
  SymbolKind kind = SymbolKind::kOne;
  ValueId source = kNoValue;  // see SymbolKind
  int ordinal = 0;            // graph index for N/E, input-symbol index for kInput, kProduct: factors
  std::array<SymbolId, kMaxRank> factors{kNoSymbol, kNoSymbol, kNoSymbol, kNoSymbol};  // kProduct

  bool operator==(const LengthSymbol&) const = default;
};

// An array is stored flat in C order: `length` is the symbol of its element count (the one axis
// of a 1-D array; for rank >= 2 the kProduct of the axes that are not "1", or an axis itself
// when it is the only one). Elementwise kernels run over `length`; `dims` say how the flat
// elements form axes (outputs, broadcasting, axis reductions).
struct Type {
  Kind kind = Kind::kScalar;
  DType dtype = DType::kFloat64;  // meaningless for kGraph
  SymbolId length = kNoSymbol;    // arrays only: the element count
  // Scalars only: a Python scalar (literal or argument) with NumPy's weak promotion. Printed "~f64".
  // Weakness never changes how a value is stored or computed; only result-type inference uses it.
  bool weak = false;
  std::uint8_t rank = 0;  // arrays: 1..kMaxRank
  std::array<SymbolId, kMaxRank> dims{kNoSymbol, kNoSymbol, kNoSymbol, kNoSymbol};  // [0, rank)

  static Type scalar(DType t, bool weak = false) { return {Kind::kScalar, t, kNoSymbol, weak}; }
  static Type array(DType t, SymbolId length) {
    Type r{Kind::kArray, t, length, false};
    r.rank = 1;
    r.dims[0] = length;
    return r;
  }
  // An N-d array; `length` must be shape_length() of the dims (ir/program.h).
  static Type shaped(DType t, SymbolId length, const SymbolId* dims, int rank) {
    Type r{Kind::kArray, t, length, false};
    r.rank = static_cast<std::uint8_t>(rank);
    for (int i = 0; i < rank; ++i) r.dims[static_cast<std::size_t>(i)] = dims[i];
    return r;
  }
  static Type graph() { return {Kind::kGraph, DType::kBool, kNoSymbol, false}; }
  bool same_dims(const Type& o) const { return rank == o.rank && dims == o.dims; }

  bool is_scalar() const { return kind == Kind::kScalar; }
  bool is_array() const { return kind == Kind::kArray; }
  bool is_graph() const { return kind == Kind::kGraph; }
  // Same kind, dtype and length; weakness ignored (what loop carries must preserve).
  bool same_shape_and_dtype(const Type& o) const {
    return kind == o.kind && (kind == Kind::kGraph || (dtype == o.dtype && length == o.length && same_dims(o)));
  }
  bool operator==(const Type&) const = default;
};

}  // namespace fuseflow::ir
