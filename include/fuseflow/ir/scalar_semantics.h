// Scalar semantics of the elementwise ops: the one definition of what each op computes on one
// element, written once and used by the executor's block kernel (exec/block_kernel.cpp, which
// applies it in plain element loops the compiler vectorises), its graph steps, and constant
// folding (opt/constant_folding.cpp). Folding therefore agrees bitwise with execution by
// construction, not by keeping copies in step (tests/cpp/opt/fold_agrees_with_executor_test.cpp
// checks every op row of ops.def on NaN, -0.0, inf, zero divisors, negative operands).
//
// One struct per FF_UNARY / FF_BINARY / FF_TERNARY row of ir/ops.def, named after its Enum:
//   template <class T> static constexpr bool kDefined   the element types it is defined on (the
//                                                       type rules in ops.def never ask for others)
//   static R apply(T...)                                the element result (R = T, or bool for
//                                                       comparisons)
//   static R apply(T..., std::uint32_t& errors)         instead, when the op can signal an error
//                                                       (integer pow): sets an ErrorFlag bit
// Element types: bool is one byte holding 0 or 1 (Bool8), integers wrap like NumPy (computed in
// the unsigned type: no signed-overflow UB), floats follow IEEE 754 and NumPy's rules.
// The float math ops (exp ... round: FF_MATH rows) are the SIMD kernels layer's (kernels/math.h);
// the exact ones among them that constant folding evaluates (sqrt, floor, ceil, round) are
// correctly rounded / exact in IEEE 754, so libm and the kernels agree; they are here too.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>
#include <type_traits>

// Forced inline: the block kernel is compiled once per SIMD target; these must be inlined into
// each target's loops (an out-of-line copy would be baseline code and stop vectorisation).
#if defined(__GNUC__) || defined(__clang__)
#define FF_SCALAR inline __attribute__((always_inline))
#else
#define FF_SCALAR inline
#endif

namespace fuseflow::ir::semantics {

using Bool8 = std::uint8_t;

template <class T>
inline constexpr bool kIsBool = std::is_same_v<T, Bool8>;
template <class T>
inline constexpr bool kIsInt = std::is_integral_v<T> && !kIsBool<T>;
template <class T>
inline constexpr bool kIsFloat = std::is_floating_point_v<T>;

// Error bits an op can signal (the executor turns them into exceptions; folding declines).
enum ErrorFlag : std::uint32_t {
  kErrorNegativeIntPower = 1u,     // integer pow with a negative exponent: ValueError (NumPy)
  kErrorPythonIntOutOfBounds = 2u, // a checked_narrowing cast met a value outside int32
};

// Integers add/sub/mul modulo 2^bits, like NumPy.
template <class T>
FF_SCALAR T wrap_add(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) + static_cast<U>(b));
}
template <class T>
FF_SCALAR T wrap_sub(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) - static_cast<U>(b));
}
template <class T>
FF_SCALAR T wrap_mul(T a, T b) {
  using U = std::make_unsigned_t<T>;
  return static_cast<T>(static_cast<U>(a) * static_cast<U>(b));
}

// ---------------------------------------------------------------- unary

struct Neg {  // -x; integers wrap (-INT_MIN == INT_MIN); floats flip the sign (-(0.0) == -0.0)
  template <class T>
  static constexpr bool kDefined = !kIsBool<T>;
  template <class T>
  static FF_SCALAR T apply(T x) {
    if constexpr (kIsFloat<T>) return -x;
    else return wrap_sub(T(0), x);
  }
};

struct Abs {  // |x|; integers wrap (abs(INT_MIN) == INT_MIN); bool: identity
  template <class T>
  static constexpr bool kDefined = true;
  template <class T>
  static FF_SCALAR T apply(T x) {
    if constexpr (kIsFloat<T>) return std::fabs(x);
    else if constexpr (kIsInt<T>) return x < 0 ? wrap_sub(T(0), x) : x;
    else return x;
  }
};

struct Not {  // bool: logical not; integers: bitwise not (~)
  template <class T>
  static constexpr bool kDefined = !kIsFloat<T>;
  template <class T>
  static FF_SCALAR T apply(T x) {
    if constexpr (kIsBool<T>) return static_cast<T>(x ^ 1);
    else return static_cast<T>(~x);
  }
};

struct Relu {  // maximum(x, 0): NaN propagates, relu(-0.0) == +0.0 (np.maximum(-0.0, 0) is 0.0)
  template <class T>
  static constexpr bool kDefined = !kIsBool<T>;
  template <class T>
  static FF_SCALAR T apply(T x) {
    if constexpr (kIsFloat<T>) return (x > T(0) || x != x) ? x : T(0);
    else return x > T(0) ? x : T(0);
  }
};

struct Square {  // x * x; integers wrap. Not bool (np.square of bool is int8, a dtype fuseflow lacks)
  template <class T>
  static constexpr bool kDefined = !kIsBool<T>;
  template <class T>
  static FF_SCALAR T apply(T x) {
    if constexpr (kIsFloat<T>) return x * x;
    else return wrap_mul(x, x);
  }
};

// Exact float math shared with the kernels layer (integers/bool: identity, as in NumPy).
struct Sqrt {  // correctly rounded (IEEE 754), so libm and the SIMD kernel agree
  template <class T>
  static constexpr bool kDefined = kIsFloat<T>;
  template <class T>
  static FF_SCALAR T apply(T x) { return std::sqrt(x); }
};
struct Floor {
  template <class T>
  static constexpr bool kDefined = true;
  template <class T>
  static FF_SCALAR T apply(T x) {
    if constexpr (kIsFloat<T>) return std::floor(x);
    else return x;
  }
};
struct Ceil {
  template <class T>
  static constexpr bool kDefined = true;
  template <class T>
  static FF_SCALAR T apply(T x) {
    if constexpr (kIsFloat<T>) return std::ceil(x);
    else return x;
  }
};
struct Round {  // half to even (np.round); relies on the default rounding mode, as NumPy does
  template <class T>
  static constexpr bool kDefined = true;
  template <class T>
  static FF_SCALAR T apply(T x) {
    if constexpr (kIsFloat<T>) return std::nearbyint(x);
    else return x;
  }
};

// ---------------------------------------------------------------- binary

struct Add {  // bool: or (only reached internally; the type rules reject bool arithmetic)
  template <class T>
  static constexpr bool kDefined = true;
  template <class T>
  static FF_SCALAR T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return a + b;
    else if constexpr (kIsInt<T>) return wrap_add(a, b);
    else return static_cast<T>(a | b);
  }
};

struct Sub {
  template <class T>
  static constexpr bool kDefined = !kIsBool<T>;
  template <class T>
  static FF_SCALAR T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return a - b;
    else return wrap_sub(a, b);
  }
};

struct Mul {  // bool: and (used by dot's lowering only on numeric types; kept total)
  template <class T>
  static constexpr bool kDefined = true;
  template <class T>
  static FF_SCALAR T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return a * b;
    else if constexpr (kIsInt<T>) return wrap_mul(a, b);
    else return static_cast<T>(a & b);
  }
};

struct Div {  // true divide, floats only (the Builder casts integers to float64)
  template <class T>
  static constexpr bool kDefined = kIsFloat<T>;
  template <class T>
  static FF_SCALAR T apply(T a, T b) { return a / b; }
};

// NumPy's divmod for floats (npy_divmod): the quotient rounded toward -inf, computed from fmod so
// that floor_div and mod agree (a == floor_div(a, b) * b + mod(a, b) up to rounding).
struct FloorDiv {
  template <class T>
  static constexpr bool kDefined = !kIsBool<T>;
  template <class T>
  static FF_SCALAR T apply(T a, T b) {
    if constexpr (kIsFloat<T>) {
      if (b == T(0)) return a / b;  // +-inf or NaN, like NumPy
      const T mod = std::fmod(a, b);
      T div = (a - mod) / b;
      if (mod != T(0) && ((b < T(0)) != (mod < T(0)))) div -= T(1);
      if (div == T(0)) return std::copysign(T(0), a / b);
      T floor_div = std::floor(div);
      if (div - floor_div > T(0.5)) floor_div += T(1);
      return floor_div;
    } else {
      // Python semantics; b == 0 gives 0 (NumPy, with a warning); INT_MIN // -1 wraps like NumPy.
      if (b == 0) return 0;
      if (b == -1) return wrap_sub(T(0), a);
      T q = static_cast<T>(a / b);
      if (a % b != 0 && ((a < 0) != (b < 0))) --q;
      return q;
    }
  }
};

struct Mod {  // the remainder takes the divisor's sign (Python/NumPy)
  template <class T>
  static constexpr bool kDefined = !kIsBool<T>;
  template <class T>
  static FF_SCALAR T apply(T a, T b) {
    if constexpr (kIsFloat<T>) {
      if (b == T(0)) return std::fmod(a, b);  // NaN, like NumPy
      T mod = std::fmod(a, b);
      if (mod == T(0)) return std::copysign(T(0), b);
      if ((b < T(0)) != (mod < T(0))) mod += b;
      return mod;
    } else {
      if (b == 0 || b == -1) return 0;  // by zero: 0 (NumPy); -1: avoids INT_MIN % -1 overflow
      T r = static_cast<T>(a % b);
      if (r != 0 && ((r < 0) != (b < 0))) r = static_cast<T>(r + b);
      return r;
    }
  }
};

struct Pow {  // floats: std::pow (libm; not folded); integers: by squaring, wrapping
  template <class T>
  static constexpr bool kDefined = !kIsBool<T>;
  template <class T>
  static FF_SCALAR T apply(T base, T exp, std::uint32_t& errors) {
    if constexpr (kIsFloat<T>) {
      return std::pow(base, exp);
    } else {
      using U = std::make_unsigned_t<T>;
      if (exp < 0) {
        errors |= kErrorNegativeIntPower;
        return 0;
      }
      U result = 1, b = static_cast<U>(base);
      for (U e = static_cast<U>(exp); e; e >>= 1) {
        if (e & 1) result *= b;
        b *= b;
      }
      return static_cast<T>(result);
    }
  }
};

// np.minimum / np.maximum: NaN propagates (from either side); on a tie such as 0.0 vs -0.0 the
// second operand wins.
struct Minimum {
  template <class T>
  static constexpr bool kDefined = true;
  template <class T>
  static FF_SCALAR T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return (a < b || a != a) ? a : b;
    else return a < b ? a : b;
  }
};
struct Maximum {
  template <class T>
  static constexpr bool kDefined = true;
  template <class T>
  static FF_SCALAR T apply(T a, T b) {
    if constexpr (kIsFloat<T>) return (a > b || a != a) ? a : b;
    else return a > b ? a : b;
  }
};

// Comparisons: IEEE (NaN compares unequal to everything, -0.0 == 0.0).
#define FF_COMPARISON(Name, expr)             \
  struct Name {                               \
    template <class T>                        \
    static constexpr bool kDefined = true;    \
    template <class T>                        \
    static FF_SCALAR bool apply(T a, T b) { return expr; } \
  };
FF_COMPARISON(Eq, a == b)
FF_COMPARISON(Ne, a != b)
FF_COMPARISON(Lt, a < b)
FF_COMPARISON(Le, a <= b)
FF_COMPARISON(Gt, a > b)
FF_COMPARISON(Ge, a >= b)
#undef FF_COMPARISON

// Bool: logical; integers: bitwise.
#define FF_BITWISE(Name, op)                  \
  struct Name {                               \
    template <class T>                        \
    static constexpr bool kDefined = !kIsFloat<T>; \
    template <class T>                        \
    static FF_SCALAR T apply(T a, T b) { return static_cast<T>(a op b); } \
  };
FF_BITWISE(And, &)
FF_BITWISE(Or, |)
FF_BITWISE(Xor, ^)
#undef FF_BITWISE

// ---------------------------------------------------------------- ternary

struct Where {  // cond ? a : b (cond is a Bool8)
  template <class T>
  static constexpr bool kDefined = true;
  template <class T>
  static FF_SCALAR T apply(Bool8 cond, T a, T b) { return cond ? a : b; }
};

struct Clip {  // minimum(maximum(x, lo), hi), NaN propagating from any operand
  template <class T>
  static constexpr bool kDefined = true;
  template <class T>
  static FF_SCALAR T apply(T x, T lo, T hi) { return Minimum::apply(Maximum::apply(x, lo), hi); }
};

// ---------------------------------------------------------------- cast

// Conversion without UB: x -> bool is x != 0; float -> integer truncates toward zero, and NaN, inf
// and out-of-range values give the type's minimum, which is what x86 (and so NumPy) produces.
template <class D, class S>
FF_SCALAR D convert(S v) {
  if constexpr (kIsBool<D>) {
    return v != S(0) ? 1 : 0;
  } else if constexpr (std::is_integral_v<D> && kIsFloat<S>) {
    constexpr S lo = static_cast<S>(std::numeric_limits<D>::min());
    constexpr S hi = -lo;  // 2^(bits-1), exactly representable
    return (v >= lo && v < hi) ? static_cast<D>(v) : std::numeric_limits<D>::min();
  } else {
    return static_cast<D>(v);  // integer narrowing wraps (C++20); float rounds to nearest
  }
}

// Whether convert<D>(v) is a defined result (ir/ops.h calls float -> int of NaN, inf or an
// out-of-range value unspecified: constant folding leaves those to the executor).
template <class D, class S>
FF_SCALAR bool convert_is_specified(S v) {
  if constexpr (kIsInt<D> && kIsFloat<S>) {
    constexpr S lo = static_cast<S>(std::numeric_limits<D>::min());
    return v >= lo && v < -lo;
  } else {
    return true;
  }
}

// min / max / argmin / argmax reductions (NumPy's): whether `candidate`, met after `best`,
// replaces it. The first NaN wins and stays; otherwise only a strictly better value replaces,
// so argmin/argmax keep the first of equal extremes.
template <class T>
FF_SCALAR bool reduction_better(T candidate, T best, bool minimum) {
  if constexpr (kIsFloat<T>) {
    if (best != best) return false;
    if (candidate != candidate) return true;
  }
  return minimum ? candidate < best : candidate > best;
}

}  // namespace fuseflow::ir::semantics
