// Builder: type inference + NumPy promotion (with explicit casts) + scope checks while building.
#include "fuseflow/ir/builder.h"

#include <algorithm>

#include "detail.h"
#include "fuseflow/ir/axis_reduce.h"

namespace fuseflow::ir {

namespace {

std::string sanitize_name(const std::string& name) {
  std::string out;
  // ASCII letters and digits whatever the locale: the name is printed in the text format.
  for (char c : name) {
    const bool keep = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') || c == '_';
    out += keep ? c : '_';
  }
  if (!out.empty() && out[0] >= '0' && out[0] <= '9') out.insert(out.begin(), '_');  // the parser reads an identifier
  return out.empty() ? "main" : out;
}

Type strong(Type t) {
  t.weak = false;
  return t;
}

}  // namespace

Builder::Builder(std::string name) { program_.name = sanitize_name(name); }

void Builder::fail(ErrorCode code, OpCode op, const std::string& message) const {
  detail::op_error(code, op_name(op), loc_, message);
}

Block& Builder::current_block() {
  if (open_.empty()) return program_.body;
  OpenRegionState& top = open_.back();
  return top.op.regions[static_cast<std::size_t>(top.region)];
}

const Type& Builder::type(ValueId v) const {
  if (v < 0 || static_cast<std::size_t>(v) >= program_.values.size()) {
    throw Error(ErrorCode::kInvalidValue, "value %" + std::to_string(v) + " is not defined");
  }
  return program_.type(v);
}

ValueId Builder::new_value(Type t) {
  program_.values.push_back(t);
  scope_of_.push_back(open_scopes_.back());
  origin_.emplace_back();
  return static_cast<ValueId>(program_.values.size() - 1);
}

void Builder::check_visible(ValueId v, OpCode op) const {
  if (v < 0 || static_cast<std::size_t>(v) >= program_.values.size()) {
    fail(ErrorCode::kInvalidValue, op, "operand %" + std::to_string(v) + " is not a defined value");
  }
  int scope = scope_of_[static_cast<std::size_t>(v)];
  if (std::find(open_scopes_.begin(), open_scopes_.end(), scope) == open_scopes_.end()) {
    fail(ErrorCode::kInvalidValue, op,
         "operand " + detail::describe(program_, v) +
             " was defined inside a loop body that has ended; return it from the body as a carry instead");
  }
}

bool Builder::adopt_declared_type(ValueId v, const Type& declared) {
  const Block& b = current_block();
  if (b.ops.empty() || b.ops.back().results.size() != 1 || b.ops.back().results[0] != v) return false;
  auto symbols = [this](const LengthSymbol& s) -> SymbolId {
    for (std::size_t i = 0; i < program_.symbols.size(); ++i) {
      if (program_.symbols[i] == s) return static_cast<SymbolId>(i);
    }
    return kNoSymbol;
  };
  if (!detail::declared_by_runtime_counts(program_, b.ops.back(), declared, symbols)) return false;
  program_.values[static_cast<std::size_t>(v)] = declared;
  return true;
}

Type Builder::infer(OpCode code, const std::vector<ValueId>& operands, const Attributes& attrs, const Type* declared) {
  for (ValueId v : operands) check_visible(v, code);
  auto symbols = [this](const LengthSymbol& s) { return program_.intern(s); };
  auto defs = [this](ValueId v) -> std::optional<detail::ValueDef> {
    if (v < 0 || static_cast<std::size_t>(v) >= origin_.size()) return std::nullopt;
    const Origin& o = origin_[static_cast<std::size_t>(v)];
    if (o.code < 0) return std::nullopt;
    return detail::ValueDef{static_cast<OpCode>(o.code), o.operand, o.aux};
  };
  return detail::infer_type(program_, code, operands, attrs, declared, symbols, defs, &loc_);
}

ValueId Builder::emit(OpCode code, std::vector<ValueId> operands, Type result, Attributes attrs) {
  Op op;
  op.code = code;
  op.attrs = attrs;
  op.loc = loc_;
  ValueId r = new_value(result);
  origin_[static_cast<std::size_t>(r)] = {static_cast<int>(code), operands.empty() ? kNoValue : operands[0],
                                         detail::def_aux(code, attrs)};
  op.operands = std::move(operands);
  op.results = {r};
  current_block().ops.push_back(std::move(op));
  return r;
}

ValueId Builder::make(OpCode code, std::vector<ValueId> operands, Attributes attrs) {
  Type t = infer(code, operands, attrs);
  return emit(code, std::move(operands), t, attrs);
}

ValueId Builder::add_raw_op(OpCode code, const std::vector<ValueId>& operands, const Attributes& attrs, Type result) {
  for (ValueId v : operands) check_visible(v, code);
  return emit(code, operands, result, attrs);
}

// ---------------------------------------------------------------- inputs

void Builder::check_inputs_phase(const char* what) const {
  if (!open_.empty() || !program_.body.ops.empty()) {
    throw Error(ErrorCode::kInvalidValue, std::string(what) + ": inputs must be added before the first op");
  }
}

ValueId Builder::add_graph_input() {
  check_inputs_phase("add_graph_input");
  ValueId g = new_value(Type::graph());
  program_.body.args.push_back(g);
  program_.intern(LengthSymbol{SymbolKind::kGraphNodes, g, graphs_});
  program_.intern(LengthSymbol{SymbolKind::kGraphEdges, g, graphs_});
  ++graphs_;
  return g;
}

ValueId Builder::add_array_input(DType dtype, SymbolId length) {
  check_inputs_phase("add_array_input");
  if (length < 0 || static_cast<std::size_t>(length) >= program_.symbols.size() ||
      program_.symbols[static_cast<std::size_t>(length)].kind == SymbolKind::kRuntime) {
    throw_value_error("length", "must be a symbol from new_input_symbol/one_symbol/nodes_symbol/edges_symbol");
  }
  ValueId v = new_value(Type::array(dtype, length));
  program_.body.args.push_back(v);
  return v;
}

ValueId Builder::add_shaped_input(DType dtype, const std::vector<SymbolId>& dims) {
  check_inputs_phase("add_array_input");
  if (dims.empty() || dims.size() > static_cast<std::size_t>(kMaxRank)) {
    throw_value_error("shape", "must have 1 to " + std::to_string(kMaxRank) + " axes, got " + std::to_string(dims.size()));
  }
  for (SymbolId s : dims) {
    if (s < 0 || static_cast<std::size_t>(s) >= program_.symbols.size() ||
        program_.symbols[static_cast<std::size_t>(s)].kind == SymbolKind::kRuntime ||
        program_.symbols[static_cast<std::size_t>(s)].kind == SymbolKind::kProduct) {
      throw_value_error("shape", "axes must be symbols from new_input_symbol/one_symbol/nodes_symbol/edges_symbol");
    }
  }
  if (dims.size() == 1) return add_array_input(dtype, dims[0]);
  const SymbolId length = shape_length(program_, dims.data(), static_cast<int>(dims.size()),
                                       [this](const LengthSymbol& s) { return program_.intern(s); });
  ValueId v = new_value(Type::shaped(dtype, length, dims.data(), static_cast<int>(dims.size())));
  program_.body.args.push_back(v);
  return v;
}

ValueId Builder::add_scalar_input(DType dtype, bool weak) {
  check_inputs_phase("add_scalar_input");
  ValueId v = new_value(Type::scalar(dtype, weak));
  program_.body.args.push_back(v);
  return v;
}

SymbolId Builder::new_input_symbol() {
  return program_.intern(LengthSymbol{SymbolKind::kInput, kNoValue, input_symbols_++});
}

SymbolId Builder::input_symbol(int ordinal) {
  if (ordinal < 0) throw_value_error("ordinal", "must be >= 0");
  input_symbols_ = std::max(input_symbols_, ordinal + 1);
  return program_.intern(LengthSymbol{SymbolKind::kInput, kNoValue, ordinal});
}

SymbolId Builder::runtime_symbol(ValueId count) {
  check_visible(count, OpCode::kFull);
  return program_.intern(LengthSymbol{SymbolKind::kRuntime, count, 0});
}

void Builder::set_last_op_location(SourceLocation loc) {
  Block& b = current_block();
  if (b.ops.empty()) throw Error(ErrorCode::kInternal, "set_last_op_location: no op yet");
  b.ops.back().loc = std::move(loc);
}

SymbolId Builder::one_symbol() { return program_.intern(LengthSymbol{}); }

SymbolId Builder::nodes_symbol(ValueId graph) {
  for (std::size_t i = 0; i < program_.symbols.size(); ++i) {
    const LengthSymbol& s = program_.symbols[i];
    if (s.kind == SymbolKind::kGraphNodes && s.source == graph) return static_cast<SymbolId>(i);
  }
  throw_value_error("graph", std::string("%") + std::to_string(graph) + " is not a graph input");
}

SymbolId Builder::edges_symbol(ValueId graph) {
  for (std::size_t i = 0; i < program_.symbols.size(); ++i) {
    const LengthSymbol& s = program_.symbols[i];
    if (s.kind == SymbolKind::kGraphEdges && s.source == graph) return static_cast<SymbolId>(i);
  }
  throw_value_error("graph", std::string("%") + std::to_string(graph) + " is not a graph input");
}

// ---------------------------------------------------------------- constants and casts

ValueId Builder::constant_float(double v, DType dtype, bool weak) {
  Attributes a;
  if (is_float(dtype)) {
    a.value.f = v;
  } else {
    fail(ErrorCode::kInvalidType, OpCode::kConst, std::string("constant_float needs a float dtype, got ") + dtype_numpy_name(dtype));
  }
  Type t = Type::scalar(dtype, weak);
  return emit(OpCode::kConst, {}, infer(OpCode::kConst, {}, a, &t), a);
}

ValueId Builder::constant_int(std::int64_t v, DType dtype, bool weak) {
  Attributes a;
  if (is_float(dtype)) {
    a.value.f = static_cast<double>(v);
  } else {
    a.value.i = dtype == DType::kBool ? (v != 0) : v;
  }
  Type t = Type::scalar(dtype, weak);
  return emit(OpCode::kConst, {}, infer(OpCode::kConst, {}, a, &t), a);
}

ValueId Builder::constant_bool(bool v, bool weak) { return constant_int(v ? 1 : 0, DType::kBool, weak); }

ValueId Builder::cast(ValueId x, DType dtype) {
  check_visible(x, OpCode::kCast);
  const Type& t = type(x);
  if (t.is_graph()) fail(ErrorCode::kInvalidType, OpCode::kCast, "cannot cast graph " + detail::describe(program_, x));
  if (t.dtype == dtype && !t.weak) return x;
  Type target = t;
  target.dtype = dtype;
  target.weak = false;
  return emit(OpCode::kCast, {x}, infer(OpCode::kCast, {x}, {}, &target));
}

ValueId Builder::coerce(ValueId v, DType dtype, OpCode op) {
  const Type& t = type(v);
  if (t.is_graph() || t.dtype == dtype) return v;
  if (!implicit_casts_) {
    fail(ErrorCode::kInvalidType, op,
         "operand " + detail::describe(program_, v) + " must have dtype " + dtype_short_name(dtype) + " (casts are explicit in IR text)");
  }
  // An implicit cast keeps a Python scalar weak, so ~i64 + ~f64 stays a weak ~f64.
  Type target = t;
  target.dtype = dtype;
  return emit(OpCode::kCast, {v}, infer(OpCode::kCast, {v}, {}, &target));
}

// ---------------------------------------------------------------- elementwise

namespace {

PromotionOperand promo(const Type& t) { return {t.dtype, t.is_scalar() && t.weak}; }

}  // namespace

SymbolId Builder::shape_symbol(const std::vector<SymbolId>& dims) {
  return shape_length(program_, dims.data(), static_cast<int>(dims.size()), [this](const LengthSymbol& s) { return program_.intern(s); });
}

ValueId Builder::broadcast_to(ValueId x, const std::vector<SymbolId>& dims) {
  check_visible(x, OpCode::kBroadcastTo);
  const Type& t = type(x);
  if (!t.is_array()) fail(ErrorCode::kInvalidType, OpCode::kBroadcastTo, "operand " + detail::describe(program_, x) + " must be an array");
  if (dims.empty() || dims.size() > static_cast<std::size_t>(kMaxRank)) {
    fail(ErrorCode::kInvalidValue, OpCode::kBroadcastTo, "the target shape must have 1 to " + std::to_string(kMaxRank) + " axes");
  }
  Type target = Type::shaped(t.dtype, kNoSymbol, dims.data(), static_cast<int>(dims.size()));
  if (target.same_dims(t)) return x;
  return emit(OpCode::kBroadcastTo, {x}, infer(OpCode::kBroadcastTo, {x}, {}, &target));
}

// NumPy broadcasting across axes: every array operand whose shape is not the broadcast shape (and
// that is not a single element, which kernels read as a scalar) is read through broadcast_to.
// Shapes that do not broadcast are left for infer() to report.
void Builder::broadcast_operands(std::vector<ValueId>& operands) {
  if (!implicit_casts_) return;  // IR text: broadcasts are explicit, like casts
  int rank = 0;
  for (ValueId v : operands) {
    if (type(v).is_array()) rank = std::max<int>(rank, type(v).rank);
  }
  if (rank == 0) return;
  std::vector<SymbolId> dims(static_cast<std::size_t>(rank), kNoSymbol);
  auto is_one = [this](SymbolId s) { return program_.symbols[static_cast<std::size_t>(s)].kind == SymbolKind::kOne; };
  for (ValueId v : operands) {
    const Type& t = type(v);
    if (!t.is_array()) continue;
    for (int k = 0; k < t.rank; ++k) {
      SymbolId& d = dims[static_cast<std::size_t>(k + rank - t.rank)];
      const SymbolId s = t.dims[static_cast<std::size_t>(k)];
      if (d == kNoSymbol || is_one(d)) {
        d = s;
      } else if (s != d && !is_one(s)) {
        return;  // does not broadcast: infer() names the operands
      }
    }
  }
  const SymbolId length = shape_length(program_, dims.data(), rank, [this](const LengthSymbol& s) { return program_.intern(s); });
  for (ValueId& v : operands) {
    const Type& t = type(v);
    if (t.is_array() && t.length != length && !is_one(t.length)) v = broadcast_to(v, dims);
  }
}

ValueId Builder::unary(OpCode code, ValueId x) {
  if (op_info(code).op_class != OpClass::kUnary || code == OpCode::kCast) {
    fail(ErrorCode::kInvalidValue, code, "is not a unary elementwise op");
  }
  check_visible(x, code);
  if (type(x).is_graph()) fail(ErrorCode::kInvalidType, code, "operand " + detail::describe(program_, x) + " must be an array or scalar");
  if (is_float_math(code)) x = coerce(x, float_result(type(x).dtype), code);
  return make(code, {x});
}

ValueId Builder::binary(OpCode code, ValueId a, ValueId b) {
  if (op_info(code).op_class != OpClass::kBinary) fail(ErrorCode::kInvalidValue, code, "is not a binary elementwise op");
  check_visible(a, code);
  check_visible(b, code);
  for (ValueId v : {a, b}) {
    if (type(v).is_graph()) fail(ErrorCode::kInvalidType, code, "operand " + detail::describe(program_, v) + " must be an array or scalar");
  }
  DType compute = promote(promo(type(a)), promo(type(b))).dtype;
  if (op_info(code).operands == OperandRule::kFloat) compute = float_result(compute);  // true division
  a = coerce(a, compute, code);
  b = coerce(b, compute, code);
  std::vector<ValueId> operands{a, b};
  broadcast_operands(operands);
  return make(code, std::move(operands));
}

ValueId Builder::where(ValueId cond, ValueId a, ValueId b) {
  for (ValueId v : {cond, a, b}) {
    check_visible(v, OpCode::kWhere);
    if (type(v).is_graph()) fail(ErrorCode::kInvalidType, OpCode::kWhere, "operand " + detail::describe(program_, v) + " must be an array or scalar");
  }
  cond = coerce(cond, DType::kBool, OpCode::kWhere);
  DType compute = promote(promo(type(a)), promo(type(b))).dtype;
  a = coerce(a, compute, OpCode::kWhere);
  b = coerce(b, compute, OpCode::kWhere);
  std::vector<ValueId> operands{cond, a, b};
  broadcast_operands(operands);
  return make(OpCode::kWhere, std::move(operands));
}

ValueId Builder::clip(ValueId x, ValueId lo, ValueId hi) {
  for (ValueId v : {x, lo, hi}) {
    check_visible(v, OpCode::kClip);
    if (type(v).is_graph()) fail(ErrorCode::kInvalidType, OpCode::kClip, "operand " + detail::describe(program_, v) + " must be an array or scalar");
  }
  PromotionOperand p = promote(promote(promo(type(x)), promo(type(lo))), promo(type(hi)));
  x = coerce(x, p.dtype, OpCode::kClip);
  lo = coerce(lo, p.dtype, OpCode::kClip);
  hi = coerce(hi, p.dtype, OpCode::kClip);
  std::vector<ValueId> operands{x, lo, hi};
  broadcast_operands(operands);
  return make(OpCode::kClip, std::move(operands));
}

// ---------------------------------------------------------------- reductions, creation, graph

ValueId Builder::reduce(OpCode code, ValueId x) {
  if (op_info(code).op_class != OpClass::kReduction || code == OpCode::kDot || code == OpCode::kNorm) {
    fail(ErrorCode::kInvalidValue, code, "is not a one-operand reduction (use dot()/norm())");
  }
  return make(code, {x});
}

ValueId Builder::dot(ValueId a, ValueId b) {
  check_visible(a, OpCode::kDot);
  check_visible(b, OpCode::kDot);
  if (!type(a).is_graph() && !type(b).is_graph()) {
    DType compute = promote(promo(type(a)), promo(type(b))).dtype;
    a = coerce(a, compute, OpCode::kDot);
    b = coerce(b, compute, OpCode::kDot);
  }
  return make(OpCode::kDot, {a, b});
}

ValueId Builder::axis_op(OpCode code, ValueId x, int axis) {
  if (!is_axis_op(code) || code == OpCode::kTranspose || code == OpCode::kTake || code == OpCode::kDim || code == OpCode::kSlice) fail(ErrorCode::kInvalidValue, code, "is not an array op along an axis");
  Attributes a;
  a.axis = axis;
  return make(code, {x}, a);
}

ValueId Builder::take(ValueId x, ValueId idx, int axis) {
  Attributes a;
  a.axis = axis;
  return make(OpCode::kTake, {x, idx}, a);
}

ValueId Builder::array_stat(OpCode code, const std::vector<ValueId>& operands, int axis, int flags) {
  const int c = static_cast<int>(code);
  if (c < static_cast<int>(OpCode::kAxisLen) || c > static_cast<int>(OpCode::kHistogramBins)) {
    fail(ErrorCode::kInvalidValue, code, "is not an array statistic");
  }
  for (ValueId v : operands) check_visible(v, code);
  Attributes a;
  a.axis = axis;
  if (flags < 0 || flags > 3 || (flags != 0 && code != OpCode::kMedian && code != OpCode::kQuantile)) {
    fail(ErrorCode::kInvalidValue, code, "flags must be 0..3 (keepdims, all axes), and only on median/quantile");
  }
  a.value.i = flags;
  return make(code, operands, a);
}

ValueId Builder::dim(ValueId x, int axis) {
  Attributes a;
  a.axis = axis;
  return make(OpCode::kDim, {x}, a);
}

ValueId Builder::slice(ValueId x, ValueId count, ValueId begin, ValueId step, int axis) {
  Attributes a;
  a.axis = axis;
  return make(OpCode::kSlice, {x, count, begin, step}, a);
}

ValueId Builder::reshape(ValueId x, const std::vector<ValueId>& dims) {
  std::vector<ValueId> operands{x};
  operands.insert(operands.end(), dims.begin(), dims.end());
  return make(OpCode::kReshape, std::move(operands));
}

ValueId Builder::join(OpCode code, ValueId count, const std::vector<ValueId>& xs, int axis) {
  if (code != OpCode::kConcatenate && code != OpCode::kStack) fail(ErrorCode::kInvalidValue, code, "is not concatenate or stack");
  std::vector<ValueId> operands{count};
  operands.insert(operands.end(), xs.begin(), xs.end());
  Attributes a;
  a.axis = axis;
  return make(code, std::move(operands), a);
}

bool Builder::visible(ValueId v) const {
  if (v < 0 || static_cast<std::size_t>(v) >= program_.values.size()) return false;
  return std::find(open_scopes_.begin(), open_scopes_.end(), scope_of_[static_cast<std::size_t>(v)]) != open_scopes_.end();
}

ValueId Builder::transpose(ValueId x, const std::vector<int>& perm) {
  if (perm.size() > static_cast<std::size_t>(kMaxRank)) {
    fail(ErrorCode::kInvalidValue, OpCode::kTranspose, "perm has more than " + std::to_string(kMaxRank) + " axes");
  }
  Attributes a;
  for (std::size_t k = 0; k < perm.size(); ++k) {
    if (perm[k] < 0 || perm[k] >= kMaxRank) fail(ErrorCode::kInvalidValue, OpCode::kTranspose, "perm must be a permutation of the operand's axes");
    a.perm[k] = static_cast<std::int8_t>(perm[k]);
  }
  return make(OpCode::kTranspose, {x}, a);
}

ValueId Builder::norm(ValueId x, NormKind kind) {
  Attributes a;
  a.norm = kind;
  return make(OpCode::kNorm, {x}, a);
}

ValueId Builder::reduce_axes(ValueId x, const AxisReduce& r) {
  check_visible(x, OpCode::kReduceAxes);
  return make(OpCode::kReduceAxes, {x}, axis_reduce_attrs(r));
}

ValueId Builder::full(ValueId count, ValueId value) { return make(OpCode::kFull, {count, value}); }
ValueId Builder::arange(ValueId count) { return make(OpCode::kArange, {count}); }
ValueId Builder::length(ValueId x) { return make(OpCode::kLength, {x}); }
ValueId Builder::num_nodes(ValueId g) { return make(OpCode::kNumNodes, {g}); }
ValueId Builder::num_edges(ValueId g) { return make(OpCode::kNumEdges, {g}); }
ValueId Builder::out_degree(ValueId g) { return make(OpCode::kOutDegree, {g}); }
ValueId Builder::in_degree(ValueId g) { return make(OpCode::kInDegree, {g}); }
ValueId Builder::edge_src(ValueId g, ValueId x) { return make(OpCode::kEdgeSrc, {g, x}); }
ValueId Builder::edge_dst(ValueId g, ValueId x) { return make(OpCode::kEdgeDst, {g, x}); }

ValueId Builder::neighbor_agg(ValueId g, ValueId x, AggOp op, Direction direction, std::optional<ValueId> weights,
                              Combine combine, std::optional<ValueId> active) {
  Attributes a;
  a.agg = op;
  a.direction = direction;
  a.combine = combine;
  a.active = active.has_value();
  std::vector<ValueId> operands{g, x};
  if (weights) {
    check_visible(*weights, OpCode::kNeighborAgg);
    operands.push_back(coerce(*weights, DType::kFloat64, OpCode::kNeighborAgg));
  }
  if (active) {
    check_visible(*active, OpCode::kNeighborAgg);
    operands.push_back(*active);  // bool[N], checked by infer_type (no coercion: a mask is a mask)
  }
  return make(OpCode::kNeighborAgg, std::move(operands), a);
}

// ---------------------------------------------------------------- regions

void Builder::check_depth(OpCode code) const {
  // A fused region holds no regions: it may open inside the deepest loop body (one level more).
  const bool leaf = code == OpCode::kFused || code == OpCode::kFusedAgg;
  if (open_.size() >= static_cast<std::size_t>(kMaxRegionDepth) + (leaf ? 1 : 0)) {
    fail(ErrorCode::kInvalidValue, code,
         "loops nest deeper than " + std::to_string(kMaxRegionDepth) + " levels; at most " +
             std::to_string(kMaxRegionDepth) + " loop/while bodies may nest inside each other");
  }
}

std::vector<ValueId> Builder::open_region(std::vector<ValueId> carried_types_from) {
  open_scopes_.push_back(next_scope_++);
  std::vector<ValueId> args;
  for (ValueId init : carried_types_from) args.push_back(new_value(strong(type(init))));
  current_block().args = args;
  return args;
}

std::vector<ValueId> Builder::begin_loop(ValueId count, const std::vector<ValueId>& inits) {
  check_depth(OpCode::kLoop);
  check_visible(count, OpCode::kLoop);
  const Type& ct = type(count);
  if (!ct.is_scalar() || !is_integer(ct.dtype)) {
    fail(ErrorCode::kInvalidType, OpCode::kLoop, "count " + detail::describe(program_, count) + " must be an integer scalar");
  }
  for (ValueId v : inits) {
    check_visible(v, OpCode::kLoop);
    if (type(v).is_graph()) fail(ErrorCode::kInvalidType, OpCode::kLoop, "a graph cannot be a loop carry");
  }
  OpenRegionState st;
  st.op.code = OpCode::kLoop;
  st.op.loc = loc_;
  st.op.operands.push_back(count);
  st.op.operands.insert(st.op.operands.end(), inits.begin(), inits.end());
  st.op.regions.resize(1);
  st.inits = inits;
  open_.push_back(std::move(st));
  return open_region(inits);
}

std::vector<ValueId> Builder::begin_while(const std::vector<ValueId>& inits) {
  check_depth(OpCode::kWhile);
  for (ValueId v : inits) {
    check_visible(v, OpCode::kWhile);
    if (type(v).is_graph()) fail(ErrorCode::kInvalidType, OpCode::kWhile, "a graph cannot be a loop carry");
  }
  OpenRegionState st;
  st.op.code = OpCode::kWhile;
  st.op.loc = loc_;
  st.op.operands = inits;
  st.op.regions.resize(2);
  st.inits = inits;
  open_.push_back(std::move(st));
  return open_region(inits);
}

std::vector<ValueId> Builder::begin_while_body(ValueId cond) {
  if (open_.empty() || open_.back().op.code != OpCode::kWhile || open_.back().region != 0) {
    fail(ErrorCode::kInvalidValue, OpCode::kWhile, "begin_while_body without an open while condition");
  }
  check_visible(cond, OpCode::kWhile);
  const Type& t = type(cond);
  if (!t.is_scalar()) {
    fail(ErrorCode::kInvalidType, OpCode::kWhile,
         "the condition " + detail::describe(program_, cond) + " must be a scalar (reduce an array with ff.sum/ff.max/...)");
  }
  cond = coerce(cond, DType::kBool, OpCode::kWhile);
  current_block().yields = {cond};
  open_scopes_.pop_back();
  open_.back().region = 1;
  return open_region(open_.back().inits);
}

std::vector<ValueId> Builder::close_region(OpCode code, std::vector<ValueId> yields) {
  if (open_.empty() || open_.back().op.code != code ||
      open_.back().region != static_cast<int>(open_.back().op.regions.size()) - 1) {
    fail(ErrorCode::kInvalidValue, code, std::string("end_") + op_name(code) + " without a matching begin");
  }
  Block& block = current_block();
  if (yields.size() != block.args.size()) {
    fail(ErrorCode::kInvalidType, code,
         "the body returns " + std::to_string(yields.size()) + " values but the loop carries " +
             std::to_string(block.args.size()) + "; a carry must keep its structure");
  }
  for (std::size_t i = 0; i < yields.size(); ++i) {
    check_visible(yields[i], code);
    const Type& want = type(block.args[i]);
    const Type& got = type(yields[i]);
    if (got.same_shape_and_dtype(want)) continue;
    // A Python scalar that fits the carry (e.g. returning 0 for a float carry) is converted.
    if (got.is_scalar() && got.weak && want.is_scalar() &&
        promote({want.dtype, false}, {got.dtype, true}).dtype == want.dtype) {
      yields[i] = cast(yields[i], want.dtype);
      continue;
    }
    fail(ErrorCode::kInvalidType, code,
         "carry " + std::to_string(i) + " changes type from " + detail::type_str(program_, want) + " to " +
             detail::type_str(program_, got) + " in the loop body; a carry must keep its dtype and length");
  }
  block.yields = std::move(yields);
  open_scopes_.pop_back();
  OpenRegionState st = std::move(open_.back());
  open_.pop_back();
  std::vector<ValueId> results;
  for (ValueId init : st.inits) {
    ValueId r = new_value(strong(type(init)));
    origin_[static_cast<std::size_t>(r)].code = static_cast<int>(code);
    results.push_back(r);
  }
  st.op.results = results;
  current_block().ops.push_back(std::move(st.op));
  return results;
}

std::vector<ValueId> Builder::end_loop(const std::vector<ValueId>& yields) { return close_region(OpCode::kLoop, yields); }
std::vector<ValueId> Builder::end_while(const std::vector<ValueId>& yields) { return close_region(OpCode::kWhile, yields); }

// ---------------------------------------------------------------- fused regions

void Builder::begin_fused() {
  check_depth(OpCode::kFused);
  OpenRegionState st;
  st.op.code = OpCode::kFused;
  st.op.loc = loc_;
  st.op.regions.resize(1);
  open_.push_back(std::move(st));
  open_region({});
}

std::vector<ValueId> Builder::close_fused(OpCode code, const std::vector<ValueId>& yields) {
  if (open_.empty() || open_.back().op.code != code ||
      open_.back().region != static_cast<int>(open_.back().op.regions.size()) - 1) {
    fail(ErrorCode::kInvalidValue, code, std::string("end_") + op_name(code) + " without a matching begin");
  }
  for (std::size_t i = 0; i < yields.size(); ++i) {
    check_visible(yields[i], code);
    // Each yield is written straight into its own result's buffer: one value cannot be two.
    if (std::find(yields.begin(), yields.begin() + static_cast<std::ptrdiff_t>(i), yields[i]) != yields.begin() + static_cast<std::ptrdiff_t>(i)) {
      fail(ErrorCode::kInvalidValue, code, "yields " + detail::describe(program_, yields[i]) + " twice; a fused region yields each value at most once");
    }
  }
  current_block().yields = yields;
  open_scopes_.pop_back();
  OpenRegionState st = std::move(open_.back());
  open_.pop_back();
  std::vector<ValueId> results;
  for (ValueId y : yields) {
    ValueId r = new_value(type(y));
    origin_[static_cast<std::size_t>(r)].code = static_cast<int>(code);
    results.push_back(r);
  }
  st.op.results = results;
  current_block().ops.push_back(std::move(st.op));
  return results;
}

std::vector<ValueId> Builder::end_fused(const std::vector<ValueId>& yields) { return close_fused(OpCode::kFused, yields); }

ValueId Builder::begin_fused_agg(ValueId g, ValueId x, AggOp op, Direction direction, std::optional<ValueId> weights,
                                 Combine combine, std::optional<ValueId> active) {
  check_depth(OpCode::kFusedAgg);
  check_visible(g, OpCode::kFusedAgg);
  check_visible(x, OpCode::kFusedAgg);
  OpenRegionState st;
  st.op.code = OpCode::kFusedAgg;
  st.op.loc = loc_;
  st.op.attrs.agg = op;
  st.op.attrs.direction = direction;
  st.op.attrs.combine = combine;
  st.op.attrs.active = active.has_value();
  st.op.operands = {g, x};
  if (weights) {
    check_visible(*weights, OpCode::kFusedAgg);
    st.op.operands.push_back(*weights);
  }
  if (active) {
    check_visible(*active, OpCode::kFusedAgg);
    st.op.operands.push_back(*active);
  }
  // The operands must make a valid neighbor_agg (types checked here, before any region opens).
  (void)infer(OpCode::kNeighborAgg, st.op.operands, st.op.attrs);
  st.op.regions.resize(2);
  open_.push_back(std::move(st));
  return open_region({x}).at(0);
}

ValueId Builder::begin_fused_agg_epilogue(ValueId prologue_yield) {
  if (open_.empty() || open_.back().op.code != OpCode::kFusedAgg || open_.back().region != 0) {
    fail(ErrorCode::kInvalidValue, OpCode::kFusedAgg, "begin_fused_agg_epilogue without an open fused_agg prologue");
  }
  check_visible(prologue_yield, OpCode::kFusedAgg);
  Op& op = open_.back().op;
  std::vector<ValueId> agg_operands = op.operands;
  agg_operands[1] = prologue_yield;
  const Type aggregate = infer(OpCode::kNeighborAgg, agg_operands, op.attrs);
  current_block().yields = {prologue_yield};
  open_scopes_.pop_back();
  open_.back().region = 1;
  open_scopes_.push_back(next_scope_++);
  ValueId a = new_value(aggregate);
  current_block().args = {a};
  return a;
}

std::vector<ValueId> Builder::end_fused_agg(const std::vector<ValueId>& yields) { return close_fused(OpCode::kFusedAgg, yields); }

void Builder::set_storage(ValueId v, ValueId u) {
  if (v < 0 || u < 0 || static_cast<std::size_t>(v) >= program_.values.size() || static_cast<std::size_t>(u) >= program_.values.size()) {
    throw Error(ErrorCode::kInvalidValue, "storage: %" + std::to_string(v) + "@%" + std::to_string(u) + " names an undefined value");
  }
  if (program_.storage.size() < program_.values.size()) program_.storage.resize(program_.values.size(), kNoValue);
  program_.storage[static_cast<std::size_t>(v)] = u;
}

// ---------------------------------------------------------------- finish

void Builder::set_outputs(const std::vector<ValueId>& outputs) {
  if (!open_.empty()) throw Error(ErrorCode::kInvalidValue, "return: a loop region is still open");
  for (std::size_t i = 0; i < outputs.size(); ++i) {
    ValueId v = outputs[i];
    if (v < 0 || static_cast<std::size_t>(v) >= program_.values.size()) {
      throw Error(ErrorCode::kInvalidValue, "return: output " + std::to_string(i) + " is not a defined value");
    }
    if (std::find(open_scopes_.begin(), open_scopes_.end(), scope_of_[static_cast<std::size_t>(v)]) == open_scopes_.end()) {
      throw Error(ErrorCode::kInvalidValue, "return: output " + std::to_string(i) + " was defined inside a loop body");
    }
    if (type(v).is_graph()) {
      throw Error(ErrorCode::kInvalidType, "return: output " + std::to_string(i) + " is a graph; return arrays or scalars");
    }
  }
  program_.body.yields = outputs;
}

Program Builder::finish() {
  if (!open_.empty()) throw Error(ErrorCode::kInvalidValue, "finish: a loop region is still open");
  if (!program_.storage.empty()) program_.storage.resize(program_.values.size(), kNoValue);
  verify(program_);
  Program out = std::move(program_);
  *this = Builder(out.name);
  return out;
}

}  // namespace fuseflow::ir
