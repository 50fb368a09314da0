// IR opcodes, their attributes and the op table (ops.def) they are described by.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "fuseflow/core/dtype.h"

namespace fuseflow::ir {

// Opcodes, in the order of the op table (fuseflow/ir/ops.def, which also holds each op's facts).
// Semantics follow NumPy unless stated; "x" is a scalar or array:
//   const         () -> Scalar; attrs.value. Printed `const 0.5`, `const 3`, `const true`.
//   full          (count: int scalar, value: scalar) -> Array<value dtype, len(count)>
//   arange        (count: int scalar) -> Array<i64, len(count)>: 0, 1, ..., count-1
//   length        (x: array) -> ~i64 scalar: its length;  num_nodes/num_edges (g) -> ~i64
//   unary         result dtype = operand dtype. neg: -x (integers wrap), not for bool; not: bool
//                 logical not, integers bitwise not (~); relu: max(x, 0) with NaN propagating
//                 (not for bool); square: x * x (integers wrap).
//   float math    exp ... norm_cdf: operand already float (Builder casts ints/bool to f64 first).
//   floor/ceil/round  round: half to even; on integers/bool: identity.
//   cast          result dtype = target. float->int truncates toward zero (NaN/inf: unspecified
//                 like C++ -> executor may give INT_MIN); x->bool is x != 0. A cast the Builder
//                 inserts for promotion keeps a Python scalar weak (~f64 -> ~f32); astype is strong.
//   binary        operands share the compute dtype (see program.h). div: true divide, operands
//                 float (Builder casts ints to f64). floor_div: floor(a / b); integers: Python
//                 semantics, b == 0 -> 0 (NumPy). mod: sign of divisor (Python/NumPy); integers
//                 b == 0 -> 0; floats: NumPy fmod-fixup. pow: integers: a negative exponent raises
//                 ValueError at run time, as in NumPy. minimum/maximum: NaN-propagating.
//                 eq ne lt le gt ge -> bool. and/or/xor: bool logical, integers bitwise.
//                 Exact scalar semantics: fuseflow/ir/scalar_semantics.h.
//   where         (cond: bool, a, b) -> a where cond else b; a, b share the result dtype
//   clip          (x, lo, hi) -> minimum(maximum(x, lo), hi); all share the result dtype
//   reductions    array -> strong scalar. sum: sum_result(x) (bool/int -> i64), empty -> 0;
//                 mean: float_result(x), empty -> NaN; min/max: x's dtype, NaN propagates, empty
//                 -> runtime ValueError; argmin/argmax -> i64, first occurrence, NaN counts as
//                 extreme (NumPy), empty -> ValueError; dot: (a, b) arrays of one length, shared
//                 dtype (bool not allowed); norm: attrs.norm: l1 = sum|x|, l2 = sqrt(sum x^2),
//                 inf = max|x| (0 for empty); result float_result(x).
//   out_degree, in_degree  (g) -> i64[N]
//   neighbor_agg  (g, x[N] [, w[E]]) -> [N]; attrs.agg, attrs.direction; see AggOp
//   edge_src/edge_dst  (g, x[N]) -> [E]: x[src(e)] / x[dst(e)] for each edge e in CSR order
//   loop          (count: int scalar, init...) -> carries;  while (init...) -> carries
//   fused         () -> yields. Made by the lowering passes of the optimizer (opt/), read by the
//                 executor. One region without arguments: elementwise ops and reductions over
//                 one length (plus scalar math on their results); outer values are read directly.
//                 Runs as ONE pass over the elements with the region's values in registers; only
//                 the yielded values are written (arrays) or produced (reduction scalars).
//   fused_agg     (g, x[N] [, w[E]]) -> yields; attrs.agg/direction as neighbor_agg. Regions:
//                 [prologue, epilogue]. prologue ^(%u: x's type) yields one [N] value: what is
//                 aggregated is prologue(x)[u], evaluated per edge inside the gather (it may read
//                 only %u and scalars). epilogue ^(%a: the aggregate) is a `fused` body over the
//                 nodes, run chunk by chunk right after the chunk's aggregates are computed.
enum class OpCode : std::uint8_t {
#define FF_OP(Class, Enum, ...) k##Enum,
#include "fuseflow/ir/ops.def"
};

// neighbor_agg over the neighbours u of each node v: direction kIn uses u -> v edges (pull),
// kOut uses v -> u, kBoth the union (as a multiset: an edge counts once per direction it matches).
// Result dtype and identity (value for nodes without neighbours):
//   sum:   sum_result(x) (with weights: promote(x, w) then sum_result)  identity 0.  sum w*x[u]
//   mean:  float_result(x)  identity 0; with weights: sum(w*x)/sum(w)
//   min:   x's dtype, identity +inf (floats) / max int; weights not allowed
//   max:   x's dtype, identity -inf (floats) / lowest int; weights not allowed
//   count: i64 number of neighbours (x's values unused); with weights: f64 sum of w
//   mode:  x's dtype, the most frequent x[u] (weights: largest total weight), ties -> smallest
//          value; identity -1 (integers) / NaN (floats); bool not allowed
enum class AggOp : std::uint8_t { kSum, kMean, kMin, kMax, kCount, kMode };
// Semiring aggregation (ff.neighbor_agg combine=): the per-edge value that `agg` folds is
// combine(x[u], w[e]). kNone: the rules above (weights multiply for sum/mean, vote for mode, ...).
// kMul (x * w), kAdd (x + w), kSecond (w alone) need weights; kFirst (x alone) takes none. They go
// with sum, min, max and mean (sum / number of contributing edges) and give float64 (x is
// converted first). Identities as above: 0 (sum, mean), +inf (min), -inf (max). Printed as a third
// attribute: neighbor_agg.min.in.add.
// A semiring aggregation may take a bool[N] source mask as its last operand (attrs.active, the
// fourth attribute ".active"): only edges whose neighbour u has active[u] contribute.
enum class Combine : std::uint8_t { kNone, kMul, kAdd, kFirst, kSecond };
enum class Direction : std::uint8_t { kIn, kOut, kBoth };
enum class NormKind : std::uint8_t { kL1, kL2, kInf };

enum class OpClass : std::uint8_t { kCreation, kUnary, kBinary, kTernary, kReduction, kGraph, kControl, kAxis };

// Operand dtypes an op accepts (checked by type inference; kSpecial: the op's own rule).
enum class OperandRule : std::uint8_t {
  kAnyDType,  // bool, integers, floats
  kNumeric,   // not bool
  kIntegral,  // bool or integers
  kFloat,     // floats only (the Builder casts first: true division, float math)
  kSpecial,
};

// Result dtype of an op (kSpecial: the op's own rule).
enum class ResultRule : std::uint8_t { kSame, kBoolResult, kSumResult, kFloatResult, kInt64Result, kSpecial };

// What an op may raise at run time; opt/may_raise.h turns this into per-op answers.
enum class RaiseRule : std::uint8_t {
  kNever,
  kOnEmpty,              // ValueError on an empty array operand (min, max, argmin, argmax)
  kIntNegativeExponent,  // integer pow with a negative exponent: ValueError
  kIntZeroDivisor,       // integer floor_div/mod by zero (NumPy gives 0 with a warning)
  kBadCount,             // full/arange: negative count (ValueError) or a huge one (MemoryError)
  kBadIndex,             // take: an index outside [-len, len) (IndexError); opt/may_raise: always may raise
};

enum OpFlag : std::uint16_t {
  kNoFlags = 0,
  kCommutative = 1u << 0,   // op(a, b) == op(b, a) bitwise (CSE orders the operands of integer ops)
  kCheapPerEdge = 1u << 1,  // cheap enough to evaluate per edge in a fused_agg prologue
  kFoldable = 1u << 2,      // exactly defined on every dtype: constant folding may evaluate it
  kFoldableInt = 1u << 3,   // exactly defined on bool/integers only (float pow goes through libm)
  kFloatValued = 1u << 4,   // float math: the Builder casts bool/int operands to float64 first
};

inline constexpr int kVariadic = -1;

struct OpInfo {
  const char* name;  // text-format mnemonic: "add", "neighbor_agg", "norm_cdf", ...
  OpClass op_class;
  int min_args, max_args;  // kVariadic: the op's own rule
  OperandRule operands;
  ResultRule result;
  std::uint16_t flags;
  RaiseRule raise;
  bool has(OpFlag f) const { return (flags & f) != 0; }
};

const OpInfo& op_info(OpCode code);
inline const char* op_name(OpCode code) { return op_info(code).name; }
std::optional<OpCode> parse_opcode(std::string_view name);

const char* agg_op_name(AggOp op);          // "sum", "mean", "min", "max", "count", "mode"
const char* direction_name(Direction d);    // "in", "out", "both"
const char* norm_kind_name(NormKind k);     // "l1", "l2", "inf"
const char* combine_name(Combine c);        // "", "mul", "add", "first", "second"
std::optional<Combine> parse_combine(std::string_view s);  // "mul", "add", "first", "second"
std::optional<AggOp> parse_agg_op(std::string_view s);
std::optional<Direction> parse_direction(std::string_view s);
std::optional<NormKind> parse_norm_kind(std::string_view s);

// Elementwise ops (unary, binary, ternary, cast): what fusion clusters.
bool is_elementwise(OpCode code);
// Result bool from two operands of one dtype (eq ... ge).
bool is_comparison(OpCode code);
// Float-valued unary math (exp ... norm_cdf): OpFlag kFloatValued.
bool is_float_math(OpCode code);
// Reductions (sum ... norm): array -> scalar.
bool is_reduction(OpCode code);
// Ops with regions: loop, while, fused, fused_agg.
bool has_regions(OpCode code);
bool is_commutative(OpCode code);
// Array ops along an axis / axis permutations (ops.def FF_AXIS rows): one materialising step each.
bool is_axis_op(OpCode code);
// Constant folding may evaluate `code` on operands of compute dtype `d` (exactly defined there).
bool is_foldable(OpCode code, DType d);

inline constexpr int kNumOpCodes = 0
#define FF_OP(...) +1
#include "fuseflow/ir/ops.def"
    ;

}  // namespace fuseflow::ir
