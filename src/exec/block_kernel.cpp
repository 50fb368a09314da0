// Block interpreter of fused kernels. The whole file is compiled once per SIMD target
// (hwy/foreach_target.h) so the compiler auto-vectorises each per-op loop for AVX-512 / AVX2 /
// baseline, and HWY_DYNAMIC_DISPATCH picks the best one at run time. Per-op loops are plain
// element loops; NumPy semantics (floor division, NaN-propagating min/max, wrapping integers)
// are written so they stay branch-free where the compiler can vectorise them.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "exec/block_kernel.cpp"
// SSSE3/SSE4/AVX3_DL add compile time but little over baseline/AVX2/AVX3 for these loops.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4 | HWY_AVX3_DL)
#endif
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

#include "exec/block_kernel.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::exec {
namespace HWY_NAMESPACE {
namespace {

using Bool8 = std::uint8_t;

template <class F>
HWY_INLINE void with_type(ElemType t, F&& f) {
  switch (t) {
    case ElemType::kBool: f(Bool8{}); break;
    case ElemType::kInt32: f(std::int32_t{}); break;
    case ElemType::kInt64: f(std::int64_t{}); break;
    case ElemType::kFloat32: f(float{}); break;
    case ElemType::kFloat64: f(double{}); break;
  }
}

template <class T>
constexpr bool kIsInt = std::is_integral_v<T> && !std::is_same_v<T, Bool8>;

// Type in which integer arithmetic wraps without UB (unsigned); floats and bool unchanged.
template <class T, bool = kIsInt<T>>
struct WrapType { using type = T; };
template <class T>
struct WrapType<T, true> { using type = std::make_unsigned_t<T>; };

// NumPy's divmod for floats (npy_divmod): floor quotient and a remainder with the divisor's sign.
template <class T>
HWY_INLINE T float_floordiv(T a, T b) {
  T mod = std::fmod(a, b);
  if (b == T(0)) return a / b;
  T div = (a - mod) / b;
  if (mod != T(0)) {
    if ((b < T(0)) != (mod < T(0))) div -= T(1);
  }
  if (div != T(0)) {
    T fl = std::floor(div);
    if (div - fl > T(0.5)) fl += T(1);
    return fl;
  }
  return std::copysign(T(0), a / b);
}

template <class T>
HWY_INLINE T float_mod(T a, T b) {
  if (b == T(0)) return std::fmod(a, b);  // NaN, like NumPy
  T mod = std::fmod(a, b);
  if (mod != T(0)) {
    if ((b < T(0)) != (mod < T(0))) mod += b;
  } else {
    mod = std::copysign(T(0), b);
  }
  return mod;
}

template <class T>
HWY_INLINE T int_floordiv(T a, T b) {
  using U = std::make_unsigned_t<T>;
  if (b == 0) return 0;  // NumPy returns 0 (with a warning) for integer division by zero
  if (b == -1) return static_cast<T>(U(0) - static_cast<U>(a));  // wraps at INT_MIN like NumPy
  T q = a / b;
  if ((a % b != 0) && ((a < 0) != (b < 0))) --q;
  return q;
}

template <class T>
HWY_INLINE T int_mod(T a, T b) {
  if (b == 0 || b == -1) return 0;
  T r = a % b;
  if (r != 0 && ((r < 0) != (b < 0))) r += b;
  return r;
}

template <class T>
HWY_INLINE T int_pow(T base, T exp, std::uint32_t* flags) {
  using U = std::make_unsigned_t<T>;
  if (exp < 0) {
    *flags |= kErrorNegativeIntPower;
    return 0;
  }
  U result = 1, b = static_cast<U>(base);
  auto e = static_cast<std::make_unsigned_t<T>>(exp);
  while (e) {
    if (e & 1) result *= b;
    b *= b;
    e >>= 1;
  }
  return static_cast<T>(result);
}

// NaN-propagating minimum/maximum (np.minimum / np.maximum).
template <class T>
HWY_INLINE T nan_min(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return (a < b || a != a) ? a : b;
  else return a < b ? a : b;
}
template <class T>
HWY_INLINE T nan_max(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) return (a > b || a != a) ? a : b;
  else return a > b ? a : b;
}

template <class T, int kForm, class F>
HWY_INLINE void map2(const void* a, const void* b, void* dst, std::int64_t n, F f) {
  const T* pa = static_cast<const T*>(a);
  const T* pb = static_cast<const T*>(b);
  T* pd = static_cast<T*>(dst);
  if constexpr (kForm == kScalarA) {
    const T sa = pa[0];
    for (std::int64_t i = 0; i < n; ++i) pd[i] = f(sa, pb[i]);
  } else if constexpr (kForm == kScalarB) {
    const T sb = pb[0];
    for (std::int64_t i = 0; i < n; ++i) pd[i] = f(pa[i], sb);
  } else {
    for (std::int64_t i = 0; i < n; ++i) pd[i] = f(pa[i], pb[i]);
  }
}

template <class T, int kForm, class F>
HWY_INLINE void compare(const void* a, const void* b, void* dst, std::int64_t n, F f) {
  const T* pa = static_cast<const T*>(a);
  const T* pb = static_cast<const T*>(b);
  Bool8* pd = static_cast<Bool8*>(dst);
  if constexpr (kForm == kScalarA) {
    const T sa = pa[0];
    for (std::int64_t i = 0; i < n; ++i) pd[i] = f(sa, pb[i]) ? 1 : 0;
  } else if constexpr (kForm == kScalarB) {
    const T sb = pb[0];
    for (std::int64_t i = 0; i < n; ++i) pd[i] = f(pa[i], sb) ? 1 : 0;
  } else {
    for (std::int64_t i = 0; i < n; ++i) pd[i] = f(pa[i], pb[i]) ? 1 : 0;
  }
}

template <class T, int kForm>
void binary_form(OpCode op, const void* a, const void* b, void* d, std::int64_t n, std::uint32_t* flags) {
  using W = typename WrapType<T>::type;
  switch (op) {
    case OpCode::kAdd:
      if constexpr (std::is_same_v<T, Bool8>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return T(x | y); });
      else map2<T, kForm>(a, b, d, n, [](T x, T y) { return T(W(x) + W(y)); });
      break;
    case OpCode::kSub: map2<T, kForm>(a, b, d, n, [](T x, T y) { return T(W(x) - W(y)); }); break;
    case OpCode::kMul:
      if constexpr (std::is_same_v<T, Bool8>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return T(x & y); });
      else map2<T, kForm>(a, b, d, n, [](T x, T y) { return T(W(x) * W(y)); });
      break;
    case OpCode::kDiv:
      if constexpr (std::is_floating_point_v<T>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return x / y; });
      break;
    case OpCode::kFloorDiv:
      if constexpr (std::is_floating_point_v<T>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return float_floordiv(x, y); });
      else if constexpr (kIsInt<T>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return int_floordiv(x, y); });
      break;
    case OpCode::kMod:
      if constexpr (std::is_floating_point_v<T>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return float_mod(x, y); });
      else if constexpr (kIsInt<T>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return int_mod(x, y); });
      break;
    case OpCode::kPow:
      if constexpr (std::is_floating_point_v<T>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return std::pow(x, y); });
      else if constexpr (kIsInt<T>) map2<T, kForm>(a, b, d, n, [flags](T x, T y) { return int_pow(x, y, flags); });
      break;
    case OpCode::kMinimum: map2<T, kForm>(a, b, d, n, [](T x, T y) { return nan_min(x, y); }); break;
    case OpCode::kMaximum: map2<T, kForm>(a, b, d, n, [](T x, T y) { return nan_max(x, y); }); break;
    case OpCode::kBitAnd:
      if constexpr (!std::is_floating_point_v<T>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return T(x & y); });
      break;
    case OpCode::kBitOr:
      if constexpr (!std::is_floating_point_v<T>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return T(x | y); });
      break;
    case OpCode::kBitXor:
      if constexpr (!std::is_floating_point_v<T>) map2<T, kForm>(a, b, d, n, [](T x, T y) { return T(x ^ y); });
      break;
    case OpCode::kEq: compare<T, kForm>(a, b, d, n, [](T x, T y) { return x == y; }); break;
    case OpCode::kNe: compare<T, kForm>(a, b, d, n, [](T x, T y) { return x != y; }); break;
    case OpCode::kLt: compare<T, kForm>(a, b, d, n, [](T x, T y) { return x < y; }); break;
    case OpCode::kLe: compare<T, kForm>(a, b, d, n, [](T x, T y) { return x <= y; }); break;
    case OpCode::kGt: compare<T, kForm>(a, b, d, n, [](T x, T y) { return x > y; }); break;
    case OpCode::kGe: compare<T, kForm>(a, b, d, n, [](T x, T y) { return x >= y; }); break;
    default: break;
  }
}

template <class T>
void binary(OpCode op, BinaryForm form, const void* a, const void* b, void* d, std::int64_t n, std::uint32_t* flags) {
  switch (form) {
    case kScalarA: binary_form<T, kScalarA>(op, a, b, d, n, flags); break;
    case kScalarB: binary_form<T, kScalarB>(op, a, b, d, n, flags); break;
    default: binary_form<T, kBothBlocks>(op, a, b, d, n, flags); break;
  }
}

template <class T>
void unary(const Instr& in, const void* a, void* d, std::int64_t n) {
  const T* pa = static_cast<const T*>(a);
  T* pd = static_cast<T*>(d);
  using W = typename WrapType<T>::type;
  switch (in.op) {
    case OpCode::kNeg:
      if constexpr (std::is_same_v<T, Bool8>) {
        for (std::int64_t i = 0; i < n; ++i) pd[i] = pa[i];
      } else if constexpr (std::is_floating_point_v<T>) {
        for (std::int64_t i = 0; i < n; ++i) pd[i] = -pa[i];  // sign flip: -(0.0) is -0.0, as in NumPy
      } else {
        for (std::int64_t i = 0; i < n; ++i) pd[i] = T(W(0) - W(pa[i]));  // wraps like NumPy
      }
      break;
    case OpCode::kSquare:
      for (std::int64_t i = 0; i < n; ++i) pd[i] = T(W(pa[i]) * W(pa[i]));
      break;
    case OpCode::kAbs:
      if constexpr (std::is_floating_point_v<T>) {
        for (std::int64_t i = 0; i < n; ++i) pd[i] = std::fabs(pa[i]);
      } else if constexpr (kIsInt<T>) {
        for (std::int64_t i = 0; i < n; ++i) pd[i] = pa[i] < 0 ? T(W(0) - W(pa[i])) : pa[i];
      } else {
        for (std::int64_t i = 0; i < n; ++i) pd[i] = pa[i];
      }
      break;
    case OpCode::kBitNot:
      if constexpr (std::is_same_v<T, Bool8>) {
        for (std::int64_t i = 0; i < n; ++i) pd[i] = pa[i] ^ 1;
      } else if constexpr (kIsInt<T>) {
        for (std::int64_t i = 0; i < n; ++i) pd[i] = T(~pa[i]);
      }
      break;
    case OpCode::kMath:
      if constexpr (std::is_floating_point_v<T>) {
        apply_math(in.math, pa, pd, n);
      } else {
        // Integers: floor/ceil/round are the identity; abs is handled by kAbs.
        for (std::int64_t i = 0; i < n; ++i) pd[i] = pa[i];
      }
      break;
    default: break;
  }
}

// Float -> integer conversion without UB: NaN, inf and out-of-range give the type's minimum,
// which is what x86 (and so NumPy) produces.
template <class D, class S>
HWY_INLINE D convert(S v) {
  if constexpr (std::is_same_v<D, Bool8>) {
    return v != S(0) ? 1 : 0;
  } else if constexpr (std::is_integral_v<D> && std::is_floating_point_v<S>) {
    constexpr S lo = static_cast<S>(std::numeric_limits<D>::min());
    constexpr S hi = -lo;  // 2^(bits-1), exactly representable
    return (v >= lo && v < hi) ? static_cast<D>(v) : std::numeric_limits<D>::min();
  } else {
    return static_cast<D>(v);
  }
}

bool int32_range(const std::int64_t* v, std::int64_t n) {
  bool ok = true;
  for (std::int64_t i = 0; i < n; ++i) {
    ok &= v[i] >= std::numeric_limits<std::int32_t>::min() && v[i] <= std::numeric_limits<std::int32_t>::max();
  }
  return ok;
}

void cast(ElemType from, ElemType to, const void* a, void* d, std::int64_t n) {
  with_type(from, [&](auto s_tag) {
    using S = decltype(s_tag);
    with_type(to, [&](auto d_tag) {
      using D = decltype(d_tag);
      const S* ps = static_cast<const S*>(a);
      D* pd = static_cast<D*>(d);
      for (std::int64_t i = 0; i < n; ++i) pd[i] = convert<D>(ps[i]);
    });
  });
}

// Lane-wise accumulators (fixed count, independent of the SIMD width) keep sums vectorisable and
// make the result the same on every target and thread count.
constexpr int kLanes = 16;

template <class T>
T block_sum(const T* x, std::int64_t n) {
  using W = typename WrapType<T>::type;  // integers add modulo 2^k like NumPy (no signed overflow UB)
  W acc[kLanes] = {};
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] += W(x[i + j]);
  }
  for (int j = 0; i < n; ++i, ++j) acc[j] += W(x[i]);
  for (int w = kLanes / 2; w > 0; w /= 2) {
    for (int j = 0; j < w; ++j) acc[j] += acc[j + w];
  }
  return T(acc[0]);
}

template <class T, bool kMin>
T block_extreme(const T* x, std::int64_t n) {
  T acc[kLanes];
  for (int j = 0; j < kLanes; ++j) acc[j] = x[0];
  std::int64_t i = 0;
  for (; i + kLanes <= n; i += kLanes) {
    for (int j = 0; j < kLanes; ++j) acc[j] = kMin ? nan_min(acc[j], x[i + j]) : nan_max(acc[j], x[i + j]);
  }
  for (int j = 0; i < n; ++i, ++j) acc[j] = kMin ? nan_min(acc[j], x[i]) : nan_max(acc[j], x[i]);
  T r = acc[0];
  for (int j = 1; j < kLanes; ++j) r = kMin ? nan_min(r, acc[j]) : nan_max(r, acc[j]);
  return r;
}

// First index of the extreme; the first NaN wins (NumPy's argmin/argmax).
template <class T, bool kMin>
std::int64_t block_arg_extreme(const T* x, std::int64_t n) {
  std::int64_t best = 0;
  T v = x[0];
  if constexpr (std::is_floating_point_v<T>) {
    if (v != v) return 0;
  }
  for (std::int64_t i = 1; i < n; ++i) {
    T xi = x[i];
    if constexpr (std::is_floating_point_v<T>) {
      if (xi != xi) return i;
    }
    if (kMin ? (xi < v) : (xi > v)) {
      v = xi;
      best = i;
    }
  }
  return best;
}

template <class T>
void store(ScalarBits& bits, T v) {
  std::memcpy(bits.raw, &v, sizeof(T));
}

void reduce(const Instr& in, const void* a, std::int64_t n, std::int64_t start, ReducePartial& out) {
  with_type(in.type, [&](auto tag) {
    using T = decltype(tag);
    const T* x = static_cast<const T*>(a);
    switch (in.reduce) {
      case ReduceOp::kSum:
        if constexpr (!std::is_same_v<T, Bool8>) store(out.value, block_sum(x, n));
        break;
      case ReduceOp::kMin: store(out.value, block_extreme<T, true>(x, n)); break;
      case ReduceOp::kMax: store(out.value, block_extreme<T, false>(x, n)); break;
      case ReduceOp::kArgMin: {
        std::int64_t i = block_arg_extreme<T, true>(x, n);
        store(out.value, x[i]);
        out.index = start + i;
        break;
      }
      case ReduceOp::kArgMax: {
        std::int64_t i = block_arg_extreme<T, false>(x, n);
        store(out.value, x[i]);
        out.index = start + i;
        break;
      }
    }
  });
}

}  // namespace

void RunBlock(const Kernel& kernel, void* const* ptrs, std::int64_t n, std::int64_t start,
              ReducePartial* partials, std::uint32_t* flags) {
  for (const Instr& in : kernel.code) {
    void* d = in.dst >= 0 ? ptrs[in.dst] : nullptr;
    const void* a = in.a >= 0 ? ptrs[in.a] : nullptr;
    const void* b = in.b >= 0 ? ptrs[in.b] : nullptr;
    const void* c = in.c >= 0 ? ptrs[in.c] : nullptr;
    switch (in.op) {
      case OpCode::kAdd: case OpCode::kSub: case OpCode::kMul: case OpCode::kDiv:
      case OpCode::kFloorDiv: case OpCode::kMod: case OpCode::kPow: case OpCode::kMinimum:
      case OpCode::kMaximum: case OpCode::kBitAnd: case OpCode::kBitOr: case OpCode::kBitXor:
      case OpCode::kEq: case OpCode::kNe: case OpCode::kLt: case OpCode::kLe: case OpCode::kGt:
      case OpCode::kGe: {
        const BinaryForm form = binary_form_of(kernel, in);
        with_type(in.type, [&](auto tag) { binary<decltype(tag)>(in.op, form, a, b, d, n, flags); });
        break;
      }
      case OpCode::kNeg: case OpCode::kAbs: case OpCode::kBitNot: case OpCode::kMath: case OpCode::kSquare:
        with_type(in.type, [&](auto tag) { unary<decltype(tag)>(in, a, d, n); });
        break;
      case OpCode::kCast:
        if (in.checked_narrowing && !int32_range(static_cast<const std::int64_t*>(a), n)) {
          *flags |= kErrorPythonIntOutOfBounds;
        }
        cast(in.src_type, in.type, a, d, n);
        break;
      case OpCode::kWhere:
        with_type(in.type, [&](auto tag) {
          using T = decltype(tag);
          const Bool8* pc = static_cast<const Bool8*>(a);
          const T* pb = static_cast<const T*>(b);
          const T* pe = static_cast<const T*>(c);
          T* pd = static_cast<T*>(d);
          // Both sides loaded unconditionally: a blend, where `pc[i] ? pb[i] : pe[i]` would make
          // the compiler mask the loads (the untaken side may not be read in C++).
          for (std::int64_t i = 0; i < n; ++i) {
            const T taken = pb[i], other = pe[i];
            pd[i] = pc[i] ? taken : other;
          }
        });
        break;
      case OpCode::kClip:
        with_type(in.type, [&](auto tag) {
          using T = decltype(tag);
          const T* px = static_cast<const T*>(a);
          const T* plo = static_cast<const T*>(b);
          const T* phi = static_cast<const T*>(c);
          T* pd = static_cast<T*>(d);
          for (std::int64_t i = 0; i < n; ++i) pd[i] = nan_min(nan_max(px[i], plo[i]), phi[i]);
        });
        break;
      case OpCode::kIota:
        with_type(in.type, [&](auto tag) {
          using T = decltype(tag);
          T* pd = static_cast<T*>(d);
          for (std::int64_t i = 0; i < n; ++i) pd[i] = static_cast<T>(start + i);
        });
        break;
      case OpCode::kCopy:
        std::memcpy(d, a, static_cast<std::size_t>(n) * elem_size(in.type));
        break;
      case OpCode::kReduce:
        if (n > 0) reduce(in, a, n, start, partials[in.reduction]);
        break;
    }
  }
}

}  // namespace HWY_NAMESPACE
}  // namespace fuseflow::exec
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::exec {

HWY_EXPORT(RunBlock);

void run_block(const Kernel& kernel, void* const* ptrs, std::int64_t count, std::int64_t start,
               ReducePartial* partials, std::uint32_t* error_flags) {
  HWY_DYNAMIC_DISPATCH(RunBlock)(kernel, ptrs, count, start, partials, error_flags);
}

const char* block_kernel_target() {
  // Targets are bits with better targets lower; the best supported compiled one is dispatched.
  const std::int64_t usable = hwy::SupportedTargets() & HWY_TARGETS;
  return hwy::TargetName(usable & -usable);
}

}  // namespace fuseflow::exec
#endif
