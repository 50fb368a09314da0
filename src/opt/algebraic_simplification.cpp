// algebraic_simplification: identities that hold bit for bit under IEEE 754 (and for wrapping
// integers), applied only when the replacement has exactly the op's type (kind, dtype, length and
// weakness), so broadcasting and NumPy promotion downstream are unchanged:
//   x*1, 1*x, x/1                  -> x
//   x + (-0.0), (-0.0) + x         -> x   (floats; x + 0.0 is NOT x: -0.0 + 0.0 = +0.0)
//   x + 0, 0 + x, x - 0, x | 0, x ^ 0 -> x (integers / bool)
//   x - (+0.0)                     -> x   (floats: x - 0.0 == x + (-0.0))
//   neg(neg(x)), not(not(x))       -> x
//   cast of a scalar to its own type -> x (an array's is an explicit copy: kept)
//   minimum(x,x), maximum(x,x), x & x, x | x, where(c,x,x) -> x
//   where(true, a, b) -> a, where(false, a, b) -> b
//   x==x, x<=x, x>=x -> true; x!=x, x<x, x>x -> false  (integer/bool scalars only: NaN != NaN)
//   x*0 -> 0 for integer scalars only (for floats NaN*0 and inf*0 are NaN).
//   reduce_axes.{sum,mean}(x * x) -> reduce_axes.{sum,mean}.sq(x) for a float x whose square has
//     no other reader: the step squares in x's dtype as the mul did (same bits), and the
//     squares are no longer written out (layer-norm's mean(c * c), RMSNorm's mean(x * x)).
// Constant operands come from `const` ops (see constant_folding for constant-only ops).
#include <optional>

#include "fuseflow/ir/axis_reduce.h"
#include "fuseflow/opt/pass_manager.h"
#include "opt/ir_rewrite.h"

namespace fuseflow::opt {

namespace {

using ir::OpCode;
using ir::ValueId;

class Simplifier {
 public:
  explicit Simplifier(ir::Program& p)
      : p_(p), constants_(detail::collect_constants(p)), defs_(p.values.size(), nullptr), reads_(p.values.size(), 0),
        rewriter_(p) {
    detail::for_each_block(static_cast<const ir::Block&>(p.body), [this](const ir::Block& b) {
      for (const ir::Op& op : b.ops) {
        for (ValueId v : op.operands) ++reads_[static_cast<std::size_t>(v)];
      }
      for (ValueId v : b.yields) ++reads_[static_cast<std::size_t>(v)];
    });
  }

  bool run() {
    block(p_.body);
    bool replaced = rewriter_.apply();
    return replaced || rewritten_in_place_;
  }

 private:
  void block(ir::Block& b) {
    for (ir::Op& op : b.ops) {
      for (ValueId& v : op.operands) v = rewriter_.resolve(v);
      if (!detail::is_fused(op)) {
        for (ir::Block& region : op.regions) block(region);
      }
      if (op.results.size() == 1) defs_[static_cast<std::size_t>(op.results[0])] = &op;
      if (op.code == OpCode::kReduceAxes) fold_square(op);
      if (!ir::is_elementwise(op.code)) continue;
      if (std::optional<ValueId> x = simplify(op)) {
        rewriter_.replace(op.results[0], *x);
      } else {
        fold_to_constant(op);
      }
    }
  }

  const ir::Type& type(ValueId v) const { return p_.type(v); }
  DType dtype(ValueId v) const { return p_.type(v).dtype; }
  const std::optional<ir::ConstValue>& constant(ValueId v) const { return constants_[static_cast<std::size_t>(v)]; }
  bool is_one(ValueId v) const { return constant(v) && detail::const_is_one(*constant(v), dtype(v)); }
  bool is_zero(ValueId v) const { return constant(v) && !is_float(dtype(v)) && constant(v)->i == 0; }
  // The additive identity of the type: -0.0 for floats (x + -0.0 == x for every x), 0 / false otherwise.
  bool is_additive_identity(ValueId v) const {
    if (!constant(v)) return false;
    return is_float(dtype(v)) ? detail::const_is_negative_zero(*constant(v), dtype(v)) : detail::const_is_zero(*constant(v), dtype(v));
  }
  // x - c == x: +0.0 for floats, 0 for integers.
  bool is_subtractive_identity(ValueId v) const {
    return constant(v) && detail::const_is_positive_zero(*constant(v), dtype(v));
  }
  // The op defining v when it is `code` with one operand.
  const ir::Op* unary_def(ValueId v, OpCode code) const {
    const ir::Op* d = defs_[static_cast<std::size_t>(v)];
    return d && d->code == code ? d : nullptr;
  }

  // A value equal to the op's result with exactly its type, if an identity applies.
  std::optional<ValueId> simplify(const ir::Op& op) const {
    const ir::Type& result = type(op.results[0]);
    auto same = [&](ValueId v) -> std::optional<ValueId> {
      if (type(v) == result) return v;
      return std::nullopt;
    };
    const auto& o = op.operands;
    switch (op.code) {
      case OpCode::kMul:
        if (is_one(o[1])) return same(o[0]);
        if (is_one(o[0])) return same(o[1]);
        break;
      case OpCode::kDiv:  // x / 1 is exact in IEEE; x ** 1 is not rewritten: pow is a libm/SIMD
                          // approximation that need not return x exactly
        if (is_one(o[1])) return same(o[0]);
        break;
      case OpCode::kAdd:
        if (is_additive_identity(o[1])) return same(o[0]);
        if (is_additive_identity(o[0])) return same(o[1]);
        break;
      case OpCode::kSub:
        if (is_subtractive_identity(o[1])) return same(o[0]);
        break;
      case OpCode::kOr:  // bool or integer operands (the verifier rejects floats)
      case OpCode::kXor:
        if (op.code == OpCode::kOr && o[0] == o[1]) return same(o[0]);
        if (is_zero(o[1])) return same(o[0]);
        if (is_zero(o[0])) return same(o[1]);
        break;
      case OpCode::kAnd:
      case OpCode::kMinimum:
      case OpCode::kMaximum:
        if (o[0] == o[1]) return same(o[0]);
        break;
      case OpCode::kNeg:
      case OpCode::kNot:
        if (const ir::Op* inner = unary_def(o[0], op.code)) return same(inner->operands[0]);
        break;
      case OpCode::kCast:
        if (detail::is_copy(p_, op)) break;  // an explicit copy (distinct_outputs): kept
        return same(o[0]);                   // a scalar cast to its own type
      case OpCode::kWhere:
        if (o[1] == o[2]) return same(o[1]);
        if (constant(o[0])) return same(constant(o[0])->i != 0 ? o[1] : o[2]);
        break;
      default:
        break;
    }
    return std::nullopt;
  }

  // A sum or mean of `mul x, x` (nothing else reading the product) reduces x, squaring each term.
  // The read count was taken before this walk: a value replaced meanwhile may have gained
  // readers it does not show, which only leaves the product computed for them as well.
  void fold_square(ir::Op& op) {
    ir::AxisReduce r = ir::axis_reduce_of(op.attrs);
    if (r.square || (r.kind != ir::AxisReduceKind::kSum && r.kind != ir::AxisReduceKind::kMean)) return;
    const ValueId product = op.operands[0];
    const ir::Op* mul = defs_[static_cast<std::size_t>(product)];
    if (mul == nullptr || mul->code != OpCode::kMul || mul->operands[0] != mul->operands[1]) return;
    const ValueId x = mul->operands[0];
    if (!is_float(dtype(x)) || !(type(x) == type(product)) || reads_[static_cast<std::size_t>(product)] != 1) return;
    r.square = true;
    op.attrs = ir::axis_reduce_attrs(r);
    op.operands[0] = x;
    rewritten_in_place_ = true;
  }

  // Rules whose result is a new constant: the op becomes a `const` in place (scalars only).
  void fold_to_constant(ir::Op& op) {
    const ir::Type& result = type(op.results[0]);
    if (!result.is_scalar()) return;
    const auto& o = op.operands;
    std::optional<ir::ConstValue> value;
    if (ir::is_comparison(op.code) && o[0] == o[1] && !is_float(dtype(o[0]))) {
      bool reflexive = op.code == OpCode::kEq || op.code == OpCode::kLe || op.code == OpCode::kGe;
      value = ir::ConstValue{0.0, reflexive ? 1 : 0};
    } else if (op.code == OpCode::kMul && is_integer(result.dtype) &&
               ((constant(o[0]) && constant(o[0])->i == 0) || (constant(o[1]) && constant(o[1])->i == 0))) {
      value = ir::ConstValue{0.0, 0};
    }
    if (!value) return;
    op.code = OpCode::kConst;
    op.operands.clear();
    op.attrs = ir::Attributes{};
    op.attrs.value = *value;
    constants_[static_cast<std::size_t>(op.results[0])] = value;
    rewritten_in_place_ = true;
  }

  ir::Program& p_;
  std::vector<std::optional<ir::ConstValue>> constants_;
  std::vector<const ir::Op*> defs_;  // valid during the walk: ops are not moved
  std::vector<int> reads_;           // operand and yield uses of each value, before the walk
  detail::ValueRewriter rewriter_;
  bool rewritten_in_place_ = false;
};

}  // namespace

bool algebraic_simplification(ir::Program& program) { return Simplifier(program).run(); }

}  // namespace fuseflow::opt
