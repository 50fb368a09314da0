// SIMD similarity kernels for the embedding index (Highway dynamic dispatch).
// Every row and query is `length` floats, 64-byte aligned, with `length` a multiple of
// kSimilarityLengthMultiple (rows are zero-padded), so the kernels never handle a tail.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fuseflow::kernels {

inline constexpr std::size_t kSimilarityLengthMultiple = 16;

// scores[r] = dot(rows[r], query) for r < num_rows; row r starts at rows + r * row_stride.
void similarity_dot_rows(const float* rows, std::size_t row_stride, std::size_t num_rows, const float* query,
                         std::size_t length, float* scores);

// scores[r] = squared L2 distance |rows[r] - query|^2, computed from the differences (no expansion).
void similarity_l2_rows(const float* rows, std::size_t row_stride, std::size_t num_rows, const float* query,
                        std::size_t length, float* scores);

// The same scores for selected rows only: scores[j] for row which[j]. Four rows run at once
// (four independent accumulator chains), each with exactly the arithmetic of the functions above.
void similarity_dot_rows_at(const float* rows, std::size_t row_stride, const std::uint32_t* which, std::size_t count,
                            const float* query, std::size_t length, float* scores);
void similarity_l2_rows_at(const float* rows, std::size_t row_stride, const std::uint32_t* which, std::size_t count,
                           const float* query, std::size_t length, float* scores);

// Blocked "Q * X^T": scores[q * score_stride + r] = dot(queries[q], rows[r]) for q < num_queries,
// r < num_rows. A 4x4 register-tile micro-kernel; callers keep `rows` small enough for L2.
void similarity_dot_tile(const float* queries, std::size_t query_stride, std::size_t num_queries, const float* rows,
                         std::size_t row_stride, std::size_t num_rows, std::size_t length, float* scores,
                         std::size_t score_stride);

// int8 rows (length a multiple of kInt8LengthMultiple, 64-byte aligned, zero padded):
// out[r] = sum_i query[i] * rows[r][i], exact in int32 while 255 * 127 * length < 2^31.
inline constexpr std::size_t kInt8LengthMultiple = 64;
void similarity_int8_dot_rows(const std::int8_t* rows, std::size_t row_stride, std::size_t num_rows,
                              const std::uint8_t* query, std::size_t length, std::int32_t* out);

// Per-query constants of the int8 prefilter interval (see EmbeddingIndex::search_single_prefiltered).
struct Int8BoundQuery {
  float scale;          // query int8 scale sq
  float l1_term;        // h * (|qi|_1 + h * dim)
  float error_norm;     // |q - sq * qi|_2, rounded up
  float norm;           // |q|_2, rounded up
  float sq_norm;        // |q|^2
  float centre_approx;  // score centre = centre_approx * approx + centre_norms * (|x|^2 + |q|^2)
  float centre_norms;
  float slack_dot;      // float32 rounding of the exact kernel: slack_dot |x||q| + slack_l2 (|x|+|q|)^2
  float slack_l2;       //   + slack_sq (|x|^2 + |q|^2)
  float slack_sq;
};

// Per-row constants of the int8 copy (structure of arrays, all n long).
struct Int8BoundRows {
  const float* scale;        // sx
  const std::int32_t* sum;   // sum of the int8 values (undoes the +128 query offset)
  const float* l1_term;      // sx * h * |xi|_1
  const float* norm_term;    // sx * |xi|_2
  const float* error_norm;   // |x - sx * xi|_2
  const float* norm;         // |x|_2
  const float* sq_norm;      // |x|^2
};

// lower[j], upper[j]: an interval holding row j's float32 score from its int8 dot dots[j]
// (rounded outward with a 1e-5 relative margin; NaN upper becomes +inf).
void similarity_int8_bounds(const std::int32_t* dots, const Int8BoundRows& rows, std::size_t n,
                            const Int8BoundQuery& query, float* lower, float* upper);

// Quantises a zero-padded query (length floats, a multiple of 16) for the int8 kernel:
// out[i] = clamp(round(q[i] / scale), -127, 127) + 128 for i < length, 128 up to length8;
// scale = max|q| / 127 (returned). Also returns sum |int8| and |q - scale * int8|_2 (the latter
// computed with one rounding per value; callers add a relative margin).
struct QuantizedQuery {
  float scale;
  std::int64_t abs_sum;
  double error_norm;
};
QuantizedQuery similarity_quantize_query(const float* query, std::size_t length, std::size_t length8,
                                         std::uint8_t* out);

// int8 "Q * X^T": out[q * out_stride + r] = sum_i queries[q][i] * rows[r][i] (u8 x s8, int32),
// 4 queries x 4 rows per register tile on VNNI.
void similarity_int8_dot_tile(const std::uint8_t* queries, std::size_t query_stride, std::size_t num_queries,
                              const std::int8_t* rows, std::size_t row_stride, std::size_t num_rows,
                              std::size_t length, std::int32_t* out, std::size_t out_stride);

// Whether the int8 kernel runs on a native int8 dot-product instruction (AVX-512 VNNI) here.
bool similarity_int8_is_fast();

// Sum of `count` floats (any alignment): a pure streaming read used to
// measure the machine's read bandwidth, the bound for a single-query scan.
double similarity_stream_sum(const float* data, std::size_t count);
// The same over all threads (fuseflow::num_threads()), in fixed 256 KB chunks.
double similarity_stream_sum_parallel(const float* data, std::size_t count);

}  // namespace fuseflow::kernels
