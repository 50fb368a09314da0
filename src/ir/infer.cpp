// Type inference for one op: the single source of the typing rules (Builder and verifier both
// call it, so what the builder accepts is exactly what the verifier accepts).
#include <algorithm>
#include <cstdint>
#include <string>

#include "detail.h"
#include "fuseflow/ir/axis_reduce.h"

namespace fuseflow::ir::detail {

namespace {

struct Context {
  const Program& program;
  OpCode code;
  const Attributes& attrs;
  const SourceLocation* loc;

  [[noreturn]] void fail(ErrorCode c, const std::string& message) const {
    static const SourceLocation kNone;
    op_error(c, op_display_name(code, attrs), loc ? *loc : kNone, message);
  }
  const Type& type(ValueId v) const {
    if (v < 0 || static_cast<std::size_t>(v) >= program.values.size()) {
      fail(ErrorCode::kInvalidValue, "operand %" + std::to_string(v) + " is not a defined value");
    }
    return program.type(v);
  }
  bool is_one(SymbolId s) const {
    return s >= 0 && static_cast<std::size_t>(s) < program.symbols.size() &&
           program.symbols[static_cast<std::size_t>(s)].kind == SymbolKind::kOne;
  }
};

void expect_count(const Context& cx, const std::vector<ValueId>& operands, std::size_t lo, std::size_t hi) {
  if (operands.size() < lo || operands.size() > hi) {
    std::string want = lo == hi ? std::to_string(lo) : std::to_string(lo) + " to " + std::to_string(hi);
    cx.fail(ErrorCode::kInvalidValue, "expects " + want + " operands, got " + std::to_string(operands.size()));
  }
}

const Type& expect_kind(const Context& cx, ValueId v, Kind kind, const char* role) {
  const Type& t = cx.type(v);
  if (t.kind != kind) {
    const char* want = kind == Kind::kGraph ? "a graph" : kind == Kind::kArray ? "an array" : "a scalar";
    cx.fail(ErrorCode::kInvalidType, std::string(role) + " " + describe(cx.program, v) + " must be " + want);
  }
  return t;
}

const Type& expect_value(const Context& cx, ValueId v, const char* role) {
  const Type& t = cx.type(v);
  if (t.is_graph()) {
    cx.fail(ErrorCode::kInvalidType, std::string(role) + " " + describe(cx.program, v) + " must be an array or scalar, not a graph");
  }
  return t;
}

void expect_int_scalar(const Context& cx, ValueId v, const char* role) {
  const Type& t = expect_kind(cx, v, Kind::kScalar, role);
  if (!is_integer(t.dtype)) {
    cx.fail(ErrorCode::kInvalidType, std::string(role) + " " + describe(cx.program, v) + " must be an integer scalar");
  }
}

std::string shape_str(const Program& p, const Type& t) {
  std::string out = "[";
  for (int i = 0; i < t.rank; ++i) out += (i ? ", " : "") + p.symbol_name(t.dims[static_cast<std::size_t>(i)]);
  return out + "]";
}

// NumPy broadcasting of symbolic shapes (axes aligned on the right; an axis "1" stretches).
// Writes the result shape; false when two axes differ and neither is "1".
bool broadcast_dims(const Context& cx, const std::vector<const Type*>& shapes, SymbolId* dims, int& rank) {
  rank = 0;
  for (const Type* t : shapes) rank = std::max<int>(rank, t->rank);
  for (int axis = 0; axis < rank; ++axis) {
    SymbolId d = kNoSymbol;
    for (const Type* t : shapes) {
      const int k = axis - (rank - t->rank);
      if (k < 0) continue;
      const SymbolId s = t->dims[static_cast<std::size_t>(k)];
      if (d == kNoSymbol || cx.is_one(d)) {
        d = s;
      } else if (s != d && !cx.is_one(s)) {
        return false;
      }
    }
    dims[axis] = d;
  }
  return true;
}

// Elementwise result shape: the NumPy broadcast of the operands' shapes. Every array operand must
// then have the result's element count or be a single element ("1"): an operand broadcast along
// an axis is an explicit broadcast_to (the Builder inserts it).
Type broadcast(const Context& cx, const std::vector<ValueId>& operands, DType dtype, const SymbolLookup& symbols) {
  bool all_weak = true;
  std::vector<const Type*> shapes;
  std::vector<ValueId> arrays;
  for (ValueId v : operands) {
    const Type& t = cx.type(v);
    all_weak = all_weak && t.is_scalar() && t.weak;
    if (!t.is_array()) continue;
    shapes.push_back(&t);
    arrays.push_back(v);
  }
  if (shapes.empty()) return Type::scalar(dtype, all_weak);
  SymbolId dims[kMaxRank];
  int rank = 0;
  const bool ok = broadcast_dims(cx, shapes, dims, rank);
  // An axis whose length is a run-time value (%k: a reshape or slice to literal lengths) cannot be
  // proved equal to any other while tracing; the message says how to keep a source's axis.
  auto runtime_axis = [&](const Type& t) {
    for (int k = 0; k < std::max<int>(1, t.rank); ++k) {
      const SymbolId s = t.rank <= 1 ? t.length : t.dims[static_cast<std::size_t>(k)];
      if (s >= 0 && cx.program.symbols[static_cast<std::size_t>(s)].kind == SymbolKind::kRuntime) return true;
    }
    return false;
  };
  auto mismatch = [&](std::size_t i, std::size_t j) {
    const Type& a = *shapes[i];
    const Type& b = *shapes[j];
    const std::string hint = runtime_axis(a) || runtime_axis(b)
                                 ? "; a %k length is a run-time value (a reshape or slice to literal lengths) that "
                                   "tracing cannot match to another axis: where the lengths are equal, reshape with -1 "
                                   "or add axes with x[:, None] to keep the source's length"
                                 : "";
    if (a.rank == 1 && b.rank == 1) {
      cx.fail(ErrorCode::kInvalidValue, "length mismatch: " + describe(cx.program, arrays[i]) + " has length " +
                                            cx.program.symbol_name(a.length) + " but " + describe(cx.program, arrays[j]) +
                                            " has length " + cx.program.symbol_name(b.length) + hint);
    }
    cx.fail(ErrorCode::kInvalidValue, "shapes " + shape_str(cx.program, a) + " of " + describe(cx.program, arrays[i]) +
                                          " and " + shape_str(cx.program, b) + " of " + describe(cx.program, arrays[j]) +
                                          " do not broadcast (NumPy: axes aligned on the right must be equal or 1)" + hint);
  };
  if (!ok) {
    for (std::size_t i = 0; i < shapes.size(); ++i) {
      for (std::size_t j = i + 1; j < shapes.size(); ++j) {
        SymbolId d2[kMaxRank];
        int r2 = 0;
        if (!broadcast_dims(cx, {shapes[i], shapes[j]}, d2, r2)) mismatch(i, j);
      }
    }
  }
  const SymbolId length = shape_length(cx.program, dims, rank, symbols);
  for (std::size_t i = 0; i < shapes.size(); ++i) {
    if (shapes[i]->length != length && !cx.is_one(shapes[i]->length)) {
      cx.fail(ErrorCode::kInvalidValue, describe(cx.program, arrays[i]) + " is broadcast to " + shape_str(cx.program, Type::shaped(dtype, length, dims, rank)) +
                                            "; it must go through broadcast_to first");
    }
  }
  return Type::shaped(dtype, length, dims, rank);
}

void expect_same_dtype(const Context& cx, const std::vector<ValueId>& operands, std::size_t first) {
  DType d = cx.type(operands[first]).dtype;
  for (std::size_t i = first + 1; i < operands.size(); ++i) {
    if (cx.type(operands[i]).dtype != d) {
      cx.fail(ErrorCode::kInvalidType, "operands must share one dtype (casts are explicit in the IR): " +
                                           describe(cx.program, operands[first]) + " vs " +
                                           describe(cx.program, operands[i]));
    }
  }
}

SymbolId graph_symbol(const Context& cx, ValueId g, SymbolKind kind, const SymbolLookup& symbols) {
  // The graph's ordinal is fixed when it became an input; find it from an existing symbol.
  for (const LengthSymbol& s : cx.program.symbols) {
    if (s.kind == kind && s.source == g) return symbols(s);
  }
  cx.fail(ErrorCode::kInvalidValue, "graph " + describe(cx.program, g) + " is not a graph input");
}

SymbolId count_symbol(const Context& cx, ValueId count, const SymbolLookup& symbols, const DefLookup& defs) {
  // A count that is itself a size (num_nodes, num_edges, length) gives that size's symbol, so
  // full(g.num_nodes, ...) combines with other node arrays.
  // A dim of an array gives that axis's symbol and an integer constant 1 the "1" symbol, so
  // reshape(s, dim(s, 0), 1) of an f64[n0] is f64[n0, 1] and broadcasts against f64[n0, n1].
  if (auto def = defs(count)) {
    if (def->code == OpCode::kNumNodes) return graph_symbol(cx, def->operand, SymbolKind::kGraphNodes, symbols);
    if (def->code == OpCode::kNumEdges) return graph_symbol(cx, def->operand, SymbolKind::kGraphEdges, symbols);
    if (def->code == OpCode::kLength) return cx.type(def->operand).length;
    if (def->code == OpCode::kDim) {
      const Type& x = cx.type(def->operand);
      if (def->aux >= 0 && def->aux < std::max<int>(1, x.rank)) return x.rank <= 1 ? x.length : x.dims[static_cast<std::size_t>(def->aux)];
    }
    const DType t = cx.type(count).dtype;
    if (def->code == OpCode::kConst && def->aux == 1 && (t == DType::kInt64 || t == DType::kInt32)) {
      return symbols(LengthSymbol{SymbolKind::kOne, kNoValue, 0});
    }
  }
  SymbolId s = symbols(LengthSymbol{SymbolKind::kRuntime, count, 0});
  if (s == kNoSymbol) cx.fail(ErrorCode::kInvalidValue, "no length symbol for count " + describe(cx.program, count));
  return s;
}

// Result dtype by the op table's ResultRule, from the (shared) operand dtype.
DType result_dtype(ResultRule rule, DType operand) {
  switch (rule) {
    case ResultRule::kBoolResult: return DType::kBool;
    case ResultRule::kSumResult: return sum_result(operand);
    case ResultRule::kFloatResult: return float_result(operand);
    case ResultRule::kInt64Result: return DType::kInt64;
    default: return operand;
  }
}

// reduce_axes (ir/axis_reduce.h): the operand's axes minus the reduced ones (or those as "1" with
// keepdims); a strong scalar when no axis remains.
Type reduce_axes_type(const Context& cx, ValueId operand, const SymbolLookup& symbols) {
  const Type& x = expect_kind(cx, operand, Kind::kArray, "operand");
  const AxisReduce r = axis_reduce_of(cx.attrs);
  const int rank = std::max<int>(1, x.rank);
  if (r.axes == 0 || (r.axes >> rank) != 0) {
    cx.fail(ErrorCode::kInvalidValue, "axes must be a non-empty set of axes of " + describe(cx.program, operand) + " (rank " +
                                          std::to_string(rank) + ")");
  }
  if (static_cast<int>(r.kind) > static_cast<int>(AxisReduceKind::kAll)) cx.fail(ErrorCode::kInvalidValue, "unknown reduction kind");
  const bool arg = r.kind == AxisReduceKind::kArgMin || r.kind == AxisReduceKind::kArgMax;
  if (arg && (r.axes & (r.axes - 1)) != 0) cx.fail(ErrorCode::kInvalidValue, "argmin/argmax reduce exactly one axis");
  if (r.square && (!is_float(x.dtype) || (r.kind != AxisReduceKind::kSum && r.kind != AxisReduceKind::kMean))) {
    cx.fail(ErrorCode::kInvalidValue, "a squaring reduction (.sq) is a sum or mean of a float operand");
  }
  if (r.kind == AxisReduceKind::kProd && x.dtype == DType::kBool) {
    // NumPy's prod of bools is an int64 product: allowed (sum_result below).
  }
  DType d = x.dtype;
  switch (r.kind) {
    case AxisReduceKind::kSum:
    case AxisReduceKind::kProd: d = sum_result(x.dtype); break;
    case AxisReduceKind::kMean:
    case AxisReduceKind::kVar: d = float_result(x.dtype); break;
    case AxisReduceKind::kArgMin:
    case AxisReduceKind::kArgMax: d = DType::kInt64; break;
    case AxisReduceKind::kAny:
    case AxisReduceKind::kAll: d = DType::kBool; break;
    default: break;
  }
  std::array<SymbolId, kMaxRank> dims{kNoSymbol, kNoSymbol, kNoSymbol, kNoSymbol};
  int out_rank = 0;
  for (int k = 0; k < rank; ++k) {
    const SymbolId s = x.rank >= 1 ? x.dims[static_cast<std::size_t>(k)] : x.length;
    if (((r.axes >> k) & 1) == 0) {
      dims[static_cast<std::size_t>(out_rank++)] = s;
    } else if (r.keepdims) {
      dims[static_cast<std::size_t>(out_rank++)] = symbols(LengthSymbol{});
    }
  }
  if (out_rank == 0) return Type::scalar(d, false);
  return Type::shaped(d, shape_length(cx.program, dims.data(), out_rank, symbols), dims.data(), out_rank);
}

// Unary, binary and ternary rows of ops.def with a table operand rule: operands are values of one
// dtype that the rule allows; the result broadcasts them.
Type elementwise(const Context& cx, const std::vector<ValueId>& operands, const SymbolLookup& symbols) {
  const OpInfo& info = op_info(cx.code);
  const bool binary = operands.size() == 2;
  for (std::size_t i = 0; i < operands.size(); ++i) {
    expect_value(cx, operands[i], binary ? (i == 0 ? "lhs" : "rhs") : "operand");
  }
  expect_same_dtype(cx, operands, 0);
  const DType d = cx.type(operands[0]).dtype;
  const std::string x = describe(cx.program, operands[0]);
  switch (info.operands) {
    case OperandRule::kNumeric:
      if (d == DType::kBool) {
        cx.fail(ErrorCode::kInvalidType, binary ? "arithmetic on bool values " + x + " is not supported; cast with .astype(...) first"
                                                : "bool operand " + x + " is not supported (NumPy); cast with .astype(...) first");
      }
      break;
    case OperandRule::kIntegral:
      if (is_float(d)) cx.fail(ErrorCode::kInvalidType, std::string("needs bool or integer operands (& | ^ ~), got ") + x);
      break;
    case OperandRule::kFloat:
      if (!is_float(d)) cx.fail(ErrorCode::kInvalidType, "needs float operands (the Builder casts), got " + x);
      break;
    default:
      break;
  }
  return broadcast(cx, operands, result_dtype(info.result, d), symbols);
}

// FF_AXIS rows: an array op along attrs.axis keeps the operand's shape (the scans' dtypes as NumPy 2:
// cumsum/cumprod of bool/int32 give int64; argsort int64); transpose permutes the axes by attrs.perm.
Type axis_op_type(const Context& cx, const std::vector<ValueId>& operands, const SymbolLookup& symbols) {
  const ValueId operand = operands[0];
  const Type& x = expect_kind(cx, operand, Kind::kArray, "operand");
  if (cx.code == OpCode::kTake) {
    if (cx.attrs.axis < 0 || cx.attrs.axis >= x.rank) {
      cx.fail(ErrorCode::kInvalidValue, "axis " + std::to_string(cx.attrs.axis) + " is out of range for " + describe(cx.program, operand));
    }
    const Type& idx = expect_value(cx, operands[1], "indices");
    if (idx.dtype != DType::kInt32 && idx.dtype != DType::kInt64) {
      cx.fail(ErrorCode::kInvalidType, "indices " + describe(cx.program, operands[1]) + " must be int32 or int64");
    }
    SymbolId dims[2 * kMaxRank];
    int rank = 0;
    for (int k = 0; k < cx.attrs.axis; ++k) dims[rank++] = x.dims[static_cast<std::size_t>(k)];
    for (int k = 0; idx.is_array() && k < idx.rank; ++k) dims[rank++] = idx.dims[static_cast<std::size_t>(k)];
    for (int k = cx.attrs.axis + 1; k < x.rank; ++k) dims[rank++] = x.dims[static_cast<std::size_t>(k)];
    if (rank > kMaxRank) {
      cx.fail(ErrorCode::kInvalidValue, "the result would have " + std::to_string(rank) + " axes (at most " + std::to_string(kMaxRank) + ")");
    }
    if (rank == 0) return Type::scalar(x.dtype, false);
    return Type::shaped(x.dtype, shape_length(cx.program, dims, rank, symbols), dims, rank);
  }
  if (cx.code != OpCode::kTranspose) {
    if (cx.attrs.axis < 0 || cx.attrs.axis >= x.rank) {
      cx.fail(ErrorCode::kInvalidValue, "axis " + std::to_string(cx.attrs.axis) + " is out of range for " + describe(cx.program, operand) +
                                            " (" + std::to_string(x.rank) + " axes)");
    }
    DType d = x.dtype;
    if (cx.code == OpCode::kArgSort) d = DType::kInt64;
    if ((cx.code == OpCode::kCumSum || cx.code == OpCode::kCumProd) && !is_float(d)) d = DType::kInt64;
    Type r = x;
    r.dtype = d;
    return r;
  }
  std::array<bool, kMaxRank> seen{};
  SymbolId dims[kMaxRank];
  for (int k = 0; k < kMaxRank; ++k) {
    const int a = cx.attrs.perm[static_cast<std::size_t>(k)];
    if (k >= x.rank) {
      if (a != k) cx.fail(ErrorCode::kInvalidValue, "perm must leave the axes past the operand's rank in place");
      continue;
    }
    if (a < 0 || a >= x.rank || seen[static_cast<std::size_t>(a)]) {
      cx.fail(ErrorCode::kInvalidValue, "perm must be a permutation of the " + std::to_string(x.rank) + " axes of " +
                                            describe(cx.program, operand));
    }
    seen[static_cast<std::size_t>(a)] = true;
    dims[k] = x.dims[static_cast<std::size_t>(a)];
  }
  return Type::shaped(x.dtype, shape_length(cx.program, dims, x.rank, symbols), dims, x.rank);
}


// The array statistics rows of ops.def (axis_len ... histogram_bins; see the table's comment).
bool is_array_stat(OpCode code) {
  const int c = static_cast<int>(code);
  return c >= static_cast<int>(OpCode::kAxisLen) && c <= static_cast<int>(OpCode::kHistogramBins);
}

Type array_stat_type(const Context& cx, const std::vector<ValueId>& operands, const SymbolLookup& symbols, const DefLookup& defs) {
  const ValueId operand = operands[0];
  const Type& x = expect_kind(cx, operand, Kind::kArray, "operand");
  const OpCode code = cx.code;
  const bool one_d = code == OpCode::kBinCount;  // histograms flatten x, as NumPy
  const bool flat = one_d || code == OpCode::kHistogram || code == OpCode::kHistogramEdges || code == OpCode::kHistogramBins;
  if (one_d && x.rank != 1) cx.fail(ErrorCode::kInvalidValue, std::string(op_name(code)) + " needs a 1-D operand, got " + describe(cx.program, operand));
  // median/quantile flags (value.i): bit 0 keepdims, bit 1 every axis (axis 0 then).
  const bool keep = (cx.attrs.value.i & 1) != 0, all = (cx.attrs.value.i & 2) != 0;
  if (all && cx.attrs.axis != 0) cx.fail(ErrorCode::kInvalidValue, "a reduction over every axis has axis 0");
  if (flat && cx.attrs.axis != 0) cx.fail(ErrorCode::kInvalidValue, std::string(op_name(code)) + " has axis 0");
  if (!flat && (cx.attrs.axis < 0 || cx.attrs.axis >= x.rank)) {
    cx.fail(ErrorCode::kInvalidValue, "axis " + std::to_string(cx.attrs.axis) + " is out of range for " + describe(cx.program, operand));
  }
  const auto axis = static_cast<std::size_t>(cx.attrs.axis);
  // x's shape with the axis replaced by `len` (kNoSymbol: dropped), after the `lead` axes.
  auto reshaped = [&](DType d, SymbolId len, const SymbolId* lead, int nlead) {
    SymbolId dims[2 * kMaxRank];
    int rank = 0;
    for (int k = 0; k < nlead; ++k) dims[rank++] = lead[k];
    for (int k = 0; k < x.rank; ++k) {
      if (all) {
        if (len != kNoSymbol) dims[rank++] = len;  // keepdims: every axis "1"
      } else if (static_cast<std::size_t>(k) != axis) {
        dims[rank++] = x.dims[static_cast<std::size_t>(k)];
      } else if (len != kNoSymbol) {
        dims[rank++] = len;
      }
    }
    if (rank > kMaxRank) cx.fail(ErrorCode::kInvalidValue, "the result would have " + std::to_string(rank) + " axes (at most " + std::to_string(kMaxRank) + ")");
    if (rank == 0) return Type::scalar(d, false);
    return Type::shaped(d, shape_length(cx.program, dims, rank, symbols), dims, rank);
  };
  auto count = [&](std::size_t i) {
    expect_int_scalar(cx, operands[i], "count");
    return count_symbol(cx, operands[i], symbols, defs);
  };
  auto no_bool = [&] {
    if (x.dtype == DType::kBool) cx.fail(ErrorCode::kInvalidType, std::string(op_name(code)) + " of bool " + describe(cx.program, operand) + " is not supported");
  };
  const DType stat = x.dtype == DType::kFloat32 ? DType::kFloat32 : DType::kFloat64;
  const SymbolId one = symbols(LengthSymbol{SymbolKind::kOne, kNoValue, 0});
  switch (code) {
    case OpCode::kAxisLen: return Type::scalar(DType::kInt64, false);
    case OpCode::kDiff: return reshaped(x.dtype, count(1), nullptr, 0);
    case OpCode::kTopK: return reshaped(x.dtype, count(1), nullptr, 0);
    case OpCode::kTopKIndices: return reshaped(DType::kInt64, count(1), nullptr, 0);
    case OpCode::kMedian: return reshaped(stat, keep ? one : kNoSymbol, nullptr, 0);
    case OpCode::kQuantile: {
      no_bool();
      const Type& q = expect_value(cx, operands[1], "q");
      if (q.dtype != DType::kFloat64 && q.dtype != DType::kFloat32) cx.fail(ErrorCode::kInvalidType, "q " + describe(cx.program, operands[1]) + " must be float");
      if (q.is_array() && q.rank != 1) cx.fail(ErrorCode::kInvalidValue, "q " + describe(cx.program, operands[1]) + " must be a scalar or 1-D");
      // NumPy: float32 data stays float32 with a Python-float or float32 q, else float64.
      const DType d = x.dtype == DType::kFloat32 && (q.weak || q.dtype == DType::kFloat32) ? DType::kFloat32 : DType::kFloat64;
      const SymbolId lead = q.is_array() ? q.dims[0] : kNoSymbol;
      return reshaped(d, keep ? one : kNoSymbol, &lead, q.is_array() ? 1 : 0);
    }
    case OpCode::kBinCount: {
      if (x.dtype != DType::kBool && x.dtype != DType::kInt32 && x.dtype != DType::kInt64) {
        cx.fail(ErrorCode::kInvalidType, "bincount needs an integer operand, got " + describe(cx.program, operand));
      }
      const SymbolId n = count(1);
      if (operands.size() == 3) {
        const Type& w = expect_kind(cx, operands[2], Kind::kArray, "weights");
        if (w.dtype != DType::kFloat64 || w.rank != 1 || w.length != x.length) {
          cx.fail(ErrorCode::kInvalidType, "weights " + describe(cx.program, operands[2]) + " must be float64 of the operand's length");
        }
      }
      return Type::array(operands.size() == 3 ? DType::kFloat64 : DType::kInt64, n);
    }
    case OpCode::kHistogram:
    case OpCode::kHistogramEdges: {
      no_bool();
      const SymbolId n = count(1);
      for (std::size_t i = 2; i < 4; ++i) {
        if (expect_kind(cx, operands[i], Kind::kScalar, "range").dtype != DType::kFloat64) cx.fail(ErrorCode::kInvalidType, "range bounds must be float64");
      }
      if (code == OpCode::kHistogram) return Type::array(DType::kInt64, n);
      // histogram_edges: operand 1 is the number of edges (bins + 1), the result's length.
      return Type::array(x.dtype == DType::kFloat32 ? DType::kFloat32 : DType::kFloat64, n);
    }
    case OpCode::kHistogramBins: {
      no_bool();
      const Type& e = expect_kind(cx, operands[1], Kind::kArray, "edges");
      if (e.dtype != DType::kFloat64 || e.rank != 1) cx.fail(ErrorCode::kInvalidType, "edges " + describe(cx.program, operands[1]) + " must be 1-D float64");
      return Type::array(DType::kInt64, count(2));
    }
    default: break;
  }
  cx.fail(ErrorCode::kInternal, "not an array statistic");
}
}  // namespace

// dim: x's axis length as an int64 scalar. slice: x with axis `axis` cut to `count` elements
// (count's symbol); count, begin and step are integer scalars (bounds are checked at run time).
Type view_op_type(const Context& cx, const std::vector<ValueId>& operands, const SymbolLookup& symbols, const DefLookup& defs) {
  const Type& x = expect_kind(cx, operands[0], Kind::kArray, "operand");
  if (cx.attrs.axis < 0 || cx.attrs.axis >= x.rank) {
    cx.fail(ErrorCode::kInvalidValue, "axis " + std::to_string(cx.attrs.axis) + " is out of range for " + describe(cx.program, operands[0]));
  }
  if (cx.code == OpCode::kDim) return Type::scalar(DType::kInt64, true);
  expect_int_scalar(cx, operands[1], "count");
  expect_int_scalar(cx, operands[2], "begin");
  expect_int_scalar(cx, operands[3], "step");
  SymbolId dims[kMaxRank];
  for (int k = 0; k < x.rank; ++k) dims[k] = x.dims[static_cast<std::size_t>(k)];
  dims[cx.attrs.axis] = count_symbol(cx, operands[1], symbols, defs);
  return Type::shaped(x.dtype, shape_length(cx.program, dims, x.rank, symbols), dims, x.rank);
}

// reshape: 1-4 integer scalar axis lengths, each axis with its operand's symbol; one axis keeps
// x's element-count symbol (x.reshape(-1)). Whether the counts agree is checked at run time.
Type reshape_type(const Context& cx, const std::vector<ValueId>& operands, const SymbolLookup& symbols, const DefLookup& defs) {
  const Type& x = expect_kind(cx, operands[0], Kind::kArray, "operand");
  const int rank = static_cast<int>(operands.size()) - 1;
  if (rank < 1 || rank > kMaxRank) cx.fail(ErrorCode::kInvalidValue, "shape must have 1 to " + std::to_string(kMaxRank) + " axes");
  SymbolId dims[kMaxRank];
  for (int k = 0; k < rank; ++k) {
    expect_int_scalar(cx, operands[static_cast<std::size_t>(k + 1)], "shape entry");
    dims[k] = rank == 1 ? x.length : count_symbol(cx, operands[static_cast<std::size_t>(k + 1)], symbols, defs);
  }
  return Type::shaped(x.dtype, shape_length(cx.program, dims, rank, symbols), dims, rank);
}

// concatenate / stack: operands[0] the result axis length (int scalar), then the arrays: one dtype,
// one rank; concatenate: equal axes except `axis`; stack: equal shapes, a new axis `axis`.
Type join_type(const Context& cx, const std::vector<ValueId>& operands, const SymbolLookup& symbols, const DefLookup& defs) {
  expect_int_scalar(cx, operands[0], "count");
  const Type& x0 = expect_kind(cx, operands[1], Kind::kArray, "array 0");
  const bool stack = cx.code == OpCode::kStack;
  const int rank = x0.rank + (stack ? 1 : 0);
  if (rank > kMaxRank) cx.fail(ErrorCode::kInvalidValue, "the result would have " + std::to_string(rank) + " axes (at most " + std::to_string(kMaxRank) + ")");
  if (cx.attrs.axis < 0 || cx.attrs.axis >= rank) {
    cx.fail(ErrorCode::kInvalidValue, "axis " + std::to_string(cx.attrs.axis) + " is out of range for a result of " + std::to_string(rank) + " axes");
  }
  for (std::size_t i = 2; i < operands.size(); ++i) {
    const Type& x = expect_kind(cx, operands[i], Kind::kArray, "array");
    if (x.dtype != x0.dtype) {
      cx.fail(ErrorCode::kInvalidType, "arrays must share one dtype (casts are explicit in the IR): " + describe(cx.program, operands[1]) +
                                           " vs " + describe(cx.program, operands[i]));
    }
    bool same = x.rank == x0.rank;
    for (int k = 0; same && k < x.rank; ++k) {
      same = (!stack && k == cx.attrs.axis) || x.dims[static_cast<std::size_t>(k)] == x0.dims[static_cast<std::size_t>(k)];
    }
    if (!same) {
      cx.fail(ErrorCode::kInvalidValue, "array " + std::to_string(i - 1) + " has shape " + shape_str(cx.program, x) + " but array 0 has " +
                                            shape_str(cx.program, x0) + (stack ? "; stacked arrays must have one shape"
                                                                              : "; all axes but axis " + std::to_string(cx.attrs.axis) + " must match"));
    }
  }
  SymbolId dims[kMaxRank];
  for (int k = 0, j = 0; k < rank; ++k) {
    if (k == cx.attrs.axis) {
      dims[k] = count_symbol(cx, operands[0], symbols, defs);
      if (!stack) ++j;
    } else {
      dims[k] = x0.dims[static_cast<std::size_t>(j++)];
    }
  }
  return Type::shaped(x0.dtype, shape_length(cx.program, dims, rank, symbols), dims, rank);
}

Type infer_type(const Program& program, OpCode code, const std::vector<ValueId>& operands, const Attributes& attrs,
                const Type* declared, const SymbolLookup& symbols, const DefLookup& defs, const SourceLocation* loc) {
  Context cx{program, code, attrs, loc};
  const OpInfo& info = op_info(code);
  if (info.min_args != kVariadic) {
    expect_count(cx, operands, static_cast<std::size_t>(info.min_args), static_cast<std::size_t>(info.max_args));
  }
  switch (code) {
    case OpCode::kConst: {
      if (!declared || !declared->is_scalar()) cx.fail(ErrorCode::kInvalidType, "a constant must be a scalar");
      if (declared->dtype == DType::kBool && attrs.value.i != 0 && attrs.value.i != 1) {
        cx.fail(ErrorCode::kInvalidValue, "a bool constant must be 0 or 1");
      }
      if (declared->dtype == DType::kInt32 &&
          (attrs.value.i < INT32_MIN || attrs.value.i > INT32_MAX)) {
        cx.fail(ErrorCode::kInvalidValue, "constant " + std::to_string(attrs.value.i) + " does not fit in int32");
      }
      return *declared;
    }
    case OpCode::kFull: {
      expect_int_scalar(cx, operands[0], "count");
      const Type& v = expect_kind(cx, operands[1], Kind::kScalar, "fill value");
      return Type::array(v.dtype, count_symbol(cx, operands[0], symbols, defs));
    }
    case OpCode::kArange:
      expect_int_scalar(cx, operands[0], "count");
      return Type::array(DType::kInt64, count_symbol(cx, operands[0], symbols, defs));
    case OpCode::kBroadcastTo: {
      const Type& x = expect_kind(cx, operands[0], Kind::kArray, "operand");
      if (!declared || !declared->is_array() || declared->dtype != x.dtype) {
        cx.fail(ErrorCode::kInvalidType, "broadcast_to needs a declared array type of the operand's dtype");
      }
      if (declared->rank < x.rank || declared->rank > kMaxRank) {
        cx.fail(ErrorCode::kInvalidValue, "cannot broadcast " + describe(program, operands[0]) + " to fewer axes");
      }
      for (int k = 0; k < x.rank; ++k) {
        const SymbolId s = x.dims[static_cast<std::size_t>(k)];
        const SymbolId d = declared->dims[static_cast<std::size_t>(k + declared->rank - x.rank)];
        if (s != d && !cx.is_one(s)) {
          cx.fail(ErrorCode::kInvalidValue, "cannot broadcast " + describe(program, operands[0]) + " to " + shape_str(program, *declared));
        }
      }
      return Type::shaped(x.dtype, shape_length(program, declared->dims.data(), declared->rank, symbols),
                          declared->dims.data(), declared->rank);
    }
    case OpCode::kReduceAxes: return reduce_axes_type(cx, operands[0], symbols);
    case OpCode::kLength:
      expect_kind(cx, operands[0], Kind::kArray, "operand");
      return Type::scalar(DType::kInt64, true);
    case OpCode::kNumNodes:
    case OpCode::kNumEdges:
      expect_kind(cx, operands[0], Kind::kGraph, "operand");
      return Type::scalar(DType::kInt64, true);
    case OpCode::kCast: {
      const Type& x = expect_value(cx, operands[0], "operand");
      if (!declared) cx.fail(ErrorCode::kInternal, "cast needs a target dtype");
      Type r = broadcast(cx, operands, declared->dtype, symbols);
      r.weak = declared->weak && x.is_scalar();  // implicit casts keep Python scalars weak
      return r;
    }
    case OpCode::kWhere: {
      const Type& c = expect_value(cx, operands[0], "condition");
      if (c.dtype != DType::kBool) cx.fail(ErrorCode::kInvalidType, "condition " + describe(program, operands[0]) + " must be bool");
      expect_value(cx, operands[1], "x");
      expect_value(cx, operands[2], "y");
      expect_same_dtype(cx, operands, 1);
      return broadcast(cx, operands, cx.type(operands[1]).dtype, symbols);
    }
    default:
      break;
  }
  if (is_elementwise(code) && info.operands != OperandRule::kSpecial) return elementwise(cx, operands, symbols);
  switch (code) {
    case OpCode::kSum:
    case OpCode::kMean:
    case OpCode::kMin:
    case OpCode::kMax:
    case OpCode::kArgMin:
    case OpCode::kArgMax:
    case OpCode::kNorm: {
      const Type& x = expect_kind(cx, operands[0], Kind::kArray, "operand");
      return Type::scalar(result_dtype(info.result, x.dtype), false);
    }
    case OpCode::kDot: {
      const Type& a = expect_kind(cx, operands[0], Kind::kArray, "lhs");
      const Type& b = expect_kind(cx, operands[1], Kind::kArray, "rhs");
      expect_same_dtype(cx, operands, 0);
      if (a.dtype == DType::kBool) cx.fail(ErrorCode::kInvalidType, "dot of bool arrays is not supported; cast first");
      if (a.length != b.length) {
        cx.fail(ErrorCode::kInvalidValue, "length mismatch: " + describe(program, operands[0]) + " has length " +
                                              program.symbol_name(a.length) + " but " + describe(program, operands[1]) +
                                              " has length " + program.symbol_name(b.length));
      }
      return Type::scalar(a.dtype, false);
    }
    case OpCode::kOutDegree:
    case OpCode::kInDegree:
      expect_kind(cx, operands[0], Kind::kGraph, "operand");
      return Type::array(DType::kInt64, graph_symbol(cx, operands[0], SymbolKind::kGraphNodes, symbols));
    case OpCode::kEdgeSrc:
    case OpCode::kEdgeDst: {
      expect_kind(cx, operands[0], Kind::kGraph, "graph");
      const Type& x = expect_kind(cx, operands[1], Kind::kArray, "node values");
      SymbolId n = graph_symbol(cx, operands[0], SymbolKind::kGraphNodes, symbols);
      if (x.length != n) {
        cx.fail(ErrorCode::kInvalidValue, "node values " + describe(program, operands[1]) + " must have the graph's node count " +
                                              program.symbol_name(n) + " as length, got " + program.symbol_name(x.length));
      }
      return Type::array(x.dtype, graph_symbol(cx, operands[0], SymbolKind::kGraphEdges, symbols));
    }
    case OpCode::kNeighborAgg: {
      expect_kind(cx, operands[0], Kind::kGraph, "graph");
      const Type& x = expect_kind(cx, operands[1], Kind::kArray, "node values");
      SymbolId n = graph_symbol(cx, operands[0], SymbolKind::kGraphNodes, symbols);
      if (x.length != n) {
        cx.fail(ErrorCode::kInvalidValue, "node values " + describe(program, operands[1]) + " must have the graph's node count " +
                                              program.symbol_name(n) + " as length, got " + program.symbol_name(x.length));
      }
      // Operands: (g, x[, w][, active]); the mask is last when attrs.active.
      const bool masked = attrs.active;
      if (masked) {
        if (attrs.combine == Combine::kNone) {
          cx.fail(ErrorCode::kInvalidValue, "an active mask needs a combine (mul, add, first, second)");
        }
        if (operands.size() < 3) cx.fail(ErrorCode::kInvalidValue, "an active mask operand is missing");
        const Type& m = expect_kind(cx, operands.back(), Kind::kArray, "active mask");
        if (m.dtype != DType::kBool) cx.fail(ErrorCode::kInvalidType, "active mask " + describe(program, operands.back()) + " must be bool");
        if (m.length != n) {
          cx.fail(ErrorCode::kInvalidValue, "active mask " + describe(program, operands.back()) + " must have the graph's node count " +
                                                program.symbol_name(n) + " as length, got " + program.symbol_name(m.length));
        }
      }
      bool weighted = operands.size() == (masked ? 4u : 3u);
      if (weighted) {
        const Type& w = expect_kind(cx, operands[2], Kind::kArray, "weights");
        SymbolId e = graph_symbol(cx, operands[0], SymbolKind::kGraphEdges, symbols);
        if (w.length != e) {
          cx.fail(ErrorCode::kInvalidValue, "weights " + describe(program, operands[2]) + " must have the graph's edge count " +
                                                program.symbol_name(e) + " as length, got " + program.symbol_name(w.length));
        }
        if (w.dtype != DType::kFloat64) cx.fail(ErrorCode::kInvalidType, "weights " + describe(program, operands[2]) + " must be float64");
        if ((attrs.agg == AggOp::kMin || attrs.agg == AggOp::kMax) && attrs.combine == Combine::kNone) {
          cx.fail(ErrorCode::kInvalidValue, "weights are not allowed with min/max aggregation (unless with a combine: mul, add, second)");
        }
      }
      if (attrs.combine != Combine::kNone) {
        // Semiring aggregation: fold combine(x[u], w[e]) with sum/min/max; float64 like the weights.
        // Semiring aggregation: fold combine(x[u], w[e]) in float64 (x converted by the lowering).
        if (!weighted && attrs.combine != Combine::kFirst) {
          cx.fail(ErrorCode::kInvalidValue, std::string("combine '") + combine_name(attrs.combine) + "' needs weights");
        }
        if (weighted && attrs.combine == Combine::kFirst) {
          cx.fail(ErrorCode::kInvalidValue, "combine 'first' takes no weights (it folds x[u] alone)");
        }
        if (!(attrs.agg == AggOp::kSum || attrs.agg == AggOp::kMin || attrs.agg == AggOp::kMax || attrs.agg == AggOp::kMean)) {
          cx.fail(ErrorCode::kInvalidValue, std::string("combine '") + combine_name(attrs.combine) + "' goes with sum, mean, min or max, not " +
                                                agg_op_name(attrs.agg));
        }
        return Type::array(DType::kFloat64, n);
      }
      DType d = x.dtype;
      switch (attrs.agg) {
        case AggOp::kSum: d = weighted ? DType::kFloat64 : sum_result(d); break;
        case AggOp::kMean: d = weighted ? DType::kFloat64 : float_result(d); break;
        case AggOp::kCount: d = weighted ? DType::kFloat64 : DType::kInt64; break;
        case AggOp::kMode:
          if (d == DType::kBool) cx.fail(ErrorCode::kInvalidType, "mode of bool values is not supported; cast to int32 first");
          break;
        case AggOp::kMin:
        case AggOp::kMax: break;
      }
      return Type::array(d, n);
    }
    default:
      break;
  }
  if (is_array_stat(code)) return array_stat_type(cx, operands, symbols, defs);
  if (code == OpCode::kDim || code == OpCode::kSlice) return view_op_type(cx, operands, symbols, defs);
  if (code == OpCode::kReshape) return reshape_type(cx, operands, symbols, defs);
  if (code == OpCode::kConcatenate || code == OpCode::kStack) return join_type(cx, operands, symbols, defs);
  if (is_axis_op(code)) return axis_op_type(cx, operands, symbols);
  cx.fail(ErrorCode::kInternal, "infer_type called on a control-flow op");
}

bool declared_by_runtime_counts(const Program& program, const Op& op, const Type& declared, const SymbolLookup& symbols) {
  auto no_defs = [](ValueId) -> std::optional<ValueDef> { return std::nullopt; };
  try {
    return infer_type(program, op.code, op.operands, op.attrs, &declared, symbols, no_defs, &op.loc) == declared;
  } catch (const Error&) {
    return false;  // the mismatch found first is the one reported
  }
}

}  // namespace fuseflow::ir::detail
