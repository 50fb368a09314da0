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
#include "fuseflow/ir/ops.h"
#include "fuseflow/jit/hook.h"
#include "fuseflow/kernels/reduce.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::exec {
namespace HWY_NAMESPACE {
namespace {

using Bool8 = std::uint8_t;

template <class F>
HWY_INLINE void with_type(DType t, F&& f) {
  switch (t) {
    case DType::kBool: f(Bool8{}); break;
    case DType::kInt32: f(std::int32_t{}); break;
    case DType::kInt64: f(std::int64_t{}); break;
    case DType::kFloat32: f(float{}); break;
    case DType::kFloat64: f(double{}); break;
  }
}

template <class T>
constexpr bool kIsInt = std::is_integral_v<T> && !std::is_same_v<T, Bool8>;

// Type in which integer arithmetic wraps without UB (unsigned); floats and bool unchanged.
template <class T, bool = kIsInt<T>>
struct WrapType { using type = T; };
template <class T>
struct WrapType<T, true> { using type = std::make_unsigned_t<T>; };

namespace sem = ir::semantics;

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

// Whether semantics S signals errors (its apply takes an error-bits argument).
template <class S, class T>
constexpr bool kSignals = requires(T x, std::uint32_t& e) { S::apply(x, x, e); };

// One binary op row of ops.def on a block: its scalar semantics in a plain element loop.
template <class S, class T, int kForm>
HWY_INLINE void binary_op(const void* a, const void* b, void* d, std::int64_t n, std::uint32_t* flags) {
  if constexpr (S::template kDefined<T>) {
    if constexpr (kSignals<S, T>) {
      std::uint32_t errors = 0;  // a local the loop can keep in a register
      map2<T, kForm>(a, b, d, n, [&errors](T x, T y) { return S::apply(x, y, errors); });
      *flags |= errors;
    } else if constexpr (std::is_same_v<decltype(S::apply(T{}, T{})), bool>) {
      compare<T, kForm>(a, b, d, n, [](T x, T y) { return S::apply(x, y); });
    } else {
      map2<T, kForm>(a, b, d, n, [](T x, T y) { return S::apply(x, y); });
    }
  }
}

template <class T, int kForm>
void binary_form(OpCode op, const void* a, const void* b, void* d, std::int64_t n, std::uint32_t* flags) {
  switch (op) {
#define FF_BINARY(Enum, ...) \
    case OpCode::k##Enum: binary_op<sem::Enum, T, kForm>(a, b, d, n, flags); break;
#include "fuseflow/ir/ops.def"
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

template <class S, class T>
HWY_INLINE void unary_op(const void* a, void* d, std::int64_t n) {
  if constexpr (S::template kDefined<T>) {
    const T* pa = static_cast<const T*>(a);
    T* pd = static_cast<T*>(d);
    for (std::int64_t i = 0; i < n; ++i) pd[i] = S::apply(pa[i]);
  }
}

template <class T>
void unary(const Instr& in, const void* a, void* d, std::int64_t n) {
  switch (in.op) {
#define FF_UNARY(Enum, ...) \
    case OpCode::k##Enum: unary_op<sem::Enum, T>(a, d, n); break;
#include "fuseflow/ir/ops.def"
    case OpCode::kMath:
      if constexpr (std::is_floating_point_v<T>) {
        apply_math(in.math, static_cast<const T*>(a), static_cast<T*>(d), n);
      } else {
        // Integers: floor/ceil/round are the identity (the FF_MATH rows defined on them).
        const T* pa = static_cast<const T*>(a);
        T* pd = static_cast<T*>(d);
        for (std::int64_t i = 0; i < n; ++i) pd[i] = pa[i];
      }
      break;
    default: break;
  }
}

// Ternary rows: where's condition is bool, the other operands are of the result type. Every
// operand is loaded unconditionally (arguments), so where is a blend: `pc[i] ? pb[i] : pe[i]`
// would make the compiler mask the loads (the untaken side may not be read in C++).
template <class S, class T>
HWY_INLINE void ternary_op(const void* a, const void* b, const void* c, void* d, std::int64_t n) {
  if constexpr (S::template kDefined<T>) {
    using A = std::conditional_t<std::is_same_v<S, sem::Where>, Bool8, T>;
    const A* pa = static_cast<const A*>(a);
    const T* pb = static_cast<const T*>(b);
    const T* pc = static_cast<const T*>(c);
    T* pd = static_cast<T*>(d);
    for (std::int64_t i = 0; i < n; ++i) {
      const A x = pa[i];
      const T y = pb[i], z = pc[i];
      pd[i] = S::apply(x, y, z);
    }
  }
}

bool int32_range(const std::int64_t* v, std::int64_t n) {
  bool ok = true;
  for (std::int64_t i = 0; i < n; ++i) {
    ok &= v[i] >= std::numeric_limits<std::int32_t>::min() && v[i] <= std::numeric_limits<std::int32_t>::max();
  }
  return ok;
}

void cast(DType from, DType to, const void* a, void* d, std::int64_t n) {
  with_type(from, [&](auto s_tag) {
    using S = decltype(s_tag);
    with_type(to, [&](auto d_tag) {
      using D = decltype(d_tag);
      const S* ps = static_cast<const S*>(a);
      D* pd = static_cast<D*>(d);
      for (std::int64_t i = 0; i < n; ++i) pd[i] = sem::convert<D>(ps[i]);
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
    for (int j = 0; j < kLanes; ++j) acc[j] = kernels::reduce_extreme(acc[j], x[i + j], kMin);
  }
  for (int j = 0; i < n; ++i, ++j) acc[j] = kernels::reduce_extreme(acc[j], x[i], kMin);
  T r = acc[0];
  for (int j = 1; j < kLanes; ++j) r = kernels::reduce_extreme(r, acc[j], kMin);
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
#define FF_BINARY(Enum, ...) case OpCode::k##Enum:
#include "fuseflow/ir/ops.def"
      {
        const BinaryForm form = binary_form_of(kernel, in);
        with_type(in.type, [&](auto tag) { binary<decltype(tag)>(in.op, form, a, b, d, n, flags); });
        break;
      }
#define FF_UNARY(Enum, ...) case OpCode::k##Enum:
#include "fuseflow/ir/ops.def"
      case OpCode::kMath:
        with_type(in.type, [&](auto tag) { unary<decltype(tag)>(in, a, d, n); });
        break;
#define FF_TERNARY(Enum, ...) \
      case OpCode::k##Enum: \
        with_type(in.type, [&](auto tag) { ternary_op<sem::Enum, decltype(tag)>(a, b, c, d, n); }); \
        break;
#include "fuseflow/ir/ops.def"
      case OpCode::kCast:
        if (in.checked_narrowing && !int32_range(static_cast<const std::int64_t*>(a), n)) {
          *flags |= kErrorPythonIntOutOfBounds;
        }
        cast(in.src_type, in.type, a, d, n);
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

bool may_set_error_flags(const Kernel& k) {
  for (const Instr& in : k.code) {
    if (in.checked_narrowing) return true;
    if (is_float(in.type)) continue;
    switch (in.op) {
#define FF_BINARY(Enum, Name, MinArgs, MaxArgs, Operands, Result, Flags, Raise) \
      case OpCode::k##Enum:                                                     \
        if (ir::RaiseRule::Raise == ir::RaiseRule::kIntNegativeExponent) return true; \
        break;
#include "fuseflow/ir/ops.def"
      default: break;
    }
  }
  return false;
}

void run_block(const Kernel& kernel, void* const* ptrs, std::int64_t count, std::int64_t start,
               ReducePartial* partials, std::uint32_t* error_flags) {
  if (kernel.tier && jit::run_compiled(*kernel.tier, ptrs, count, start, partials)) return;  // same bits (jit/hook.h)
  HWY_DYNAMIC_DISPATCH(RunBlock)(kernel, ptrs, count, start, partials, error_flags);
}

const char* block_kernel_target() {
  // Targets are bits with better targets lower; the best supported compiled one is dispatched.
  const std::int64_t usable = hwy::SupportedTargets() & HWY_TARGETS;
  return hwy::TargetName(usable & -usable);
}

}  // namespace fuseflow::exec
#endif
