// The compiled tier's kernel template: a fused elementwise region (shape.h's Region<...> type)
// as ONE loop over Highway vectors, every intermediate a register. Included once per SIMD target
// (hwy/foreach_target.h) by the prejit units (prejit_f64.cpp, prejit_f32.cpp), and by the C++ the native tier generates. A region that
// is a neighbour sum's epilogue can also compute that sum in its loop (run_sum_gather: the gather
// of a fused_agg through the template, jit/region.h SumGather).
//
// Same results as the block interpreter (exec/block_kernel.cpp), bitwise, element by element:
// - float math calls the kernels layer's vector functions (kernels/math-inl.h) that the
//   interpreter's apply_math runs, and a lane's result never depends on its neighbours, so the
//   block split and the zero-padded tail do not matter;
// - the other ops are the scalar semantics (ir/scalar_semantics.h) written as vector ops with the
//   same IEEE results: minimum/maximum/relu/clip keep NumPy's NaN propagation and tie rules, neg
//   and abs are the sign-bit operations -x and fabs are;
// - no FMA contraction across ops: the interpreter stores every op's result to memory, so the
//   compiler (GCC contracts a*b+c even in -std=c++20, intrinsics included) never fuses a
//   multiply with a following add there. Here every op result passes through Opaque(), which the
//   compiler cannot look through, so no contraction spans two ops either. (Contractions inside a
//   math function are the same code as the interpreter's.)
// Comparisons produce masks, kept as all-ones/all-zero vectors of T (bool and/or/xor/not are then
// bitwise), which `where` selects with.

// Per-target include guard (Highway idiom).
#if defined(FUSEFLOW_JIT_REGION_KERNEL_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef FUSEFLOW_JIT_REGION_KERNEL_INL_H_
#undef FUSEFLOW_JIT_REGION_KERNEL_INL_H_
#else
#define FUSEFLOW_JIT_REGION_KERNEL_INL_H_
#endif

#include <algorithm>
#include <array>
#include <cstdint>
#include <cstring>
#include <tuple>
#include <utility>

#include <hwy/highway.h>

#include "jit/shape.h"
#include "kernels/math-inl.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::jit::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;
namespace km = fuseflow::kernels::HWY_NAMESPACE;

// The value as the compiler must take it: an empty asm that "modifies" the register. Costs no
// instruction; stops a multiply from being contracted with the op that reads its result.
template <class V>
HWY_INLINE V Opaque(V v) {
#if HWY_ARCH_X86 && HWY_TARGET != HWY_SCALAR && HWY_TARGET != HWY_EMU128
  asm("" : "+v"(v.raw));
#endif
  return v;
}

template <class D, class V>
// hn::IsNaN, not Ne(x, x): on AVX2/AVX-512 Highway's Ne is an ordered compare (false for NaN),
// which made minimum/maximum/clip/relu drop NaN there.
HWY_INLINE auto NaNLanes(D, V x) { return hn::IsNaN(x); }

// One op of the region on vectors (a, b, c: its operand registers; unused ones are ignored).
template <ir::OpCode Op, class D, class V>
HWY_INLINE V Apply(D d, V a, V b, V c) {
  using ir::OpCode;
  (void)b;
  (void)c;
  if constexpr (Op == OpCode::kNeg) return hn::Neg(a);
  else if constexpr (Op == OpCode::kAbs) return hn::Abs(a);
  else if constexpr (Op == OpCode::kRelu) {  // (x > 0 || x != x) ? x : 0
    return hn::IfThenElse(hn::Or(hn::Gt(a, hn::Zero(d)), NaNLanes(d, a)), a, hn::Zero(d));
  } else if constexpr (Op == OpCode::kSquare) return hn::Mul(a, a);
  else if constexpr (Op == OpCode::kAdd) return hn::Add(a, b);
  else if constexpr (Op == OpCode::kSub) return hn::Sub(a, b);
  else if constexpr (Op == OpCode::kMul) return hn::Mul(a, b);
  else if constexpr (Op == OpCode::kDiv) return hn::Div(a, b);
  else if constexpr (Op == OpCode::kMinimum) return hn::IfThenElse(hn::Or(hn::Lt(a, b), NaNLanes(d, a)), a, b);
  else if constexpr (Op == OpCode::kMaximum) return hn::IfThenElse(hn::Or(hn::Gt(a, b), NaNLanes(d, a)), a, b);
  else if constexpr (Op == OpCode::kClip) {
    const V lo = hn::IfThenElse(hn::Or(hn::Gt(a, b), NaNLanes(d, a)), a, b);
    return hn::IfThenElse(hn::Or(hn::Lt(lo, c), NaNLanes(d, lo)), lo, c);
  } else if constexpr (Op == OpCode::kEq) return hn::VecFromMask(d, hn::Eq(a, b));
  // Not(Eq), not hn::Ne: on AVX2/AVX-512 Highway's Ne is an ordered compare, false for NaN != NaN.
  else if constexpr (Op == OpCode::kNe) return hn::VecFromMask(d, hn::Not(hn::Eq(a, b)));
  else if constexpr (Op == OpCode::kLt) return hn::VecFromMask(d, hn::Lt(a, b));
  else if constexpr (Op == OpCode::kLe) return hn::VecFromMask(d, hn::Le(a, b));
  else if constexpr (Op == OpCode::kGt) return hn::VecFromMask(d, hn::Gt(a, b));
  else if constexpr (Op == OpCode::kGe) return hn::VecFromMask(d, hn::Ge(a, b));
  else if constexpr (Op == OpCode::kAnd) return hn::And(a, b);
  else if constexpr (Op == OpCode::kOr) return hn::Or(a, b);
  else if constexpr (Op == OpCode::kXor) return hn::Xor(a, b);
  else if constexpr (Op == OpCode::kNot) return hn::Not(a);
  else if constexpr (Op == OpCode::kWhere) return hn::IfThenElse(hn::MaskFromVec(a), b, c);
  else if constexpr (Op == OpCode::kExp) return km::VecExp(d, a);
  else if constexpr (Op == OpCode::kLog) return km::VecLog(d, a);
  else if constexpr (Op == OpCode::kLog1p) return km::VecLog1p(d, a);
  else if constexpr (Op == OpCode::kExpm1) return km::VecExpm1(d, a);
  else if constexpr (Op == OpCode::kSqrt) return hn::Sqrt(a);
  else if constexpr (Op == OpCode::kSin) return km::VecSin(d, a);
  else if constexpr (Op == OpCode::kCos) return km::VecCos(d, a);
  else if constexpr (Op == OpCode::kTanh) return km::VecTanh(d, a);
  else if constexpr (Op == OpCode::kSigmoid) return km::VecSigmoid(d, a);
  else if constexpr (Op == OpCode::kErf) return km::VecErf(d, a);
  else if constexpr (Op == OpCode::kErfc) return km::VecErfc(d, a);
  else if constexpr (Op == OpCode::kNormCdf) return km::VecNormCdf(d, a);
  else if constexpr (Op == OpCode::kFloor) return hn::Floor(a);
  else if constexpr (Op == OpCode::kCeil) return hn::Ceil(a);
  else if constexpr (Op == OpCode::kRound) return hn::Round(a);
  else static_assert(Op == OpCode::kNeg, "op not supported by the region kernel template");
}

// Partial sums: the interpreter's block_sum (exec/block_kernel.cpp) adds element i of a block
// into accumulator i % 16, in element order, then folds the 16 accumulators pairwise (8, 4, 2, 1).
// A vector of L lanes (L divides 16) at element i covers accumulators i % 16 ... i % 16 + L - 1,
// so one vector add per vector does exactly the same additions in the same order.
inline constexpr std::size_t kSumLanes = 16;

template <class N>
constexpr bool kIsSum = false;
template <int X, int Y, int Z>
constexpr bool kIsSum<shape::O<ir::OpCode::kSum, X, Y, Z>> = true;
template <class N>
constexpr bool kIsBoolArray = false;
template <int Slot>
constexpr bool kIsBoolArray<shape::B<Slot>> = true;
template <class N>
constexpr int kBoolSlotOf = 0;
template <int Slot>
constexpr int kBoolSlotOf<shape::B<Slot>> = Slot;

// Node K of the region: array loads and ops (scalar nodes are set once, before the loop).
// Loads at element i; `phase`: the vector's first element's index in the block modulo 16 (its
// accumulators); `valid`: how many lanes are elements (all but in the zero-padded tail).
template <class T>
struct Step {
  template <class D, class V, int Slot>
  static HWY_INLINE void run(D d, V* vals, T*, int k, const T* const* in, std::size_t i, std::size_t, std::size_t,
                             shape::A<Slot>) {
    vals[k] = hn::LoadU(d, in[Slot] + i);
  }
  template <class D, class V, int Slot>
  static HWY_INLINE void run(D d, V* vals, T*, int k, const T* const* in, std::size_t i, std::size_t, std::size_t,
                             shape::B<Slot>) {
    // Bytes (nonzero = true) -> all-ones/all-zero lanes: one byte per lane widened to 32 bits,
    // then to 64 for double (Highway 1.0 has no u8 -> u64 promotion). A scalar loop converting
    // each byte made the DSL PageRank's epilogue (a where over the dangling mask) slower than
    // the interpreter's.
    const std::uint8_t* p = reinterpret_cast<const std::uint8_t*>(in[Slot]) + i;
    const hn::RebindToUnsigned<D> du;
    const hn::Rebind<std::uint8_t, D> d8;
    const hn::Rebind<std::uint32_t, D> d32;
    const auto bytes32 = hn::PromoteTo(d32, hn::LoadU(d8, p));
    if constexpr (sizeof(T) == 4) {
      vals[k] = hn::VecFromMask(d, hn::RebindMask(d, hn::Ne(bytes32, hn::Zero(d32))));
    } else {
      const auto bytes64 = hn::PromoteTo(du, bytes32);
      vals[k] = hn::VecFromMask(d, hn::RebindMask(d, hn::Ne(bytes64, hn::Zero(du))));
    }
  }
  template <class D, class V, int Slot>
  static HWY_INLINE void run(D, V*, T*, int, const T* const*, std::size_t, std::size_t, std::size_t, shape::S<Slot>) {}
  template <class D, class V, ir::OpCode Op, int X, int Y, int Z>
  static HWY_INLINE void run(D d, V* vals, T* sums, int k, const T* const*, std::size_t, std::size_t phase,
                             std::size_t valid, shape::O<Op, X, Y, Z>) {
    if constexpr (Op == ir::OpCode::kSum) {
      T* acc = sums + static_cast<std::size_t>(k) * kSumLanes + phase;
      const V x = hn::IfThenElseZero(hn::FirstN(d, valid), vals[X]);  // +0 leaves a sum as is
      hn::StoreU(Opaque(hn::Add(hn::LoadU(d, acc), x)), d, acc);
    } else {
      vals[k] = Opaque(Apply<Op>(d, vals[X], vals[Y < 0 ? X : Y], vals[Z < 0 ? X : Z]));
    }
  }
};

template <class T, class D, class V, int Slot>
HWY_INLINE void SetScalar(D d, V* vals, int k, const double* scalars, shape::S<Slot>) {
  vals[k] = hn::Set(d, static_cast<T>(scalars[Slot]));
}
template <class T, class D, class V, class N>
HWY_INLINE void SetScalar(D, V*, int, const double*, N) {}

#ifndef FF_REGION_UNROLL
#define FF_REGION_UNROLL 4
#endif

template <class Shape>
struct RegionKernel;

template <DType DT, int... Outs, class... Nodes>
struct RegionKernel<shape::Region<DT, shape::Out<Outs...>, Nodes...>> {
  using T = std::conditional_t<DT == DType::kFloat32, float, double>;
  static constexpr int kArrays = shape::Traits<shape::Region<DT, shape::Out<Outs...>, Nodes...>>::kArrays;
  static constexpr int kOuts = sizeof...(Outs);
  static constexpr bool kAnySum = (false || ... || kIsSum<Nodes>);
  // Per node: whether it is a sum; per output: whether it is a partial sum (not an array).
  // std::array (not a bare array of deduced bound): clang 14 refuses to index the latter in a
  // constant expression inside a class template.
  static constexpr std::array<bool, sizeof...(Nodes)> kNodeSum = {kIsSum<Nodes>...};
  static constexpr std::array<bool, sizeof...(Outs)> kOutSum = {kNodeSum[Outs]...};
  static_assert(!kAnySum || HWY_MAX_BYTES / sizeof(T) <= kSumLanes, "a vector wider than the 16 accumulators");

  // Values live for one step in an array every access of which is at a constant index (scalar
  // nodes set at the top of the step: a broadcast load the compiler hoists out of the loop), so
  // the compiler keeps them in registers. With one array kept across the loop, GCC stored and
  // reloaded every op's result (Black-Scholes: ~800 stack accesses in its loop).
  template <class D, class V, std::size_t... K>
  static HWY_INLINE void set_scalars(D d, V* vals, const double* scalars, std::index_sequence<K...>) {
    (SetScalar<T>(d, vals, static_cast<int>(K), scalars, Nodes{}), ...);
  }

  template <class D, std::size_t... K>
  static HWY_INLINE void body(D d, const double* scalars, T* sums, const T* const* in, T* const* out, std::size_t i,
                              std::size_t phase, std::size_t valid, std::index_sequence<K...> seq) {
    using V = hn::Vec<D>;
    V vals[sizeof...(Nodes)];
    set_scalars(d, vals, scalars, seq);
    (Step<T>::template run<D, V>(d, vals, sums, static_cast<int>(K), in, i, phase, valid, Nodes{}), ...);
    int o = 0;
    ((kOutSum[o] ? void() : hn::StoreU(vals[Outs], d, out[o] + i), ++o), ...);
  }

  // kUnroll vectors per step of the main loop, op by op (op k of every vector, then op k + 1):
  // the vectors' chains are independent, so a math-heavy region keeps several in flight where
  // one vector's chain (hundreds of cycles of latency) would leave the core waiting. Sums see
  // their vectors in element order, so every value is the same as one vector at a time.
  static constexpr std::size_t kUnroll = FF_REGION_UNROLL;

  // The vectors' index u is a constant in every access (a pack, not a loop), so the compiler can
  // keep each vals[u][k] in a register: with a loop over u, GCC kept the whole group in a stack
  // array and stored and reloaded every op's result (Black-Scholes: ~800 stack accesses).
  template <std::size_t K, class D, class V, std::size_t... U>
  static HWY_INLINE void step_all(D d, V (*vals)[sizeof...(Nodes)], T* sums, const T* const* in, std::size_t i,
                                  std::size_t lanes, std::index_sequence<U...>) {
    using Node = std::tuple_element_t<K, std::tuple<Nodes...>>;
    (Step<T>::template run<D, V>(d, vals[U], sums, static_cast<int>(K), in, i + U * lanes, (i + U * lanes) % kSumLanes,
                                 lanes, Node{}),
     ...);
  }
  template <std::size_t U, class D, class V>
  static HWY_INLINE void store_one(D d, V (*vals)[sizeof...(Nodes)], T* const* out, std::size_t i, std::size_t lanes) {
    int o = 0;
    ((kOutSum[o] ? void() : hn::StoreU(vals[U][Outs], d, out[o] + i + U * lanes), ++o), ...);
  }
  template <class D, class V, std::size_t... U>
  static HWY_INLINE void store_all(D d, V (*vals)[sizeof...(Nodes)], T* const* out, std::size_t i, std::size_t lanes,
                                   std::index_sequence<U...>) {
    (store_one<U>(d, vals, out, i, lanes), ...);
  }
  template <class D, class V, std::size_t... U>
  static HWY_INLINE void set_scalars_all(D d, V (*vals)[sizeof...(Nodes)], const double* scalars,
                                         std::index_sequence<U...>) {
    (set_scalars(d, vals[U], scalars, std::index_sequence_for<Nodes...>{}), ...);
  }
  template <class D, std::size_t... K>
  static HWY_INLINE void body_unrolled(D d, const double* scalars, T* sums, const T* const* in, T* const* out,
                                       std::size_t i, std::size_t lanes, std::index_sequence<K...>) {
    using V = hn::Vec<D>;
    using Us = std::make_index_sequence<kUnroll>;
    V vals[kUnroll][sizeof...(Nodes)];
    set_scalars_all(d, vals, scalars, Us{});
    (step_all<K>(d, vals, sums, in, i, lanes, Us{}), ...);
    store_all(d, vals, out, i, lanes, Us{});
  }

  // Per array slot: whether it is a bool array (bytes) rather than T.
  static constexpr std::array<bool, (kArrays > 0 ? kArrays : 1)> kBoolSlot = [] {
    std::array<bool, (kArrays > 0 ? kArrays : 1)> b{};
    ((kIsBoolArray<Nodes> ? (void)(b[static_cast<std::size_t>(kBoolSlotOf<Nodes>)] = true) : void()), ...);
    return b;
  }();

  // The epilogue of a neighbour sum with the sum itself (jit/region.h SumGather): array slot kAgg
  // is filled for the whole call (a block of <= 256 nodes) first, each node's aggregate summed in
  // edge order as the executor's pull loop sums it, then the region runs over it while it is in
  // L1. Filled a loop step (32 nodes) at a time instead, the DSL PageRank on R-MAT 20 measured
  // 2-4% slower per iteration than the pull loop then the epilogue: the step's vector work waited
  // on the gather's cache misses before the next nodes' loads could start.
  template <int kAgg>
  static void run_sum_gather(const SumGather& g, const void* const* arrays, const double* scalars, void* const* outputs,
                             std::int64_t count) {
    static_assert(kAgg >= 0 && kAgg < kArrays, "the aggregate must be one of the region's arrays");
    T* __restrict agg = static_cast<T*>(const_cast<void*>(arrays[kAgg]));  // never x: the pull loop assumes it too
    const T* __restrict x = static_cast<const T*>(g.x);
    const std::int64_t* __restrict off = g.offsets + g.first;
    const std::int32_t* __restrict idx = g.indices;
    // Four nodes at a time, each its own chain of adds in its own edge order (so the same bits as
    // one node after another): four independent chains where one node's adds wait on each other.
    std::int64_t j = 0;
    for (; j + 4 <= count; j += 4) {
      std::int64_t p0 = off[j], p1 = off[j + 1], p2 = off[j + 2], p3 = off[j + 3];
      const std::int64_t e0 = p1, e1 = p2, e2 = p3, e3 = off[j + 4];
      T a0 = T(0), a1 = T(0), a2 = T(0), a3 = T(0);
      while (p0 < e0 && p1 < e1 && p2 < e2 && p3 < e3) {
        a0 += x[idx[p0++]];
        a1 += x[idx[p1++]];
        a2 += x[idx[p2++]];
        a3 += x[idx[p3++]];
      }
      for (; p0 < e0; ++p0) a0 += x[idx[p0]];
      for (; p1 < e1; ++p1) a1 += x[idx[p1]];
      for (; p2 < e2; ++p2) a2 += x[idx[p2]];
      for (; p3 < e3; ++p3) a3 += x[idx[p3]];
      agg[j] = a0;
      agg[j + 1] = a1;
      agg[j + 2] = a2;
      agg[j + 3] = a3;
    }
    for (; j < count; ++j) {
      T acc = T(0);
      for (std::int64_t p = off[j], end = off[j + 1]; p < end; ++p) acc += x[idx[p]];
      agg[j] = acc;
    }
    run(arrays, scalars, outputs, count);
  }

  static void run(const void* const* arrays, const double* scalars, void* const* outputs, std::int64_t count) {
    const hn::ScalableTag<T> d;
    using Seq = std::index_sequence_for<Nodes...>;
    const std::size_t n = static_cast<std::size_t>(count);
    const std::size_t lanes = hn::Lanes(d);
    // 16 accumulators per sum node (indexed by node; only sum nodes' rows are used, and only
    // those are zeroed: clearing the whole array was 4% of the DSL PageRank epilogue's time).
    HWY_ALIGN T sums[kAnySum ? sizeof...(Nodes) * kSumLanes : 1];
    if constexpr (kAnySum) {
      for (std::size_t k = 0; k < sizeof...(Nodes); ++k) {
        if (kNodeSum[k]) std::fill_n(sums + k * kSumLanes, kSumLanes, T(0));
      }
    }
    const T* in[kArrays > 0 ? kArrays : 1];
    T* out[kOuts];
    for (int k = 0; k < kArrays; ++k) in[k] = static_cast<const T*>(arrays[k]);
    for (int k = 0; k < kOuts; ++k) out[k] = static_cast<T*>(outputs[k]);
    std::size_t i = 0;
    for (; i + kUnroll * lanes <= n; i += kUnroll * lanes) body_unrolled(d, scalars, sums, in, out, i, lanes, Seq{});
    for (; i + lanes <= n; i += lanes) body(d, scalars, sums, in, out, i, i % kSumLanes, lanes, Seq{});
    if (i < n) {
      // The last partial vector through zero-padded buffers, as the interpreter's math kernels do.
      constexpr std::size_t kMaxLanes = HWY_MAX_BYTES / sizeof(T);
      HWY_ALIGN T in_tail[kArrays > 0 ? kArrays : 1][kMaxLanes] = {};
      HWY_ALIGN T out_tail[kOuts][kMaxLanes];
      const T* tin[kArrays > 0 ? kArrays : 1];
      T* tout[kOuts];
      const std::size_t rest = n - i;
      for (int k = 0; k < kArrays; ++k) {
        const std::size_t bytes = kBoolSlot[static_cast<std::size_t>(k)] ? 1 : sizeof(T);
        std::memcpy(in_tail[k], static_cast<const char*>(arrays[k]) + i * bytes, rest * bytes);
        tin[k] = in_tail[k];
      }
      for (int k = 0; k < kOuts; ++k) tout[k] = out_tail[k];
      body(d, scalars, sums, tin, tout, 0, i % kSumLanes, rest, Seq{});
      for (int k = 0; k < kOuts; ++k) {
        if (!kOutSum[k]) std::memcpy(out[k] + i, out_tail[k], rest * sizeof(T));
      }
    }
    if constexpr (kAnySum) {
      for (int k = 0; k < kOuts; ++k) {
        if (!kOutSum[k]) continue;
        T* acc = sums + static_cast<std::size_t>(OutNode(k)) * kSumLanes;
        for (std::size_t w = kSumLanes / 2; w > 0; w /= 2) {
          for (std::size_t j = 0; j < w; ++j) acc[j] += acc[j + w];
        }
        std::memcpy(outputs[k], &acc[0], sizeof(T));
      }
    }
  }
  static constexpr int OutNode(int k) {
    constexpr int outs[] = {Outs...};
    return outs[k];
  }
};

}  // namespace fuseflow::jit::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // FUSEFLOW_JIT_REGION_KERNEL_INL_H_
