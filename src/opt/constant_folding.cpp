// constant_folding: an elementwise op (or cast) whose operands are all `const` becomes a `const`
// holding its value, computed with NumPy semantics in the op's own dtype (float32 math in float32,
// wrapping integers). Only exactly-defined ops are folded — arithmetic, comparisons, logic,
// min/max/clip/where, floor/ceil/round/abs/neg, sqrt (IEEE exact) and casts — so the folded value
// is bit-identical to what the executor computes. Transcendentals (exp, log, ... norm_cdf), float
// pow, integer pow with a negative exponent, integer division/modulo by zero (the executor raises
// or signals those at run time: folding them would hide that, see opt/may_raise.h) and float->int
// casts of NaN/inf/out-of-range values (unspecified) stay for the executor. Runtime scalars (inputs, num_nodes, reductions) are never
// constants, so nothing depending on them is folded.
//
// The op is rewritten in place (same result value and type), so uses and length symbols stay valid.
#include <cmath>
#include <cstdint>
#include <limits>
#include <optional>
#include <type_traits>

#include "fuseflow/opt/pass_manager.h"
#include "opt/ir_rewrite.h"

namespace fuseflow::opt {

namespace {

using ir::ConstValue;
using ir::OpCode;

using Bool = std::uint8_t;

template <class T>
constexpr bool kIsInt = std::is_same_v<T, std::int32_t> || std::is_same_v<T, std::int64_t>;

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

// Integer arithmetic that wraps like NumPy (two's complement) without C++ overflow UB.
template <class T>
T wrap_add(T a, T b) { using U = std::make_unsigned_t<T>; return static_cast<T>(static_cast<U>(a) + static_cast<U>(b)); }
template <class T>
T wrap_sub(T a, T b) { using U = std::make_unsigned_t<T>; return static_cast<T>(static_cast<U>(a) - static_cast<U>(b)); }
template <class T>
T wrap_mul(T a, T b) { using U = std::make_unsigned_t<T>; return static_cast<T>(static_cast<U>(a) * static_cast<U>(b)); }

// NumPy divmod for floats (npy_divmod): quotient rounded toward -inf, remainder with the divisor's sign.
template <class T>
T float_floor_div(T a, T b) {
  if (b == T(0)) return a / b;
  T mod = std::fmod(a, b);
  T div = (a - mod) / b;
  if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) div -= T(1);
  if (div == T(0)) return std::copysign(T(0), a / b);
  T floor_div = std::floor(div);
  if (div - floor_div > T(0.5)) floor_div += T(1);
  return floor_div;
}

template <class T>
T float_mod(T a, T b) {
  if (b == T(0)) return std::fmod(a, b);
  T mod = std::fmod(a, b);
  if (mod == T(0)) return std::copysign(T(0), b);
  if ((b < T(0)) != (mod < T(0))) mod += b;
  return mod;
}

// Python/NumPy integer floor division and modulo; division by zero gives 0 (NumPy, with a warning).
template <class T>
T int_floor_div(T a, T b) {
  if (b == 0) return 0;
  if (b == -1) return wrap_sub(T(0), a);
  T q = a / b;
  if (a % b != 0 && ((a < 0) != (b < 0))) --q;
  return q;
}

template <class T>
T int_mod(T a, T b) {
  if (b == 0 || b == -1) return 0;
  T r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

// np.minimum / np.maximum: NaN propagates, and on a tie (0.0 vs -0.0) the second operand wins.
template <class T>
T nan_minimum(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return (a < b || std::isnan(a)) ? a : b;
  else return a < b ? a : b;
}

template <class T>
T nan_maximum(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return (a > b || std::isnan(a)) ? a : b;
  else return a > b ? a : b;
}

template <class T>
std::optional<ConstValue> fold_unary(OpCode code, T x) {
  switch (code) {
    case OpCode::kNeg:
      if constexpr (std::is_floating_point_v<T>) return write<T>(-x);
      else if constexpr (kIsInt<T>) return write<T>(wrap_sub(T(0), x));
      break;
    case OpCode::kAbs:
      if constexpr (std::is_floating_point_v<T>) return write<T>(std::fabs(x));
      else if constexpr (kIsInt<T>) return write<T>(x < 0 ? wrap_sub(T(0), x) : x);
      else return write<T>(x);
    case OpCode::kNot:
      if constexpr (std::is_same_v<T, Bool>) return write<T>(x ? 0 : 1);
      else if constexpr (kIsInt<T>) return write<T>(static_cast<T>(~x));
      break;
    case OpCode::kFloor:
      if constexpr (std::is_floating_point_v<T>) return write<T>(std::floor(x));
      else return write<T>(x);
    case OpCode::kCeil:
      if constexpr (std::is_floating_point_v<T>) return write<T>(std::ceil(x));
      else return write<T>(x);
    case OpCode::kRound:  // half to even, as np.round
      if constexpr (std::is_floating_point_v<T>) return write<T>(std::nearbyint(x));
      else return write<T>(x);
    case OpCode::kSqrt:  // correctly rounded by IEEE 754, so the executor's SIMD sqrt agrees exactly
      if constexpr (std::is_floating_point_v<T>) return write<T>(std::sqrt(x));
      break;
    default:
      break;  // transcendentals: the executor's vector math may differ from libm in the last ulp
  }
  return std::nullopt;
}

template <class T>
std::optional<ConstValue> fold_binary(OpCode code, T a, T b) {
  constexpr bool kFloat = std::is_floating_point_v<T>;
  switch (code) {
    case OpCode::kAdd:
      if constexpr (kFloat) return write<T>(a + b);
      else if constexpr (kIsInt<T>) return write<T>(wrap_add(a, b));
      break;
    case OpCode::kSub:
      if constexpr (kFloat) return write<T>(a - b);
      else if constexpr (kIsInt<T>) return write<T>(wrap_sub(a, b));
      break;
    case OpCode::kMul:
      if constexpr (kFloat) return write<T>(a * b);
      else if constexpr (kIsInt<T>) return write<T>(wrap_mul(a, b));
      break;
    case OpCode::kDiv:
      if constexpr (kFloat) return write<T>(a / b);
      break;
    case OpCode::kFloorDiv:
      if constexpr (kFloat) return write<T>(float_floor_div(a, b));
      else if constexpr (kIsInt<T>) {
        if (b != 0) return write<T>(int_floor_div(a, b));  // by zero: the executor's rule applies
      }
      break;
    case OpCode::kMod:
      if constexpr (kFloat) return write<T>(float_mod(a, b));
      else if constexpr (kIsInt<T>) {
        if (b != 0) return write<T>(int_mod(a, b));
      }
      break;
    case OpCode::kPow:
      // Integer power by squaring (wrapping) is exact; a negative exponent is left to the executor.
      if constexpr (kIsInt<T>) {
        if (b < 0) break;
        T result = 1, base = a;
        for (auto e = static_cast<std::make_unsigned_t<T>>(b); e; e >>= 1) {
          if (e & 1) result = wrap_mul(result, base);
          base = wrap_mul(base, base);
        }
        return write<T>(result);
      }
      break;
    case OpCode::kMinimum: return write<T>(nan_minimum(a, b));
    case OpCode::kMaximum: return write<T>(nan_maximum(a, b));
    case OpCode::kEq: return write<Bool>(a == b);
    case OpCode::kNe: return write<Bool>(a != b);
    case OpCode::kLt: return write<Bool>(a < b);
    case OpCode::kLe: return write<Bool>(a <= b);
    case OpCode::kGt: return write<Bool>(a > b);
    case OpCode::kGe: return write<Bool>(a >= b);
    case OpCode::kAnd:
      if constexpr (!kFloat) return write<T>(static_cast<T>(a & b));
      break;
    case OpCode::kOr:
      if constexpr (!kFloat) return write<T>(static_cast<T>(a | b));
      break;
    case OpCode::kXor:
      if constexpr (!kFloat) return write<T>(static_cast<T>(a ^ b));
      break;
    default:
      break;
  }
  return std::nullopt;
}

// Cast with the executor's rules; float -> integer of NaN, inf or an out-of-range value is
// unspecified (ir/ops.h) and left unfolded.
template <class S, class D>
std::optional<ConstValue> fold_cast(S x) {
  if constexpr (std::is_same_v<D, Bool>) {
    return write<D>(x != S(0) ? 1 : 0);
  } else if constexpr (kIsInt<D> && std::is_floating_point_v<S>) {
    constexpr S lo = static_cast<S>(std::numeric_limits<D>::min());  // -2^(bits-1), exact
    if (!(x >= lo && x < -lo)) return std::nullopt;
    return write<D>(static_cast<D>(x));
  } else {
    return write<D>(static_cast<D>(x));  // integer narrowing wraps (C++20), float rounds to nearest
  }
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
  if (op.code == OpCode::kWhere) return args[0].i != 0 ? args[1] : args[2];
  DType compute = p.type(op.operands[0]).dtype;  // operands share it (casts are explicit)
  with_dtype(compute, [&](auto tag) {
    using T = decltype(tag);
    if (op.code == OpCode::kClip) {
      out = write<T>(nan_minimum(nan_maximum(read<T>(args[0]), read<T>(args[1])), read<T>(args[2])));
    } else if (args.size() == 1) {
      out = fold_unary<T>(op.code, read<T>(args[0]));
    } else if (args.size() == 2) {
      out = fold_binary<T>(op.code, read<T>(args[0]), read<T>(args[1]));
    }
  });
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
