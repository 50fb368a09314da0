// constant_folding: an elementwise op (or cast) whose operands are all `const` becomes a `const`
// holding its value, computed in the op's own dtype (float32 math in float32, wrapping integers)
// by the same scalar semantics the executor runs (ir/scalar_semantics.h), so the folded value is
// bit-identical to what the executor computes by construction. Only ops the table (ir/ops.def)
// marks exactly defined are folded (kFoldable; kFoldableInt: integer pow) — transcendentals
// (exp, log, ... norm_cdf) and float pow go through the SIMD kernels / libm and stay for the
// executor. An op that may raise or signal on these operands (integer pow with a negative
// exponent, integer floor_div/mod by zero: RaiseRule in ops.def, see opt/may_raise.h) is left to
// the executor, as are float->int casts of NaN/inf/out-of-range values (unspecified). Runtime
// scalars (inputs, num_nodes, reductions) are never constants, so nothing depending on them is
// folded.
//
// The op is rewritten in place (same result value and type), so uses and length symbols stay valid.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>

#include "fuseflow/opt/pass_manager.h"
#include "fuseflow/ir/scalar_semantics.h"
#include "opt/ir_rewrite.h"
#include "opt/may_raise.h"

namespace fuseflow::opt {

namespace {

using ir::ConstValue;
using ir::OpCode;

using Bool = std::uint8_t;

template <class T>
T read(const ConstValue& c) {
  if constexpr (std::is_floating_point_v<T>) return static_cast<T>(c.f);
  else if constexpr (std::is_same_v<T, Bool>) return c.i != 0 ? 1 : 0;
  else return static_cast<T>(c.i);
}

template <class T>
ConstValue write(T v) {
  ConstValue c;
  if constexpr (std::is_floating_point_v<T>) c.f = static_cast<double>(v);
  else c.i = static_cast<std::int64_t>(v);
  return c;
}

template <class F>
void with_dtype(DType d, F&& f) {
  switch (d) {
    case DType::kBool: f(Bool{}); break;
    case DType::kInt32: f(std::int32_t{}); break;
    case DType::kInt64: f(std::int64_t{}); break;
    case DType::kFloat32: f(float{}); break;
    case DType::kFloat64: f(double{}); break;
  }
}

namespace sem = ir::semantics;

template <class S, class T>
constexpr bool kSignals = requires(T x, std::uint32_t& e) { S::apply(x, x, e); };

template <class S, class T>
std::optional<ConstValue> apply_unary(T x) {
  if constexpr (S::template kDefined<T>) return write<T>(S::apply(x));
  return std::nullopt;
}

template <class S, class T>
std::optional<ConstValue> apply_binary(T a, T b) {
  if constexpr (!S::template kDefined<T>) {
    return std::nullopt;
  } else if constexpr (kSignals<S, T>) {
    std::uint32_t errors = 0;
    T r = S::apply(a, b, errors);
    if (errors) return std::nullopt;  // the executor raises: keep the op
    return write<T>(r);
  } else if constexpr (std::is_same_v<decltype(S::apply(a, b)), bool>) {
    return write<Bool>(S::apply(a, b) ? 1 : 0);
  } else {
    return write<T>(S::apply(a, b));
  }
}

template <class S, class T>
std::optional<ConstValue> apply_ternary(const std::vector<ConstValue>& args) {
  if constexpr (!S::template kDefined<T>) {
    return std::nullopt;
  } else if constexpr (std::is_same_v<S, sem::Where>) {
    return write<T>(S::apply(read<Bool>(args[0]), read<T>(args[1]), read<T>(args[2])));
  } else {
    return write<T>(S::apply(read<T>(args[0]), read<T>(args[1]), read<T>(args[2])));
  }
}

// The op's scalar semantics on constants of type T (the ops.def row decides which semantics).
template <class T>
std::optional<ConstValue> apply(OpCode code, const std::vector<ConstValue>& args) {
  switch (code) {
#define FF_UNARY(Enum, ...) case OpCode::k##Enum: return apply_unary<sem::Enum, T>(read<T>(args[0]));
#define FF_BINARY(Enum, ...) case OpCode::k##Enum: return apply_binary<sem::Enum, T>(read<T>(args[0]), read<T>(args[1]));
#define FF_TERNARY(Enum, ...) case OpCode::k##Enum: return apply_ternary<sem::Enum, T>(args);
#include "fuseflow/ir/ops.def"
    // The exact FF_MATH rows (kFoldable): IEEE-exact, so libm agrees with the SIMD kernels.
    case OpCode::kSqrt: return apply_unary<sem::Sqrt, T>(read<T>(args[0]));
    case OpCode::kFloor: return apply_unary<sem::Floor, T>(read<T>(args[0]));
    case OpCode::kCeil: return apply_unary<sem::Ceil, T>(read<T>(args[0]));
    case OpCode::kRound: return apply_unary<sem::Round, T>(read<T>(args[0]));
    default: return std::nullopt;
  }
}

// Cast with the executor's conversion; leaves unspecified conversions unfolded.
template <class S, class D>
std::optional<ConstValue> fold_cast(S x) {
  if (!sem::convert_is_specified<D>(x)) return std::nullopt;
  return write<D>(sem::convert<D>(x));
}

std::optional<ConstValue> fold(const ir::Program& p, const ir::Op& op, const std::vector<ConstValue>& args) {
  DType result = p.type(op.results[0]).dtype;
  std::optional<ConstValue> out;
  if (op.code == OpCode::kCast) {
    with_dtype(p.type(op.operands[0]).dtype, [&](auto s) {
      using S = decltype(s);
      with_dtype(result, [&](auto d) { out = fold_cast<S, decltype(d)>(read<S>(args[0])); });
    });
    return out;
  }
  // The compute dtype: the operands share it (casts are explicit); where's condition is bool.
  DType compute = p.type(op.operands[op.code == OpCode::kWhere ? 1 : 0]).dtype;
  if (!ir::is_foldable(op.code, compute)) return std::nullopt;
  if (args.size() == 2 && detail::elementwise_may_raise(ir::op_info(op.code).raise, compute, &args[1])) return std::nullopt;
  with_dtype(compute, [&](auto tag) { out = apply<decltype(tag)>(op.code, args); });
  return out;
}

}  // namespace

bool constant_folding(ir::Program& program) {
  auto constants = detail::collect_constants(program);
  bool changed = false;
  // Blocks are visited outer first and ops in order, so a fold feeds the folds after it.
  detail::for_each_block(program.body, [&](ir::Block& block) {
    for (ir::Op& op : block.ops) {
      if (!ir::is_elementwise(op.code) || op.operands.empty()) continue;
      std::vector<ConstValue> args;
      for (ir::ValueId v : op.operands) {
        const auto& c = constants[static_cast<std::size_t>(v)];
        if (!c) break;
        args.push_back(*c);
      }
      if (args.size() != op.operands.size()) continue;
      std::optional<ConstValue> value = fold(program, op, args);
      if (!value) continue;
      // A result type is a scalar here (constants are scalars); keeping it keeps weakness too.
      op.code = ir::OpCode::kConst;
      op.operands.clear();
      op.attrs = ir::Attributes{};
      op.attrs.value = *value;
      constants[static_cast<std::size_t>(op.results[0])] = *value;
      changed = true;
    }
  });
  return changed;
}

}  // namespace fuseflow::opt
