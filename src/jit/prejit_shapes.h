// The region shapes instantiated at build time (tier "prejit"). Each is a fused region exactly as
// the optimizer emits it (node order: see describe_region). To add one: print the region's shape
// with shape::shape_type_name(describe_region(...)->key) and paste it here; a test in
// tests/cpp/jit/prejit_test.cpp should build the region from IR text and check it hits.
#pragma once

#include <tuple>

#include "jit/shape.h"

namespace fuseflow::jit {

namespace prejit_shapes {
using namespace shape;  // NOLINT: the shapes below read as the key does
using ir::OpCode;

// ---- arithmetic (FMA-like) chains
// x * y + x
template <DType T>
using MulAddSelf = Region<T, Out<3>, A<0>, A<1>, O<OpCode::kMul, 0, 1>, O<OpCode::kAdd, 2, 0>>;
// a * b + c
template <DType T>
using MulAdd3 = Region<T, Out<4>, A<0>, A<1>, O<OpCode::kMul, 0, 1>, A<2>, O<OpCode::kAdd, 2, 3>>;
// s * x + y (axpy)
template <DType T>
using Axpy = Region<T, Out<4>, S<0>, A<0>, O<OpCode::kMul, 0, 1>, A<1>, O<OpCode::kAdd, 2, 3>>;
// s0 * x + s1 (scale and shift; e.g. a neighbor_agg's per-edge prologue 0.5 * x + 0.25)
template <DType T>
using ScaleShift = Region<T, Out<4>, S<0>, A<0>, O<OpCode::kMul, 0, 1>, S<1>, O<OpCode::kAdd, 2, 3>>;
// (x - s0) * s1 (standardise)
template <DType T>
using SubMul = Region<T, Out<4>, A<0>, S<0>, O<OpCode::kSub, 0, 1>, S<1>, O<OpCode::kMul, 2, 3>>;
// The DSL PageRank update over the aggregate: s0 + s1 * (agg + s2).
template <DType T>
using PageRankUpdate = Region<T, Out<6>, A<0>, S<0>, O<OpCode::kAdd, 0, 1>, S<1>, O<OpCode::kMul, 3, 2>, S<2>,
                              O<OpCode::kAdd, 5, 4>>;

// The DSL PageRank's whole epilogue (ff.examples.pagerank, after the neighbour sum agg):
// r = s0 + s1 * (agg + s2); where(dangling, r, s3) summed (the next sink mass); r * inv_degree.
template <DType T>
using PageRankEpilogue =
    Region<T, Out<6, 11, 12>, A<0>, S<0>, O<OpCode::kAdd, 0, 1>, S<1>, O<OpCode::kMul, 3, 2>, S<2>,
           O<OpCode::kAdd, 5, 4>, B<1>, S<3>, O<OpCode::kWhere, 7, 6, 8>, A<2>, O<OpCode::kMul, 6, 10>,
           O<OpCode::kSum, 9>>;

// ---- reductions (per-block partial sums)
// sum(where(mask, x, s)): a masked sum over a bool array
template <DType T>
using MaskedSum = Region<T, Out<4>, B<0>, A<1>, S<0>, O<OpCode::kWhere, 0, 1, 2>, O<OpCode::kSum, 3>>;
// sum(x * x) / mean(x * x)
template <DType T>
using SumSquares = Region<T, Out<2>, A<0>, O<OpCode::kMul, 0, 0>, O<OpCode::kSum, 1>>;

// ---- compare + select
// where(x > s, x, y)
template <DType T>
using WhereGt = Region<T, Out<4>, A<0>, S<0>, O<OpCode::kGt, 0, 1>, A<1>, O<OpCode::kWhere, 2, 0, 3>>;
// The benchmarks' where-expression: where(x > 0, x*y + 2.5*x - y/3, exp(-x)*y).
template <DType T>
using WhereExpression =
    Region<T, Out<14>, A<0>, S<0>, O<OpCode::kGt, 0, 1>, A<1>, O<OpCode::kMul, 0, 3>, S<1>, O<OpCode::kMul, 5, 0>,
           O<OpCode::kAdd, 4, 6>, S<2>, O<OpCode::kDiv, 3, 8>, O<OpCode::kSub, 7, 9>, O<OpCode::kNeg, 0>,
           O<OpCode::kExp, 11>, O<OpCode::kMul, 12, 3>, O<OpCode::kWhere, 2, 10, 13>>;

// ---- row-wise steps of softmax and layer-norm (a0: the row statistic broadcast along the row,
// read by the executor per block like a plain array; a1: the rows)
// exp(x - max): softmax's shifted exponentials
template <DType T>
using RowShiftExp = Region<T, Out<3>, A<0>, A<1>, O<OpCode::kSub, 1, 0>, O<OpCode::kExp, 2>>;
// x / s: softmax's normalisation, layer-norm's division by the deviation
template <DType T>
using RowDivide = Region<T, Out<2>, A<0>, A<1>, O<OpCode::kDiv, 1, 0>>;
// c = x - mean: layer-norm's centring (its variance squares c inside the axis mean,
// algebraic_simplification's reduce_axes.mean.sq)
template <DType T>
using RowCenter = Region<T, Out<2>, A<0>, A<1>, O<OpCode::kSub, 1, 0>>;
// sqrt(v + eps): layer-norm's and RMSNorm's deviation from the row statistic
template <DType T>
using AddSqrt = Region<T, Out<3>, A<0>, S<0>, O<OpCode::kAdd, 0, 1>, O<OpCode::kSqrt, 2>>;
// (x - mu) * inv_sigma * gamma + beta: layer-norm's affine half, per-row mu and inv_sigma and
// per-column gamma and beta
template <DType T>
using NormAffine = Region<T, Out<8>, A<0>, A<1>, O<OpCode::kSub, 1, 0>, A<2>, O<OpCode::kMul, 2, 3>, A<3>,
                          O<OpCode::kMul, 4, 5>, A<4>, O<OpCode::kAdd, 6, 7>>;

// The same with the row statistic bound as a scalar (what the executor runs per row segment:
// region.h with_scalar_slots, jit/hook.h run_compiled_rows)
template <DType T>
using RowShiftExpS = Region<T, Out<3>, S<0>, A<0>, O<OpCode::kSub, 1, 0>, O<OpCode::kExp, 2>>;
template <DType T>
using RowDivideS = Region<T, Out<2>, S<0>, A<0>, O<OpCode::kDiv, 1, 0>>;
template <DType T>
using RowCenterS = Region<T, Out<2>, S<0>, A<0>, O<OpCode::kSub, 1, 0>>;
template <DType T>
using NormAffineS = Region<T, Out<8>, S<0>, A<0>, O<OpCode::kSub, 1, 0>, S<1>, O<OpCode::kMul, 2, 3>, A<1>,
                           O<OpCode::kMul, 4, 5>, A<2>, O<OpCode::kAdd, 6, 7>>;

// x / s: a division by a scalar (float32: DivideByScalar, region_kernel-inl.h)
template <DType T>
using DivScalar = Region<T, Out<2>, A<0>, S<0>, O<OpCode::kDiv, 0, 1>>;

// ---- math chains
template <DType T>
using Exp1 = Region<T, Out<1>, A<0>, O<OpCode::kExp, 0>>;
template <DType T>
using Log1 = Region<T, Out<1>, A<0>, O<OpCode::kLog, 0>>;
// exp(-x)
template <DType T>
using ExpNeg = Region<T, Out<2>, A<0>, O<OpCode::kNeg, 0>, O<OpCode::kExp, 1>>;
// log(x / y)
template <DType T>
using LogRatio = Region<T, Out<3>, A<0>, A<1>, O<OpCode::kDiv, 0, 1>, O<OpCode::kLog, 2>>;

// norm_cdf(x)
using NormCdf1 = Region<DType::kFloat64, Out<1>, A<0>, O<OpCode::kNormCdf, 0>>;
// Black-Scholes call and put (spot, strike, expiry arrays; r + sigma^2/2, sigma, -r scalars).
using BlackScholes =
    Region<DType::kFloat64, Out<21, 28>, A<0>, A<1>, O<OpCode::kDiv, 0, 1>, O<OpCode::kLog, 2>, S<0>, A<2>,
           O<OpCode::kMul, 4, 5>, O<OpCode::kAdd, 3, 6>, O<OpCode::kSqrt, 5>, S<1>, O<OpCode::kMul, 9, 8>,
           O<OpCode::kDiv, 7, 10>, O<OpCode::kSub, 11, 10>, O<OpCode::kNormCdf, 11>, O<OpCode::kMul, 0, 13>, S<2>,
           O<OpCode::kMul, 15, 5>, O<OpCode::kExp, 16>, O<OpCode::kMul, 1, 17>, O<OpCode::kNormCdf, 12>,
           O<OpCode::kMul, 18, 19>, O<OpCode::kSub, 14, 20>, O<OpCode::kNeg, 12>, O<OpCode::kNormCdf, 22>,
           O<OpCode::kMul, 18, 23>, O<OpCode::kNeg, 11>, O<OpCode::kNormCdf, 25>, O<OpCode::kMul, 0, 26>,
           O<OpCode::kSub, 24, 27>>;

// ff.examples.bs_call (DESIGN.md's Black-Scholes call: s, t, k arrays; sigma, r + sigma^2/2, -r scalars).
using BsCall =
    Region<DType::kFloat64, Out<21>, A<0>, O<OpCode::kSqrt, 0>, S<0>, O<OpCode::kMul, 2, 1>, A<1>, A<2>,
           O<OpCode::kDiv, 4, 5>, O<OpCode::kLog, 6>, S<1>, O<OpCode::kMul, 8, 0>, O<OpCode::kAdd, 7, 9>,
           O<OpCode::kDiv, 10, 3>, O<OpCode::kNormCdf, 11>, O<OpCode::kMul, 4, 12>, S<2>, O<OpCode::kMul, 14, 0>,
           O<OpCode::kExp, 15>, O<OpCode::kMul, 5, 16>, O<OpCode::kSub, 11, 3>, O<OpCode::kNormCdf, 18>,
           O<OpCode::kMul, 17, 19>, O<OpCode::kSub, 13, 20>>;

// ff.examples.bs_call with sigma an array (one volatility per option, as a book of options has):
// t, sigma, s, k arrays; 0.5, r, -r scalars. The scalar-sigma shape above folds sigma's products.
using BsCallSigmaArray =
    Region<DType::kFloat64, Out<25>, A<0>, O<OpCode::kSqrt, 0>, A<1>, O<OpCode::kMul, 2, 1>, A<2>, A<3>,
           O<OpCode::kDiv, 4, 5>, O<OpCode::kLog, 6>, S<0>, O<OpCode::kMul, 8, 2>, O<OpCode::kMul, 9, 2>, S<1>,
           O<OpCode::kAdd, 11, 10>, O<OpCode::kMul, 12, 0>, O<OpCode::kAdd, 7, 13>, O<OpCode::kDiv, 14, 3>,
           O<OpCode::kNormCdf, 15>, O<OpCode::kMul, 4, 16>, S<2>, O<OpCode::kMul, 18, 0>, O<OpCode::kExp, 19>,
           O<OpCode::kMul, 5, 20>, O<OpCode::kSub, 15, 3>, O<OpCode::kNormCdf, 22>, O<OpCode::kMul, 21, 23>,
           O<OpCode::kSub, 17, 24>>;

}  // namespace prejit_shapes

template <DType T>
using PrejitShapes =
    std::tuple<prejit_shapes::MulAddSelf<T>, prejit_shapes::MulAdd3<T>, prejit_shapes::Axpy<T>, prejit_shapes::ScaleShift<T>,
               prejit_shapes::SubMul<T>,
               prejit_shapes::PageRankUpdate<T>, prejit_shapes::PageRankEpilogue<T>, prejit_shapes::MaskedSum<T>,
               prejit_shapes::SumSquares<T>, prejit_shapes::WhereGt<T>, prejit_shapes::WhereExpression<T>,
               prejit_shapes::Exp1<T>, prejit_shapes::Log1<T>, prejit_shapes::ExpNeg<T>, prejit_shapes::LogRatio<T>,
               prejit_shapes::RowShiftExp<T>, prejit_shapes::RowDivide<T>, prejit_shapes::RowCenter<T>,
               prejit_shapes::AddSqrt<T>,
               prejit_shapes::NormAffine<T>, prejit_shapes::RowShiftExpS<T>, prejit_shapes::RowDivideS<T>,
               prejit_shapes::RowCenterS<T>, prejit_shapes::NormAffineS<T>, prejit_shapes::DivScalar<T>>;

// Shapes with the erf family (float32 evaluates those via float64 in the interpreter), in a unit
// of their own (prejit_erf.cpp): the inlined norm_cdf makes them the slowest instantiations.
using PrejitShapesErf = std::tuple<prejit_shapes::NormCdf1, prejit_shapes::BlackScholes, prejit_shapes::BsCall,
                                   prejit_shapes::BsCallSigmaArray>;

// Regions also instantiated with array slot kAgg computed in the loop as a neighbour sum
// (SumGather; exec's fused_agg with a sum over a float x and this epilogue): the DSL PageRank's.
template <class Shape, int kAgg>
struct WithSumGather {
  using Region = Shape;
  static constexpr int kAggSlot = kAgg;
};
template <DType T>
using PrejitSumGatherShapes = std::tuple<WithSumGather<prejit_shapes::PageRankUpdate<T>, 0>,
                                         WithSumGather<prejit_shapes::PageRankEpilogue<T>, 0>>;

}  // namespace fuseflow::jit
