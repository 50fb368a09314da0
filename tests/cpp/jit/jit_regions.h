// IR programs whose fused regions the compiled-tier tests run (text format: ir/program.h). Each
// is one elementwise region after optimization.
#pragma once

namespace fuseflow::testing::jit_regions {

// The where-expression of the benchmarks (tests/cpp/test_programs.h where_expression):
// where(x > 0, x*y + 2.5*x - y/3, exp(-x)*y).
inline constexpr const char* kWhereExpression = R"(func @where_expr(%0:f64[n0], %1:f64[n0]) {
  %2:~f64 = const 0.0
  %3:bool[n0] = gt %0, %2
  %4:f64[n0] = mul %0, %1
  %5:~f64 = const 2.5
  %6:f64[n0] = mul %5, %0
  %7:f64[n0] = add %4, %6
  %8:~f64 = const 3.0
  %9:f64[n0] = div %1, %8
  %10:f64[n0] = sub %7, %9
  %11:f64[n0] = neg %0
  %12:f64[n0] = exp %11
  %13:f64[n0] = mul %12, %1
  %14:f64[n0] = where %3, %10, %13
  return %14
}
)";

// Black-Scholes call and put on arrays spot, strike, expiry with scalar rate and volatility.
inline constexpr const char* kBlackScholes = R"(func @black_scholes(%0:f64[n0], %1:f64[n0], %2:f64[n0], %3:~f64, %4:~f64) {
  %5:f64[n0] = div %0, %1
  %6:f64[n0] = log %5
  %7:~f64 = const 0.5
  %8:~f64 = mul %4, %4
  %9:~f64 = mul %7, %8
  %10:~f64 = add %3, %9
  %11:f64[n0] = mul %10, %2
  %12:f64[n0] = add %6, %11
  %13:f64[n0] = sqrt %2
  %14:f64[n0] = mul %4, %13
  %15:f64[n0] = div %12, %14
  %16:f64[n0] = sub %15, %14
  %17:f64[n0] = norm_cdf %15
  %18:f64[n0] = mul %0, %17
  %19:~f64 = neg %3
  %20:f64[n0] = mul %19, %2
  %21:f64[n0] = exp %20
  %22:f64[n0] = mul %1, %21
  %23:f64[n0] = norm_cdf %16
  %24:f64[n0] = mul %22, %23
  %25:f64[n0] = sub %18, %24
  %26:f64[n0] = neg %16
  %27:f64[n0] = norm_cdf %26
  %28:f64[n0] = mul %22, %27
  %29:f64[n0] = neg %15
  %30:f64[n0] = norm_cdf %29
  %31:f64[n0] = mul %0, %30
  %32:f64[n0] = sub %28, %31
  return %25, %32
}
)";

// The DSL PageRank update as a region over the aggregate: (1 - d)/n + d * (agg + sink/n), with
// the scalars computed outside.
inline constexpr const char* kPageRankUpdate = R"(func @pagerank_update(%0:f64[n0], %1:~f64, %2:~f64, %3:~f64) {
  %4:f64[n0] = add %0, %3
  %5:f64[n0] = mul %2, %4
  %6:f64[n0] = add %1, %5
  return %6
}
)";

}  // namespace fuseflow::testing::jit_regions
