// Builder: the one way to construct IR (the tracer, the parser and C++ users all call it).
// It infers every result type (NumPy promotion, broadcasting, length symbols), inserts the casts
// promotion implies, and throws fuseflow::Error naming the op, the offending value and the rule
// (plus the current source location) on a type or shape error — before anything runs.
//
//   ir::Builder b("saxpy");
//   auto x = b.add_array_input(DType::kFloat64, b.new_input_symbol());
//   auto y = b.add_array_input(DType::kFloat64, b.type(x).length);
//   auto a = b.add_scalar_input(DType::kFloat64, /*weak=*/true);
//   b.set_outputs({b.binary(ir::OpCode::kAdd, b.binary(ir::OpCode::kMul, a, x), y)});
//   ir::Program p = b.finish();   // verified
#pragma once

#include <optional>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/ir/program.h"

namespace fuseflow::ir {

struct AxisReduce;  // ir/axis_reduce.h

class Builder {
 public:
  explicit Builder(std::string name = "main");

  // ---- inputs (only before the first op)
  ValueId add_graph_input();
  ValueId add_array_input(DType dtype, SymbolId length);
  // An N-d array input (C order), one symbol per axis (1..kMaxRank axes; one axis is add_array_input).
  ValueId add_shaped_input(DType dtype, const std::vector<SymbolId>& dims);
  ValueId add_scalar_input(DType dtype, bool weak);
  // Symbols for array inputs: a fresh one (n0, n1, ...), "1", or a graph's N / E.
  SymbolId new_input_symbol();
  SymbolId one_symbol();
  SymbolId nodes_symbol(ValueId graph);
  SymbolId edges_symbol(ValueId graph);

  // ---- location attached to every op created from now on (the user's Python file:line)
  void set_location(SourceLocation loc) { loc_ = std::move(loc); }
  const SourceLocation& location() const { return loc_; }

  // ---- ops; each returns the result value
  ValueId constant_float(double v, DType dtype = DType::kFloat64, bool weak = true);
  ValueId constant_int(std::int64_t v, DType dtype = DType::kInt64, bool weak = true);
  ValueId constant_bool(bool v, bool weak = true);
  ValueId unary(OpCode code, ValueId x);                 // neg, abs, not, exp..round
  ValueId cast(ValueId x, DType dtype);                  // no-op (returns x) if already dtype and strong
  ValueId binary(OpCode code, ValueId a, ValueId b);     // add..xor, minimum/maximum, comparisons
  ValueId where(ValueId cond, ValueId a, ValueId b);
  ValueId clip(ValueId x, ValueId lo, ValueId hi);
  ValueId reduce(OpCode code, ValueId x);                // sum mean min max argmin argmax
  ValueId dot(ValueId a, ValueId b);
  ValueId norm(ValueId x, NormKind kind);
  // cumsum ... argsort (FF_AXIS rows) along `axis` in [0, rank) of array x.
  ValueId axis_op(OpCode code, ValueId x, int axis);
  // x with its axes permuted: result axis k is x's axis perm[k] (perm: a permutation of [0, rank)).
  ValueId transpose(ValueId x, const std::vector<int>& perm);
  // np.take(x, idx, axis): idx an int32/int64 array or scalar (a scalar drops the axis).
  ValueId take(ValueId x, ValueId idx, int axis);
  // The array statistics (ops.def: axis_len ... histogram_bins) on `operands` along `axis`;
  // `flags` go to attrs.value.i (median/quantile: bit 0 keepdims, the reduced axes kept as "1";
  // bit 1 every axis, NumPy's axis=None, with `axis` 0).
  ValueId array_stat(OpCode code, const std::vector<ValueId>& operands, int axis, int flags);
  // The length of x's axis `axis` as an int64 scalar.
  ValueId dim(ValueId x, int axis);
  // x's axis `axis` cut to `count` elements from `begin` in steps of `step` (int scalars; see
  // ops.def slice): the result's axis has count's symbol.
  ValueId slice(ValueId x, ValueId count, ValueId begin, ValueId step, int axis);
  // x's elements (C order) as the shape `dims` (1-4 int scalars; see ops.def reshape).
  ValueId reshape(ValueId x, const std::vector<ValueId>& dims);
  // xs joined along `axis` (an existing axis: concatenate; a new one: stack); count is the result
  // axis length as an int scalar (see ops.def concatenate/stack).
  ValueId join(OpCode code, ValueId count, const std::vector<ValueId>& xs, int axis);
  // Whether v may be used here (not defined inside a loop body that has ended).
  bool visible(ValueId v) const;
  // Reduction along axes (ir/axis_reduce.h); the executor converts bool/int operands of mean/var.
  ValueId reduce_axes(ValueId x, const AxisReduce& r);
  ValueId full(ValueId count, ValueId value);            // value's dtype (made strong)
  ValueId arange(ValueId count);
  ValueId length(ValueId x);
  // x read as the larger shape `dims` (NumPy broadcasting; x itself when the shape is x's).
  ValueId broadcast_to(ValueId x, const std::vector<SymbolId>& dims);
  // The element-count symbol of a shape (ir::shape_length, interned).
  SymbolId shape_symbol(const std::vector<SymbolId>& dims);
  ValueId num_nodes(ValueId g);
  ValueId num_edges(ValueId g);
  ValueId out_degree(ValueId g);
  ValueId in_degree(ValueId g);
  ValueId neighbor_agg(ValueId g, ValueId x, AggOp op, Direction direction,
                       std::optional<ValueId> weights = std::nullopt, Combine combine = Combine::kNone,
                       std::optional<ValueId> active = std::nullopt);
  ValueId edge_src(ValueId g, ValueId x);
  ValueId edge_dst(ValueId g, ValueId x);

  // ---- regions. loop:  args = begin_loop(count, inits); ...; results = end_loop(yields)
  //               while: args = begin_while(inits); ...; body_args = begin_while_body(cond);
  //                      ...; results = end_while(yields)
  // Region args get the inits' types (weak scalars become strong). Opening a region deeper than
  // kMaxRegionDepth throws kInvalidValue naming the limit. end_* throws kInvalidType
  // "carry k changes type" if a yield's kind/dtype/length differs from its carry; a Python
  // (weak) scalar yield that promotes to the carry's dtype is cast to it.
  std::vector<ValueId> begin_loop(ValueId count, const std::vector<ValueId>& inits);
  std::vector<ValueId> end_loop(const std::vector<ValueId>& yields);
  std::vector<ValueId> begin_while(const std::vector<ValueId>& inits);
  std::vector<ValueId> begin_while_body(ValueId cond);
  std::vector<ValueId> end_while(const std::vector<ValueId>& yields);
  int region_depth() const { return static_cast<int>(open_.size()); }

  // ---- fused regions (what the optimizer's lowering passes and the text parser build; the
  // tracer never makes them). fused:     begin_fused(); ...; results = end_fused(yields)
  // fused_agg: u = begin_fused_agg(g, x, agg, dir, w); ...; a = begin_fused_agg_epilogue(y);
  //            ...; results = end_fused_agg(yields). Results take the yields' types; the structural
  // rules (one length per region, what a prologue may read) are checked by verify() in finish().
  void begin_fused();
  std::vector<ValueId> end_fused(const std::vector<ValueId>& yields);
  ValueId begin_fused_agg(ValueId g, ValueId x, AggOp op, Direction direction,
                          std::optional<ValueId> weights = std::nullopt, Combine combine = Combine::kNone,
                          std::optional<ValueId> active = std::nullopt);
  ValueId begin_fused_agg_epilogue(ValueId prologue_yield);
  std::vector<ValueId> end_fused_agg(const std::vector<ValueId>& yields);
  // Memory planning: array `v` is stored in the buffer of `u` (see Program::storage).
  void set_storage(ValueId v, ValueId u);

  // ---- finish
  void set_outputs(const std::vector<ValueId>& outputs);  // arrays or scalars (not graphs)
  Program finish();  // verifies; the builder is empty afterwards

  const Type& type(ValueId v) const;
  const Program& program() const { return program_; }

  // The parser builds exactly what the text says: with implicit casts off, an operand whose dtype
  // differs from the compute dtype is an error instead of a new cast op.
  void set_implicit_casts(bool on) { implicit_casts_ = on; }
  // Low level, used by the parser: add an op whose result type is given; checked against the
  // inferred one by verify().
  ValueId add_raw_op(OpCode code, const std::vector<ValueId>& operands, const Attributes& attrs, Type result);
  // Used by the parser: gives v, the result of the op just added, the type its text declares
  // when that differs from the inferred one only by counts taken as their run-time symbols
  // (ir/detail.h declared_by_runtime_counts); false, and nothing changed, otherwise.
  bool adopt_declared_type(ValueId v, const Type& declared);
  SymbolId input_symbol(int ordinal);          // "n<ordinal>"
  SymbolId runtime_symbol(ValueId count);      // "%count"
  void set_last_op_location(SourceLocation loc);  // the text format writes locations after the op

 private:
  Block& current_block();
  ValueId new_value(Type t);
  ValueId emit(OpCode code, std::vector<ValueId> operands, Type result, Attributes attrs = {});
  ValueId coerce(ValueId v, DType dtype, OpCode op);
  void check_visible(ValueId v, OpCode op) const;
  void check_depth(OpCode op) const;  // one more region may open (kMaxRegionDepth)
  Type infer(OpCode code, const std::vector<ValueId>& operands, const Attributes& attrs,
             const Type* declared = nullptr);
  ValueId make(OpCode code, std::vector<ValueId> operands, Attributes attrs = {});
  void broadcast_operands(std::vector<ValueId>& operands);
  void check_inputs_phase(const char* what) const;
  std::vector<ValueId> open_region(std::vector<ValueId> carried_types_from);
  std::vector<ValueId> close_region(OpCode code, std::vector<ValueId> yields);
  std::vector<ValueId> close_fused(OpCode code, const std::vector<ValueId>& yields);
  [[noreturn]] void fail(ErrorCode code, OpCode op, const std::string& message) const;

  Program program_;
  SourceLocation loc_;
  bool implicit_casts_ = true;
  int input_symbols_ = 0;
  int graphs_ = 0;
  // Regions being built: the op under construction and which region index is open.
  struct OpenRegionState {
    Op op;
    int region = 0;
    std::vector<ValueId> inits;
  };
  std::vector<OpenRegionState> open_;
  // Scope of each value (a block instance id) and the stack of open scopes: a value is visible
  // iff its scope is open (values of a closed region cannot leak out of it).
  std::vector<int> scope_of_;
  // Defining op of each value (-1: block argument), its first operand and its def_aux (a dim's
  // axis, an integer const's value): lets full(count, ...) see that count is g.num_nodes and give
  // the array length N, and reshape(x, dim(x, 0), 1) keep x's axis symbol and the "1".
  struct Origin {
    int code = -1;  // an OpCode; -1 for a block argument
    ValueId operand = kNoValue;
    std::int64_t aux = 0;
  };
  std::vector<Origin> origin_;
  std::vector<int> open_scopes_{0};
  int next_scope_ = 1;
};

}  // namespace fuseflow::ir
