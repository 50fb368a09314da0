// Highway kernels behind include/fuseflow/kernels/similarity.h, compiled once per CPU target
// (foreach_target) and chosen at run time (HWY_DYNAMIC_DISPATCH).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/similarity_kernels.cpp"
// Also compile the AVX-512 VNNI target (Ice Lake+, Zen4): its int8 dot products drive the
// prefilter of single-query search. Dispatch is per translation unit, so this is local.
#ifndef HWY_WANT_AVX3_DL
#define HWY_WANT_AVX3_DL 1
#endif
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include <cmath>
#include <limits>

#include "fuseflow/core/threads.h"
#include "fuseflow/kernels/similarity.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// One row at a time with one accumulator, summed in lane order: the same arithmetic as the 4x4
// tile below, so a score never depends on which kernel or position made it. Reading one row
// after another streams from DRAM at the machine's read bandwidth; 4 interleaved rows measured
// 1.5x slower (100k x 1024, huge pages), and in cache the two are equal.
void DotRows(const float* HWY_RESTRICT rows, std::size_t row_stride, std::size_t num_rows,
             const float* HWY_RESTRICT query, std::size_t length, float* HWY_RESTRICT scores) {
  const hn::ScalableTag<float> d;
  const std::size_t N = hn::Lanes(d);
  for (std::size_t r = 0; r < num_rows; ++r) {
    const float* x = rows + r * row_stride;
    auto a = hn::Zero(d);
    for (std::size_t i = 0; i < length; i += N) a = hn::MulAdd(hn::Load(d, query + i), hn::Load(d, x + i), a);
    scores[r] = hn::GetLane(hn::SumOfLanes(d, a));
  }
}

void L2Rows(const float* HWY_RESTRICT rows, std::size_t row_stride, std::size_t num_rows,
            const float* HWY_RESTRICT query, std::size_t length, float* HWY_RESTRICT scores) {
  const hn::ScalableTag<float> d;
  const std::size_t N = hn::Lanes(d);
  for (std::size_t r = 0; r < num_rows; ++r) {
    const float* x = rows + r * row_stride;
    auto a = hn::Zero(d);
    for (std::size_t i = 0; i < length; i += N) {
      const auto diff = hn::Sub(hn::Load(d, x + i), hn::Load(d, query + i));
      a = hn::MulAdd(diff, diff, a);
    }
    scores[r] = hn::GetLane(hn::SumOfLanes(d, a));
  }
}

// Scattered rows (prefilter candidates): a single chain per row would wait on FMA latency, so
// four rows advance together, each still with its own single accumulator (identical results).
template <bool kL2>
void RowsAt(const float* HWY_RESTRICT rows, std::size_t row_stride, const std::uint32_t* HWY_RESTRICT which,
            std::size_t count, const float* HWY_RESTRICT query, std::size_t length, float* HWY_RESTRICT scores) {
  const hn::ScalableTag<float> d;
  const std::size_t N = hn::Lanes(d);
  auto step = [&](const auto q, const float* x, std::size_t i, auto acc) {
    if constexpr (kL2) {
      const auto diff = hn::Sub(hn::Load(d, x + i), q);
      return hn::MulAdd(diff, diff, acc);
    } else {
      return hn::MulAdd(q, hn::Load(d, x + i), acc);
    }
  };
  std::size_t j = 0;
  for (; j + 4 <= count; j += 4) {
    const float* x0 = rows + which[j] * row_stride;
    const float* x1 = rows + which[j + 1] * row_stride;
    const float* x2 = rows + which[j + 2] * row_stride;
    const float* x3 = rows + which[j + 3] * row_stride;
    auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
    for (std::size_t i = 0; i < length; i += N) {
      const auto q = hn::Load(d, query + i);
      a0 = step(q, x0, i, a0);
      a1 = step(q, x1, i, a1);
      a2 = step(q, x2, i, a2);
      a3 = step(q, x3, i, a3);
    }
    scores[j] = hn::GetLane(hn::SumOfLanes(d, a0));
    scores[j + 1] = hn::GetLane(hn::SumOfLanes(d, a1));
    scores[j + 2] = hn::GetLane(hn::SumOfLanes(d, a2));
    scores[j + 3] = hn::GetLane(hn::SumOfLanes(d, a3));
  }
  for (; j < count; ++j) {
    const float* x = rows + which[j] * row_stride;
    auto a = hn::Zero(d);
    for (std::size_t i = 0; i < length; i += N) a = step(hn::Load(d, query + i), x, i, a);
    scores[j] = hn::GetLane(hn::SumOfLanes(d, a));
  }
}

void DotRowsAt(const float* HWY_RESTRICT rows, std::size_t row_stride, const std::uint32_t* HWY_RESTRICT which,
               std::size_t count, const float* HWY_RESTRICT query, std::size_t length, float* HWY_RESTRICT scores) {
  RowsAt<false>(rows, row_stride, which, count, query, length, scores);
}

void L2RowsAt(const float* HWY_RESTRICT rows, std::size_t row_stride, const std::uint32_t* HWY_RESTRICT which,
              std::size_t count, const float* HWY_RESTRICT query, std::size_t length, float* HWY_RESTRICT scores) {
  RowsAt<true>(rows, row_stride, which, count, query, length, scores);
}

// 4 queries x 4 rows: 16 accumulators, 8 loads per 16 FMAs, so the FMA units set the pace.
HWY_INLINE void DotTile4x4(const float* HWY_RESTRICT q0, std::size_t query_stride, const float* HWY_RESTRICT x0,
                           std::size_t row_stride, std::size_t length, float* HWY_RESTRICT out,
                           std::size_t score_stride) {
  const hn::ScalableTag<float> d;
  const std::size_t N = hn::Lanes(d);
  const float* q1 = q0 + query_stride;
  const float* q2 = q1 + query_stride;
  const float* q3 = q2 + query_stride;
  const float* x1 = x0 + row_stride;
  const float* x2 = x1 + row_stride;
  const float* x3 = x2 + row_stride;
  auto c00 = hn::Zero(d), c01 = hn::Zero(d), c02 = hn::Zero(d), c03 = hn::Zero(d);
  auto c10 = hn::Zero(d), c11 = hn::Zero(d), c12 = hn::Zero(d), c13 = hn::Zero(d);
  auto c20 = hn::Zero(d), c21 = hn::Zero(d), c22 = hn::Zero(d), c23 = hn::Zero(d);
  auto c30 = hn::Zero(d), c31 = hn::Zero(d), c32 = hn::Zero(d), c33 = hn::Zero(d);
  for (std::size_t i = 0; i < length; i += N) {
    const auto r0 = hn::Load(d, x0 + i);
    const auto r1 = hn::Load(d, x1 + i);
    const auto r2 = hn::Load(d, x2 + i);
    const auto r3 = hn::Load(d, x3 + i);
    auto q = hn::Load(d, q0 + i);
    c00 = hn::MulAdd(q, r0, c00);
    c01 = hn::MulAdd(q, r1, c01);
    c02 = hn::MulAdd(q, r2, c02);
    c03 = hn::MulAdd(q, r3, c03);
    q = hn::Load(d, q1 + i);
    c10 = hn::MulAdd(q, r0, c10);
    c11 = hn::MulAdd(q, r1, c11);
    c12 = hn::MulAdd(q, r2, c12);
    c13 = hn::MulAdd(q, r3, c13);
    q = hn::Load(d, q2 + i);
    c20 = hn::MulAdd(q, r0, c20);
    c21 = hn::MulAdd(q, r1, c21);
    c22 = hn::MulAdd(q, r2, c22);
    c23 = hn::MulAdd(q, r3, c23);
    q = hn::Load(d, q3 + i);
    c30 = hn::MulAdd(q, r0, c30);
    c31 = hn::MulAdd(q, r1, c31);
    c32 = hn::MulAdd(q, r2, c32);
    c33 = hn::MulAdd(q, r3, c33);
  }
  float* o0 = out;
  float* o1 = o0 + score_stride;
  float* o2 = o1 + score_stride;
  float* o3 = o2 + score_stride;
  o0[0] = hn::GetLane(hn::SumOfLanes(d, c00));
  o0[1] = hn::GetLane(hn::SumOfLanes(d, c01));
  o0[2] = hn::GetLane(hn::SumOfLanes(d, c02));
  o0[3] = hn::GetLane(hn::SumOfLanes(d, c03));
  o1[0] = hn::GetLane(hn::SumOfLanes(d, c10));
  o1[1] = hn::GetLane(hn::SumOfLanes(d, c11));
  o1[2] = hn::GetLane(hn::SumOfLanes(d, c12));
  o1[3] = hn::GetLane(hn::SumOfLanes(d, c13));
  o2[0] = hn::GetLane(hn::SumOfLanes(d, c20));
  o2[1] = hn::GetLane(hn::SumOfLanes(d, c21));
  o2[2] = hn::GetLane(hn::SumOfLanes(d, c22));
  o2[3] = hn::GetLane(hn::SumOfLanes(d, c23));
  o3[0] = hn::GetLane(hn::SumOfLanes(d, c30));
  o3[1] = hn::GetLane(hn::SumOfLanes(d, c31));
  o3[2] = hn::GetLane(hn::SumOfLanes(d, c32));
  o3[3] = hn::GetLane(hn::SumOfLanes(d, c33));
}

void DotTile(const float* HWY_RESTRICT queries, std::size_t query_stride, std::size_t num_queries,
             const float* HWY_RESTRICT rows, std::size_t row_stride, std::size_t num_rows, std::size_t length,
             float* HWY_RESTRICT scores, std::size_t score_stride) {
  const std::size_t full_rows = num_rows / 4 * 4;
  std::size_t q = 0;
  for (; q + 4 <= num_queries; q += 4) {
    const float* qtile = queries + q * query_stride;
    for (std::size_t r = 0; r < full_rows; r += 4) {
      DotTile4x4(qtile, query_stride, rows + r * row_stride, row_stride, length, scores + q * score_stride + r,
                 score_stride);
    }
  }
  // Edges (fewer than 4 queries or rows left): the row kernel, one query at a time.
  for (std::size_t e = q; e < num_queries; ++e) {
    DotRows(rows, row_stride, num_rows, queries + e * query_stride, length, scores + e * score_stride);
  }
  if (full_rows < num_rows) {
    for (std::size_t e = 0; e < q; ++e) {
      DotRows(rows + full_rows * row_stride, row_stride, num_rows - full_rows, queries + e * query_stride, length,
              scores + e * score_stride + full_rows);
    }
  }
}

// out[r] = sum_i query[i] * rows[r][i] in int32 (u8 x s8). VNNI: vpdpbusd does 64 products per
// instruction; other targets widen to int32 (correct, only slower: the caller checks
// similarity_int8_is_fast before choosing the int8 prefilter).
#if HWY_TARGET == HWY_AVX3_DL
// Highway 1.0.3 enables "avxvnni" (VEX) for this target, not "avx512vnni": name it here.
__attribute__((target("avx2,fma,bmi2,avx512f,avx512vl,avx512dq,avx512bw,avx512vnni"))) HWY_NOINLINE void
Int8DotRowsVnni(const std::int8_t* HWY_RESTRICT rows, std::size_t row_stride, std::size_t num_rows,
                const std::uint8_t* HWY_RESTRICT query, std::size_t length, std::int32_t* HWY_RESTRICT out) {
  // One row at a time, four accumulators along it: a single sequential stream runs at the
  // machine's streaming-read speed, while 4 interleaved rows measured 2x slower from DRAM.
  // Integer sums are exact, so the order does not change results.
  for (std::size_t r = 0; r < num_rows; ++r) {
    const std::int8_t* x = rows + r * row_stride;
    __m512i a0 = _mm512_setzero_si512(), a1 = a0, a2 = a0, a3 = a0;
    std::size_t i = 0;
    for (; i + 256 <= length; i += 256) {
      a0 = _mm512_dpbusd_epi32(a0, _mm512_load_si512(query + i), _mm512_load_si512(x + i));
      a1 = _mm512_dpbusd_epi32(a1, _mm512_load_si512(query + i + 64), _mm512_load_si512(x + i + 64));
      a2 = _mm512_dpbusd_epi32(a2, _mm512_load_si512(query + i + 128), _mm512_load_si512(x + i + 128));
      a3 = _mm512_dpbusd_epi32(a3, _mm512_load_si512(query + i + 192), _mm512_load_si512(x + i + 192));
    }
    for (; i < length; i += 64) a0 = _mm512_dpbusd_epi32(a0, _mm512_load_si512(query + i), _mm512_load_si512(x + i));
    out[r] = _mm512_reduce_add_epi32(_mm512_add_epi32(_mm512_add_epi32(a0, a1), _mm512_add_epi32(a2, a3)));
  }
}
#endif

#if HWY_TARGET == HWY_AVX3_DL
__attribute__((target("avx2,fma,bmi2,avx512f,avx512vl,avx512dq,avx512bw,avx512vnni"))) HWY_NOINLINE void
Int8DotTileVnni(const std::uint8_t* HWY_RESTRICT queries, std::size_t query_stride, std::size_t num_queries,
                const std::int8_t* HWY_RESTRICT rows, std::size_t row_stride, std::size_t num_rows,
                std::size_t length, std::int32_t* HWY_RESTRICT out, std::size_t out_stride) {
  const std::size_t full_rows = num_rows / 4 * 4;
  std::size_t q = 0;
  for (; q + 4 <= num_queries; q += 4) {
    const std::uint8_t* q0 = queries + q * query_stride;
    const std::uint8_t* q1 = q0 + query_stride;
    const std::uint8_t* q2 = q1 + query_stride;
    const std::uint8_t* q3 = q2 + query_stride;
    for (std::size_t r = 0; r < full_rows; r += 4) {
      const std::int8_t* x0 = rows + r * row_stride;
      const std::int8_t* x1 = x0 + row_stride;
      const std::int8_t* x2 = x1 + row_stride;
      const std::int8_t* x3 = x2 + row_stride;
      __m512i c[4][4];
      for (auto& line : c) for (auto& v : line) v = _mm512_setzero_si512();
      for (std::size_t i = 0; i < length; i += 64) {
        const __m512i r0 = _mm512_load_si512(x0 + i), r1 = _mm512_load_si512(x1 + i);
        const __m512i r2 = _mm512_load_si512(x2 + i), r3 = _mm512_load_si512(x3 + i);
        const std::uint8_t* qs[4] = {q0, q1, q2, q3};
        for (int a = 0; a < 4; ++a) {
          const __m512i qv = _mm512_load_si512(qs[a] + i);
          c[a][0] = _mm512_dpbusd_epi32(c[a][0], qv, r0);
          c[a][1] = _mm512_dpbusd_epi32(c[a][1], qv, r1);
          c[a][2] = _mm512_dpbusd_epi32(c[a][2], qv, r2);
          c[a][3] = _mm512_dpbusd_epi32(c[a][3], qv, r3);
        }
      }
      for (int a = 0; a < 4; ++a) {
        for (int b = 0; b < 4; ++b) out[(q + a) * out_stride + r + b] = _mm512_reduce_add_epi32(c[a][b]);
      }
    }
    for (std::size_t a = 0; a < 4 && full_rows < num_rows; ++a) {
      Int8DotRowsVnni(rows + full_rows * row_stride, row_stride, num_rows - full_rows, queries + (q + a) * query_stride,
                      length, out + (q + a) * out_stride + full_rows);
    }
  }
  for (; q < num_queries; ++q) {
    Int8DotRowsVnni(rows, row_stride, num_rows, queries + q * query_stride, length, out + q * out_stride);
  }
}
#endif

void Int8DotRows(const std::int8_t* HWY_RESTRICT rows, std::size_t row_stride, std::size_t num_rows,
                 const std::uint8_t* HWY_RESTRICT query, std::size_t length, std::int32_t* HWY_RESTRICT out) {
#if HWY_TARGET == HWY_AVX3_DL
  Int8DotRowsVnni(rows, row_stride, num_rows, query, length, out);
#else
  const hn::ScalableTag<std::int32_t> di;
  const hn::Rebind<std::int8_t, decltype(di)> d8;
  const hn::Rebind<std::uint8_t, decltype(di)> du8;
  const std::size_t N = hn::Lanes(di);
  for (std::size_t r = 0; r < num_rows; ++r) {
    const std::int8_t* x = rows + r * row_stride;
    auto a = hn::Zero(di);
    for (std::size_t i = 0; i < length; i += N) {
      const auto xv = hn::PromoteTo(di, hn::LoadU(d8, x + i));
      const auto qv = hn::BitCast(di, hn::PromoteTo(hn::RebindToUnsigned<decltype(di)>(), hn::LoadU(du8, query + i)));
      a = hn::Add(a, hn::Mul(xv, qv));
    }
    out[r] = hn::GetLane(hn::SumOfLanes(di, a));
  }
#endif
}

void Int8Bounds(const std::int32_t* HWY_RESTRICT dots, const Int8BoundRows& rows, std::size_t n,
                const Int8BoundQuery& query, float* HWY_RESTRICT lower, float* HWY_RESTRICT upper) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const std::size_t N = hn::Lanes(d);
  const auto q_scale = hn::Set(d, query.scale), q_l1 = hn::Set(d, query.l1_term);
  const auto q_err = hn::Set(d, query.error_norm), q_norm = hn::Set(d, query.norm), q_sq = hn::Set(d, query.sq_norm);
  const auto c_approx = hn::Set(d, query.centre_approx), c_norms = hn::Set(d, query.centre_norms);
  const auto s_dot = hn::Set(d, query.slack_dot), s_l2 = hn::Set(d, query.slack_l2), s_sq = hn::Set(d, query.slack_sq);
  const auto margin = hn::Set(d, 1e-5f), tiny = hn::Set(d, 1e-30f);
  const auto offset = hn::Set(di, 128);
  const auto inf = hn::Set(d, std::numeric_limits<float>::infinity());
  // Float32 arithmetic here errs by a few 2^-24 relative; the 1e-5 margin on every magnitude
  // that enters lo/hi keeps them bounds.
  auto one = [&](std::size_t j, auto dv) {
    const auto exact_int = hn::Sub(dv, hn::Mul(offset, hn::LoadU(di, rows.sum + j)));
    const auto sx = hn::LoadU(d, rows.scale + j);
    const auto approx = hn::Mul(hn::Mul(sx, q_scale), hn::ConvertTo(d, exact_int));
    const auto bound_l1 = hn::Mul(q_scale, hn::MulAdd(sx, q_l1, hn::LoadU(d, rows.l1_term + j)));
    const auto bound_l2 = hn::MulAdd(hn::LoadU(d, rows.norm_term + j), q_err, hn::Mul(hn::LoadU(d, rows.error_norm + j), q_norm));
    const auto bound = hn::Min(bound_l1, bound_l2);
    const auto xn = hn::LoadU(d, rows.norm + j);
    const auto sq_sum = hn::Add(hn::LoadU(d, rows.sq_norm + j), q_sq);
    const auto norm_sum = hn::Add(xn, q_norm);
    const auto slack = hn::MulAdd(s_dot, hn::Mul(xn, q_norm), hn::MulAdd(s_l2, hn::Mul(norm_sum, norm_sum), hn::Mul(s_sq, sq_sum)));
    const auto centre = hn::MulAdd(c_approx, approx, hn::Mul(c_norms, sq_sum));
    auto half = hn::MulAdd(c_approx, bound, slack);
    const auto magnitude = hn::Add(hn::Add(hn::Abs(hn::Mul(c_approx, approx)), hn::Abs(hn::Mul(c_norms, sq_sum))), half);
    half = hn::Add(hn::MulAdd(margin, magnitude, half), tiny);
    const auto hi = hn::Add(centre, half);
    hn::StoreU(hn::IfThenElse(hn::Eq(hi, hi), hi, inf), d, upper + j);  // NaN -> +inf: stays a candidate
    hn::StoreU(hn::Sub(centre, half), d, lower + j);
  };
  std::size_t j = 0;
  for (; j + N <= n; j += N) one(j, hn::LoadU(di, dots + j));
  if (j < n) {
    // Tail through small local copies (the row arrays may end at n).
    alignas(64) std::int32_t dtail[hn::MaxLanes(di)] = {};
    alignas(64) float stail[hn::MaxLanes(d)] = {}, l1tail[hn::MaxLanes(d)] = {}, ntail[hn::MaxLanes(d)] = {},
                      etail[hn::MaxLanes(d)] = {}, xtail[hn::MaxLanes(d)] = {}, sqtail[hn::MaxLanes(d)] = {},
                      lo_tail[hn::MaxLanes(d)], hi_tail[hn::MaxLanes(d)];
    alignas(64) std::int32_t sumtail[hn::MaxLanes(di)] = {};
    const std::size_t rest = n - j;
    for (std::size_t t = 0; t < rest; ++t) {
      dtail[t] = dots[j + t];
      stail[t] = rows.scale[j + t];
      sumtail[t] = rows.sum[j + t];
      l1tail[t] = rows.l1_term[j + t];
      ntail[t] = rows.norm_term[j + t];
      etail[t] = rows.error_norm[j + t];
      xtail[t] = rows.norm[j + t];
      sqtail[t] = rows.sq_norm[j + t];
    }
    const Int8BoundRows tail_rows{stail, sumtail, l1tail, ntail, etail, xtail, sqtail};
    Int8Bounds(dtail, tail_rows, N, query, lo_tail, hi_tail);
    for (std::size_t t = 0; t < rest; ++t) {
      lower[j + t] = lo_tail[t];
      upper[j + t] = hi_tail[t];
    }
  }
}

void Int8DotTile(const std::uint8_t* HWY_RESTRICT queries, std::size_t query_stride, std::size_t num_queries,
                 const std::int8_t* HWY_RESTRICT rows, std::size_t row_stride, std::size_t num_rows,
                 std::size_t length, std::int32_t* HWY_RESTRICT out, std::size_t out_stride) {
#if HWY_TARGET == HWY_AVX3_DL
  Int8DotTileVnni(queries, query_stride, num_queries, rows, row_stride, num_rows, length, out, out_stride);
#else
  for (std::size_t q = 0; q < num_queries; ++q) {
    Int8DotRows(rows, row_stride, num_rows, queries + q * query_stride, length, out + q * out_stride);
  }
#endif
}

QuantizedQuery QuantizeQuery(const float* HWY_RESTRICT query, std::size_t length, std::size_t length8,
                             std::uint8_t* HWY_RESTRICT out) {
  const hn::ScalableTag<float> d;
  const hn::RebindToSigned<decltype(d)> di;
  const hn::Rebind<std::uint8_t, decltype(di)> du8;
  const std::size_t N = hn::Lanes(d);
  auto max_abs = hn::Zero(d);
  for (std::size_t i = 0; i < length; i += N) max_abs = hn::Max(max_abs, hn::Abs(hn::Load(d, query + i)));
  const float q_max = hn::GetLane(hn::MaxOfLanes(d, max_abs));
  const float scale = q_max / 127.0f;
  const float inverse = q_max > 0.0f ? 127.0f / q_max : 0.0f;
  const auto vscale = hn::Set(d, scale), vinverse = hn::Set(d, inverse);
  const auto lo = hn::Set(di, -127), hi = hn::Set(di, 127), offset = hn::Set(di, 128);
  auto abs_sum = hn::Zero(di);
  auto error_sq = hn::Zero(d);
  for (std::size_t i = 0; i < length; i += N) {
    const auto q = hn::Load(d, query + i);
    const auto qi = hn::Min(hn::Max(hn::NearestInt(hn::Mul(q, vinverse)), lo), hi);
    const auto error = hn::NegMulAdd(vscale, hn::ConvertTo(d, qi), q);  // q - scale * qi, one rounding
    error_sq = hn::MulAdd(error, error, error_sq);
    abs_sum = hn::Add(abs_sum, hn::Abs(qi));
    hn::StoreU(hn::DemoteTo(du8, hn::Add(qi, offset)), du8, out + i);
  }
  for (std::size_t i = length; i < length8; ++i) out[i] = 128;
  return {scale, static_cast<std::int64_t>(hn::GetLane(hn::SumOfLanes(di, abs_sum))),
          std::sqrt(static_cast<double>(hn::GetLane(hn::SumOfLanes(d, error_sq))))};
}

bool Int8IsFast() { return HWY_TARGET == HWY_AVX3_DL; }

double StreamSum(const float* HWY_RESTRICT data, std::size_t count) {
  const hn::ScalableTag<float> d;
  const std::size_t N = hn::Lanes(d);
  auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
  std::size_t i = 0;
  for (; i + 4 * N <= count; i += 4 * N) {
    a0 = hn::Add(a0, hn::LoadU(d, data + i));
    a1 = hn::Add(a1, hn::LoadU(d, data + i + N));
    a2 = hn::Add(a2, hn::LoadU(d, data + i + 2 * N));
    a3 = hn::Add(a3, hn::LoadU(d, data + i + 3 * N));
  }
  for (; i < count; i += N) a0 = hn::Add(a0, hn::LoadU(d, data + i));
  return hn::GetLane(hn::SumOfLanes(d, hn::Add(hn::Add(a0, a1), hn::Add(a2, a3))));
}

}  // namespace HWY_NAMESPACE
}  // namespace fuseflow::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::kernels {

HWY_EXPORT(DotRows);
HWY_EXPORT(L2Rows);
HWY_EXPORT(DotTile);
HWY_EXPORT(StreamSum);
HWY_EXPORT(DotRowsAt);
HWY_EXPORT(L2RowsAt);

void similarity_dot_rows_at(const float* rows, std::size_t row_stride, const std::uint32_t* which, std::size_t count,
                            const float* query, std::size_t length, float* scores) {
  HWY_DYNAMIC_DISPATCH(DotRowsAt)(rows, row_stride, which, count, query, length, scores);
}

void similarity_l2_rows_at(const float* rows, std::size_t row_stride, const std::uint32_t* which, std::size_t count,
                           const float* query, std::size_t length, float* scores) {
  HWY_DYNAMIC_DISPATCH(L2RowsAt)(rows, row_stride, which, count, query, length, scores);
}
HWY_EXPORT(Int8DotRows);
HWY_EXPORT(Int8IsFast);
HWY_EXPORT(Int8Bounds);
HWY_EXPORT(QuantizeQuery);
HWY_EXPORT(Int8DotTile);

void similarity_int8_dot_tile(const std::uint8_t* queries, std::size_t query_stride, std::size_t num_queries,
                              const std::int8_t* rows, std::size_t row_stride, std::size_t num_rows,
                              std::size_t length, std::int32_t* out, std::size_t out_stride) {
  HWY_DYNAMIC_DISPATCH(Int8DotTile)(queries, query_stride, num_queries, rows, row_stride, num_rows, length, out,
                                    out_stride);
}

QuantizedQuery similarity_quantize_query(const float* query, std::size_t length, std::size_t length8,
                                         std::uint8_t* out) {
  return HWY_DYNAMIC_DISPATCH(QuantizeQuery)(query, length, length8, out);
}

void similarity_int8_bounds(const std::int32_t* dots, const Int8BoundRows& rows, std::size_t n,
                            const Int8BoundQuery& query, float* lower, float* upper) {
  HWY_DYNAMIC_DISPATCH(Int8Bounds)(dots, rows, n, query, lower, upper);
}

void similarity_int8_dot_rows(const std::int8_t* rows, std::size_t row_stride, std::size_t num_rows,
                              const std::uint8_t* query, std::size_t length, std::int32_t* out) {
  HWY_DYNAMIC_DISPATCH(Int8DotRows)(rows, row_stride, num_rows, query, length, out);
}

bool similarity_int8_is_fast() { return HWY_DYNAMIC_DISPATCH(Int8IsFast)(); }

void similarity_dot_rows(const float* rows, std::size_t row_stride, std::size_t num_rows, const float* query,
                         std::size_t length, float* scores) {
  HWY_DYNAMIC_DISPATCH(DotRows)(rows, row_stride, num_rows, query, length, scores);
}

void similarity_l2_rows(const float* rows, std::size_t row_stride, std::size_t num_rows, const float* query,
                        std::size_t length, float* scores) {
  HWY_DYNAMIC_DISPATCH(L2Rows)(rows, row_stride, num_rows, query, length, scores);
}

void similarity_dot_tile(const float* queries, std::size_t query_stride, std::size_t num_queries, const float* rows,
                         std::size_t row_stride, std::size_t num_rows, std::size_t length, float* scores,
                         std::size_t score_stride) {
  HWY_DYNAMIC_DISPATCH(DotTile)(queries, query_stride, num_queries, rows, row_stride, num_rows, length, scores,
                                score_stride);
}

double similarity_stream_sum(const float* data, std::size_t count) {
  return HWY_DYNAMIC_DISPATCH(StreamSum)(data, count);
}

double similarity_stream_sum_parallel(const float* data, std::size_t count) {
  constexpr std::size_t kChunk = std::size_t{1} << 16;  // floats, a multiple of every vector width
  const auto chunks = static_cast<std::int64_t>(count / kChunk);
  double total = 0.0;
#pragma omp parallel for reduction(+ : total) schedule(static) num_threads(num_threads())
  for (std::int64_t c = 0; c < chunks; ++c) total += similarity_stream_sum(data + c * kChunk, kChunk);
  for (std::size_t i = static_cast<std::size_t>(chunks) * kChunk; i < count; ++i) total += data[i];
  return total;
}

}  // namespace fuseflow::kernels
#endif  // HWY_ONCE
