// Highway kernels behind include/fuseflow/kernels/similarity.h, compiled once per CPU target
// (foreach_target) and chosen at run time (HWY_DYNAMIC_DISPATCH).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/similarity_kernels.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "fuseflow/kernels/similarity.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

// Four rows share each query load; two accumulators per row hide the FMA latency.
void DotRows(const float* HWY_RESTRICT rows, std::size_t row_stride, std::size_t num_rows,
             const float* HWY_RESTRICT query, std::size_t length, float* HWY_RESTRICT scores) {
  const hn::ScalableTag<float> d;
  const std::size_t N = hn::Lanes(d);
  std::size_t r = 0;
  for (; r + 4 <= num_rows; r += 4) {
    const float* x0 = rows + r * row_stride;
    const float* x1 = x0 + row_stride;
    const float* x2 = x1 + row_stride;
    const float* x3 = x2 + row_stride;
    auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
    auto b0 = hn::Zero(d), b1 = hn::Zero(d), b2 = hn::Zero(d), b3 = hn::Zero(d);
    std::size_t i = 0;
    for (; i + 2 * N <= length; i += 2 * N) {
      const auto q0 = hn::Load(d, query + i);
      const auto q1 = hn::Load(d, query + i + N);
      a0 = hn::MulAdd(hn::Load(d, x0 + i), q0, a0);
      a1 = hn::MulAdd(hn::Load(d, x1 + i), q0, a1);
      a2 = hn::MulAdd(hn::Load(d, x2 + i), q0, a2);
      a3 = hn::MulAdd(hn::Load(d, x3 + i), q0, a3);
      b0 = hn::MulAdd(hn::Load(d, x0 + i + N), q1, b0);
      b1 = hn::MulAdd(hn::Load(d, x1 + i + N), q1, b1);
      b2 = hn::MulAdd(hn::Load(d, x2 + i + N), q1, b2);
      b3 = hn::MulAdd(hn::Load(d, x3 + i + N), q1, b3);
    }
    for (; i < length; i += N) {
      const auto q0 = hn::Load(d, query + i);
      a0 = hn::MulAdd(hn::Load(d, x0 + i), q0, a0);
      a1 = hn::MulAdd(hn::Load(d, x1 + i), q0, a1);
      a2 = hn::MulAdd(hn::Load(d, x2 + i), q0, a2);
      a3 = hn::MulAdd(hn::Load(d, x3 + i), q0, a3);
    }
    scores[r + 0] = hn::GetLane(hn::SumOfLanes(d, hn::Add(a0, b0)));
    scores[r + 1] = hn::GetLane(hn::SumOfLanes(d, hn::Add(a1, b1)));
    scores[r + 2] = hn::GetLane(hn::SumOfLanes(d, hn::Add(a2, b2)));
    scores[r + 3] = hn::GetLane(hn::SumOfLanes(d, hn::Add(a3, b3)));
  }
  for (; r < num_rows; ++r) {
    const float* x = rows + r * row_stride;
    auto a = hn::Zero(d);
    for (std::size_t i = 0; i < length; i += N) a = hn::MulAdd(hn::Load(d, x + i), hn::Load(d, query + i), a);
    scores[r] = hn::GetLane(hn::SumOfLanes(d, a));
  }
}

void L2Rows(const float* HWY_RESTRICT rows, std::size_t row_stride, std::size_t num_rows,
            const float* HWY_RESTRICT query, std::size_t length, float* HWY_RESTRICT scores) {
  const hn::ScalableTag<float> d;
  const std::size_t N = hn::Lanes(d);
  std::size_t r = 0;
  for (; r + 4 <= num_rows; r += 4) {
    const float* x0 = rows + r * row_stride;
    const float* x1 = x0 + row_stride;
    const float* x2 = x1 + row_stride;
    const float* x3 = x2 + row_stride;
    auto a0 = hn::Zero(d), a1 = hn::Zero(d), a2 = hn::Zero(d), a3 = hn::Zero(d);
    for (std::size_t i = 0; i < length; i += N) {
      const auto q = hn::Load(d, query + i);
      const auto d0 = hn::Sub(hn::Load(d, x0 + i), q);
      const auto d1 = hn::Sub(hn::Load(d, x1 + i), q);
      const auto d2 = hn::Sub(hn::Load(d, x2 + i), q);
      const auto d3 = hn::Sub(hn::Load(d, x3 + i), q);
      a0 = hn::MulAdd(d0, d0, a0);
      a1 = hn::MulAdd(d1, d1, a1);
      a2 = hn::MulAdd(d2, d2, a2);
      a3 = hn::MulAdd(d3, d3, a3);
    }
    scores[r + 0] = hn::GetLane(hn::SumOfLanes(d, a0));
    scores[r + 1] = hn::GetLane(hn::SumOfLanes(d, a1));
    scores[r + 2] = hn::GetLane(hn::SumOfLanes(d, a2));
    scores[r + 3] = hn::GetLane(hn::SumOfLanes(d, a3));
  }
  for (; r < num_rows; ++r) {
    const float* x = rows + r * row_stride;
    auto a = hn::Zero(d);
    for (std::size_t i = 0; i < length; i += N) {
      const auto diff = hn::Sub(hn::Load(d, x + i), hn::Load(d, query + i));
      a = hn::MulAdd(diff, diff, a);
    }
    scores[r] = hn::GetLane(hn::SumOfLanes(d, a));
  }
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

}  // namespace fuseflow::kernels
#endif  // HWY_ONCE
