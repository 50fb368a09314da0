// IR opcodes and their attributes. Semantics follow NumPy unless stated. "x" is a scalar or array.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fuseflow::ir {

enum class OpCode : std::uint8_t {
  // ---- creation / sizes
  kConst,       // () -> Scalar; attrs.value. Printed `const 0.5`, `const 3`, `const true`.
  kFull,        // (count: int scalar, value: scalar) -> Array<value dtype, len(count)>
  kArange,      // (count: int scalar) -> Array<i64, len(count)>: 0, 1, ..., count-1
  kLength,      // (x: array) -> ~i64 scalar: its length
  kNumNodes,    // (g) -> ~i64
  kNumEdges,    // (g) -> ~i64
  // ---- elementwise unary: result dtype = operand dtype unless noted
  kNeg,         // -x (integers wrap); not for bool
  kAbs,
  kNot,         // bool: logical not; integers: bitwise not (~)
  kExp, kLog, kLog1p, kExpm1, kSqrt, kSin, kCos, kTanh, kSigmoid, kErf, kErfc, kNormCdf,
                // float-valued: operand already float (Builder casts ints/bool to f64 first)
  kFloor, kCeil, kRound,  // round: half to even; on integers/bool: identity
  kCast,        // result dtype = target. float->int truncates toward zero (NaN/inf: unspecified
                // like C++ -> executor may give INT_MIN); x->bool is x != 0. A cast the Builder
                // inserts for promotion keeps a Python scalar weak (~f64 -> ~f32); astype is strong.
  // ---- elementwise binary: operands share the compute dtype (see program.h)
  kAdd, kSub, kMul,
  kDiv,         // true divide; operands float (Builder casts ints to f64)
  kFloorDiv,    // floor(a / b); integers: Python semantics, b == 0 -> 0 (NumPy)
  kMod,         // sign of divisor (Python/NumPy); integers b == 0 -> 0; floats: NumPy fmod-fixup
  kPow,         // integers: a negative exponent raises ValueError at run time, as in NumPy
  kMinimum, kMaximum,  // NaN-propagating (NumPy minimum/maximum)
  kEq, kNe, kLt, kLe, kGt, kGe,  // -> bool
  kAnd, kOr, kXor,     // bool: logical; integers: bitwise
  // ---- elementwise ternary
  kWhere,       // (cond: bool, a, b) -> a where cond else b; a, b share the result dtype
  kClip,        // (x, lo, hi) -> minimum(maximum(x, lo), hi); all share the result dtype
  // ---- reductions: array -> strong scalar
  kSum,         // dtype sum_result(x) (bool/int -> i64); empty -> 0
  kMean,        // float_result(x); empty -> NaN
  kMin, kMax,   // x's dtype; NaN propagates; empty -> runtime ValueError
  kArgMin, kArgMax,  // -> i64, first occurrence; NaN counts as extreme (NumPy); empty -> ValueError
  kDot,         // (a, b) arrays of one length, shared dtype (bool not allowed) -> that dtype
  kNorm,        // attrs.norm: l1 = sum|x|, l2 = sqrt(sum x^2), inf = max|x| (0 for empty);
                // result float_result(x)
  // ---- graph
  kOutDegree, kInDegree,  // (g) -> i64[N]
  kNeighborAgg,  // (g, x[N] [, w[E]]) -> [N]; attrs.agg, attrs.direction; see AggOp
  kEdgeSrc,      // (g, x[N]) -> [E]: x[src(e)] for each edge e in CSR order
  kEdgeDst,      // (g, x[N]) -> [E]: x[dst(e)]
  // ---- structured control flow (regions, see program.h)
  kLoop,         // (count: int scalar, init...) -> carries
  kWhile,        // (init...) -> carries
  // ---- fused regions: made by the lowering passes of the optimizer (opt/), read by the executor
  kFused,        // () -> yields. One region without arguments: elementwise ops and reductions over
                 // one length (plus scalar math on their results); outer values are read directly.
                 // Runs as ONE pass over the elements with the region's values in registers; only
                 // the yielded values are written (arrays) or produced (reduction scalars).
  kFusedAgg,     // (g, x[N] [, w[E]]) -> yields; attrs.agg/direction as neighbor_agg. Regions:
                 // [prologue, epilogue]. prologue ^(%u: x's type) yields one [N] value: what is
                 // aggregated is prologue(x)[u], evaluated per edge inside the gather (it may read
                 // only %u and scalars). epilogue ^(%a: the aggregate) is a `fused` body over the
                 // nodes, run chunk by chunk right after the chunk's aggregates are computed.
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
enum class Direction : std::uint8_t { kIn, kOut, kBoth };
enum class NormKind : std::uint8_t { kL1, kL2, kInf };

enum class OpClass : std::uint8_t { kCreation, kUnary, kBinary, kTernary, kReduction, kGraph, kControl };

struct OpInfo {
  const char* name;  // text-format mnemonic: "add", "neighbor_agg", "norm_cdf", ...
  OpClass op_class;
};

const OpInfo& op_info(OpCode code);
inline const char* op_name(OpCode code) { return op_info(code).name; }
std::optional<OpCode> parse_opcode(std::string_view name);

const char* agg_op_name(AggOp op);          // "sum", "mean", "min", "max", "count", "mode"
const char* direction_name(Direction d);    // "in", "out", "both"
const char* norm_kind_name(NormKind k);     // "l1", "l2", "inf"
std::optional<AggOp> parse_agg_op(std::string_view s);
std::optional<Direction> parse_direction(std::string_view s);
std::optional<NormKind> parse_norm_kind(std::string_view s);

// Elementwise ops (unary, binary, ternary, cast): what fusion clusters.
bool is_elementwise(OpCode code);
bool is_comparison(OpCode code);
// Float-valued unary math (exp ... norm_cdf).
bool is_float_math(OpCode code);
// Reductions (sum ... norm): array -> scalar.
bool is_reduction(OpCode code);
// Ops with regions: loop, while, fused, fused_agg.
bool has_regions(OpCode code);

inline constexpr int kNumOpCodes = static_cast<int>(OpCode::kFusedAgg) + 1;

}  // namespace fuseflow::ir
