// Elementwise vector math: array loops per SIMD target, chosen at run time (HWY_DYNAMIC_DISPATCH).
// The vector functions themselves live in math-inl.h.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/math.cpp"
#include <hwy/foreach_target.h>  // re-includes this file once per compiled target

#include <hwy/highway.h>

#include "kernels/math-inl.h"

#include "fuseflow/core/error.h"
#include "fuseflow/kernels/math.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels::HWY_NAMESPACE {
namespace {

// One functor per op so the array loops below are instantiated with the op inlined.
#define FUSEFLOW_VECTOR_OP(Name, expr)                   \
  struct Name {                                          \
    template <class D, class V>                          \
    HWY_INLINE V operator()(D d, V x) const {            \
      (void)d;                                           \
      return expr;                                       \
    }                                                    \
  };
FUSEFLOW_VECTOR_OP(ExpOp, VecExp(d, x))
FUSEFLOW_VECTOR_OP(LogOp, VecLog(d, x))
FUSEFLOW_VECTOR_OP(Log1pOp, VecLog1p(d, x))
FUSEFLOW_VECTOR_OP(Expm1Op, VecExpm1(d, x))
FUSEFLOW_VECTOR_OP(SqrtOp, hn::Sqrt(x))
FUSEFLOW_VECTOR_OP(SinOp, VecSin(d, x))
FUSEFLOW_VECTOR_OP(CosOp, VecCos(d, x))
FUSEFLOW_VECTOR_OP(TanhOp, VecTanh(d, x))
FUSEFLOW_VECTOR_OP(SigmoidOp, VecSigmoid(d, x))
FUSEFLOW_VECTOR_OP(ErfOp, VecErf(d, x))
FUSEFLOW_VECTOR_OP(ErfcOp, VecErfc(d, x))
FUSEFLOW_VECTOR_OP(NormCdfOp, VecNormCdf(d, x))
FUSEFLOW_VECTOR_OP(FloorOp, hn::Floor(x))
FUSEFLOW_VECTOR_OP(CeilOp, hn::Ceil(x))
FUSEFLOW_VECTOR_OP(RoundOp, hn::Round(x))  // ties to even, like numpy.round
FUSEFLOW_VECTOR_OP(AbsOp, hn::Abs(x))
#undef FUSEFLOW_VECTOR_OP

// Applies `op` to whole vectors; the last partial vector goes through a padded buffer so an
// element gets bitwise the same result wherever it sits in the array. `in == out` is fine:
// each vector is loaded before it is stored.
template <class Op, class T>
void MapSameType(const T* in, T* out, std::size_t n) {
  const hn::ScalableTag<T> d;
  const std::size_t lanes = hn::Lanes(d);
  const Op op;
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(op(d, hn::LoadU(d, in + i)), d, out + i);
  if (i < n) {
    HWY_ALIGN T tail[HWY_MAX_BYTES / sizeof(T)] = {};
    std::memcpy(tail, in + i, (n - i) * sizeof(T));
    hn::Store(op(d, hn::Load(d, tail)), d, tail);
    std::memcpy(out + i, tail, (n - i) * sizeof(T));
  }
}

// float64 -> float32 with IEEE overflow to +-inf. The emulated targets' DemoteTo saturates to
// +-FLT_MAX instead, so those convert lane by lane.
template <class DF, class D, class V>
HWY_INLINE hn::Vec<DF> DemoteToFloat(DF df, D d, V v) {
#if HWY_TARGET == HWY_SCALAR || HWY_TARGET == HWY_EMU128
  HWY_ALIGN double wide[HWY_MAX_BYTES / sizeof(double)];
  HWY_ALIGN float narrow[HWY_MAX_BYTES / sizeof(double)];
  hn::Store(v, d, wide);
  for (std::size_t i = 0; i < hn::Lanes(d); ++i) narrow[i] = static_cast<float>(wide[i]);
  return hn::Load(df, narrow);
#else
  (void)d;
  return hn::DemoteTo(df, v);
#endif
}

// Evaluates in float64 and rounds once (<= 1 ulp in float32) at half the lane count: used for
// the erf family, whose polynomials are fitted for float64.
template <class Op>
void MapFloatViaDouble(const float* in, float* out, std::size_t n) {
  const hn::ScalableTag<double> d;
  const hn::Rebind<float, decltype(d)> df;
  const std::size_t lanes = hn::Lanes(d);
  const Op op;
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) {
    hn::StoreU(DemoteToFloat(df, d, op(d, hn::PromoteTo(d, hn::LoadU(df, in + i)))), df, out + i);
  }
  if (i < n) {
    HWY_ALIGN float tail[HWY_MAX_BYTES / sizeof(double)] = {};
    std::memcpy(tail, in + i, (n - i) * sizeof(float));
    hn::Store(DemoteToFloat(df, d, op(d, hn::PromoteTo(d, hn::Load(df, tail)))), df, tail);
    std::memcpy(out + i, tail, (n - i) * sizeof(float));
  }
}

}  // namespace

void UnaryDouble(UnaryOp op, const double* in, double* out, std::size_t n) {
  switch (op) {
    case UnaryOp::kExp: return MapSameType<ExpOp>(in, out, n);
    case UnaryOp::kLog: return MapSameType<LogOp>(in, out, n);
    case UnaryOp::kLog1p: return MapSameType<Log1pOp>(in, out, n);
    case UnaryOp::kExpm1: return MapSameType<Expm1Op>(in, out, n);
    case UnaryOp::kSqrt: return MapSameType<SqrtOp>(in, out, n);
    case UnaryOp::kSin: return MapSameType<SinOp>(in, out, n);
    case UnaryOp::kCos: return MapSameType<CosOp>(in, out, n);
    case UnaryOp::kTanh: return MapSameType<TanhOp>(in, out, n);
    case UnaryOp::kSigmoid: return MapSameType<SigmoidOp>(in, out, n);
    case UnaryOp::kErf: return MapSameType<ErfOp>(in, out, n);
    case UnaryOp::kErfc: return MapSameType<ErfcOp>(in, out, n);
    case UnaryOp::kNormCdf: return MapSameType<NormCdfOp>(in, out, n);
    case UnaryOp::kFloor: return MapSameType<FloorOp>(in, out, n);
    case UnaryOp::kCeil: return MapSameType<CeilOp>(in, out, n);
    case UnaryOp::kRound: return MapSameType<RoundOp>(in, out, n);
    case UnaryOp::kAbs: return MapSameType<AbsOp>(in, out, n);
  }
  throw Error(ErrorCode::kInternal, "unary: unknown UnaryOp " + std::to_string(static_cast<int>(op)));
}

// Native float32 worst cases measured on every 5th float32 of each domain (AVX3): exp 0.89,
// expm1 1.32, log 0.88, log1p 2.43, sin 2.44, cos 2.42 (|x| <= 39000), tanh 2.45, sigmoid 2.82 ulp.
void UnaryFloat(UnaryOp op, const float* in, float* out, std::size_t n) {
  switch (op) {
    case UnaryOp::kExp: return MapSameType<ExpOp>(in, out, n);
    case UnaryOp::kLog: return MapSameType<LogOp>(in, out, n);
    case UnaryOp::kLog1p: return MapSameType<Log1pOp>(in, out, n);
    case UnaryOp::kExpm1: return MapSameType<Expm1Op>(in, out, n);
    case UnaryOp::kSqrt: return MapSameType<SqrtOp>(in, out, n);  // IEEE sqrt is exact-rounded
    case UnaryOp::kSin: return MapSameType<SinOp>(in, out, n);
    case UnaryOp::kCos: return MapSameType<CosOp>(in, out, n);
    case UnaryOp::kTanh: return MapSameType<TanhOp>(in, out, n);
    case UnaryOp::kSigmoid: return MapSameType<SigmoidOp>(in, out, n);
    case UnaryOp::kErf: return MapFloatViaDouble<ErfOp>(in, out, n);
    case UnaryOp::kErfc: return MapFloatViaDouble<ErfcOp>(in, out, n);
    case UnaryOp::kNormCdf: return MapFloatViaDouble<NormCdfOp>(in, out, n);
    case UnaryOp::kFloor: return MapSameType<FloorOp>(in, out, n);
    case UnaryOp::kCeil: return MapSameType<CeilOp>(in, out, n);
    case UnaryOp::kRound: return MapSameType<RoundOp>(in, out, n);
    case UnaryOp::kAbs: return MapSameType<AbsOp>(in, out, n);
  }
  throw Error(ErrorCode::kInternal, "unary: unknown UnaryOp " + std::to_string(static_cast<int>(op)));
}

const char* CompiledTargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace fuseflow::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::kernels {

HWY_EXPORT(UnaryDouble);
HWY_EXPORT(UnaryFloat);
HWY_EXPORT(CompiledTargetName);

void unary(UnaryOp op, const double* in, double* out, std::size_t n) {
  HWY_DYNAMIC_DISPATCH(UnaryDouble)(op, in, out, n);
}

void unary(UnaryOp op, const float* in, float* out, std::size_t n) {
  HWY_DYNAMIC_DISPATCH(UnaryFloat)(op, in, out, n);
}

const char* math_target_name() { return HWY_DYNAMIC_DISPATCH(CompiledTargetName)(); }

const char* unary_op_name(UnaryOp op) {
  switch (op) {
    case UnaryOp::kExp: return "exp";
    case UnaryOp::kLog: return "log";
    case UnaryOp::kLog1p: return "log1p";
    case UnaryOp::kExpm1: return "expm1";
    case UnaryOp::kSqrt: return "sqrt";
    case UnaryOp::kSin: return "sin";
    case UnaryOp::kCos: return "cos";
    case UnaryOp::kTanh: return "tanh";
    case UnaryOp::kSigmoid: return "sigmoid";
    case UnaryOp::kErf: return "erf";
    case UnaryOp::kErfc: return "erfc";
    case UnaryOp::kNormCdf: return "norm_cdf";
    case UnaryOp::kFloor: return "floor";
    case UnaryOp::kCeil: return "ceil";
    case UnaryOp::kRound: return "round";
    case UnaryOp::kAbs: return "abs";
  }
  return "unknown";
}

std::optional<UnaryOp> unary_op_from_name(std::string_view name) {
  for (int i = 0; i < kNumUnaryOps; ++i) {
    const auto op = static_cast<UnaryOp>(i);
    if (name == unary_op_name(op)) return op;
  }
  return std::nullopt;
}

}  // namespace fuseflow::kernels
#endif  // HWY_ONCE
