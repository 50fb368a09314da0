#include "fuseflow/index/embedding_index.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <fstream>
#include <random>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/kernels/similarity.h"
#include "fuseflow/kernels/topk_select.h"
#include "temp_path.h"

namespace fuseflow {
namespace {

std::vector<float> random_matrix(std::int64_t rows, std::int64_t cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist;
  std::vector<float> m(static_cast<std::size_t>(rows * cols));
  for (float& v : m) v = dist(gen);
  return m;
}

MatrixView view(const std::vector<float>& m, std::int64_t rows, std::int64_t cols) {
  return MatrixView{m.data(), false, rows, cols, cols, 1};
}

// Serial reference: scores in double, ranked by (score desc, id asc); l2 ranked ascending.
std::vector<std::pair<double, std::int64_t>> brute_force(const std::vector<float>& db, std::int64_t n,
                                                         std::int64_t dim, const float* q, Metric metric,
                                                         std::int64_t k) {
  std::vector<std::pair<double, std::int64_t>> all;
  double qn = 0;
  for (std::int64_t c = 0; c < dim; ++c) qn += double(q[c]) * q[c];
  for (std::int64_t r = 0; r < n; ++r) {
    double dot = 0, xn = 0, l2 = 0;
    for (std::int64_t c = 0; c < dim; ++c) {
      const double x = db[r * dim + c];
      dot += x * q[c];
      xn += x * x;
      l2 += (x - q[c]) * (x - q[c]);
    }
    double s = metric == Metric::kDot ? dot : metric == Metric::kCosine ? dot / std::sqrt(xn * qn) : -l2;
    all.emplace_back(s, r);
  }
  std::sort(all.begin(), all.end(), [](auto a, auto b) { return a.first > b.first || (a.first == b.first && a.second < b.second); });
  all.resize(static_cast<std::size_t>(std::min<std::int64_t>(k, n)));
  if (metric == Metric::kL2) for (auto& e : all) e.first = -e.first;
  return all;
}

TEST(IndexKernels, DotAndL2RowsMatchSerialLoop) {
  const std::size_t dim = 48, n = 37;
  auto db = random_matrix(n, dim, 1);
  auto q = random_matrix(1, dim, 2);
  Buffer<float> rows(n * dim), query(dim), dots(n), l2(n);
  std::copy(db.begin(), db.end(), rows.begin());
  std::copy(q.begin(), q.end(), query.begin());
  kernels::similarity_dot_rows(rows.data(), dim, n, query.data(), dim, dots.data());
  kernels::similarity_l2_rows(rows.data(), dim, n, query.data(), dim, l2.data());
  for (std::size_t r = 0; r < n; ++r) {
    double dot = 0, dist = 0;
    for (std::size_t c = 0; c < dim; ++c) {
      dot += double(db[r * dim + c]) * q[c];
      dist += (double(db[r * dim + c]) - q[c]) * (double(db[r * dim + c]) - q[c]);
    }
    EXPECT_NEAR(dots[r], dot, 1e-4) << r;
    EXPECT_NEAR(l2[r], dist, 1e-3) << r;
  }
}

TEST(IndexKernels, DotTileMatchesRowKernelOnRaggedShapes) {
  const std::size_t dim = 64;
  for (std::size_t nq : {1u, 3u, 4u, 7u, 9u}) {
    for (std::size_t nr : {1u, 4u, 6u, 13u}) {
      auto qs = random_matrix(nq, dim, 3), xs = random_matrix(nr, dim, 4);
      Buffer<float> Q(nq * dim), X(nr * dim), tile(nq * 16), ref(nr);
      std::copy(qs.begin(), qs.end(), Q.begin());
      std::copy(xs.begin(), xs.end(), X.begin());
      kernels::similarity_dot_tile(Q.data(), dim, nq, X.data(), dim, nr, dim, tile.data(), 16);
      for (std::size_t q = 0; q < nq; ++q) {
        kernels::similarity_dot_rows(X.data(), dim, nr, Q.data() + q * dim, dim, ref.data());
        for (std::size_t r = 0; r < nr; ++r) EXPECT_NEAR(tile[q * 16 + r], ref[r], 1e-4) << nq << "x" << nr;
      }
    }
  }
}

TEST(IndexKernels, Int8DotIsExactAndQueryQuantisationMatchesDefinition) {
  const std::size_t length = 128, n = 7;
  std::mt19937 gen(11);
  std::uniform_int_distribution<int> s8(-127, 127), u8(0, 255);
  Buffer<std::int8_t> rows(n * length);
  Buffer<std::uint8_t> query(length);
  for (auto& v : rows) v = static_cast<std::int8_t>(s8(gen));
  for (auto& v : query) v = static_cast<std::uint8_t>(u8(gen));
  std::int32_t out[n];
  kernels::similarity_int8_dot_rows(rows.data(), length, n, query.data(), length, out);
  for (std::size_t r = 0; r < n; ++r) {
    std::int32_t expect = 0;
    for (std::size_t i = 0; i < length; ++i) expect += std::int32_t{query[i]} * rows[r * length + i];
    EXPECT_EQ(out[r], expect) << r;
  }
  auto q = random_matrix(1, 48, 12);
  Buffer<float> padded(48);
  std::copy(q.begin(), q.end(), padded.begin());
  Buffer<std::uint8_t> q8(64);
  const auto quantized = kernels::similarity_quantize_query(padded.data(), 48, 64, q8.data());
  float max_abs = 0;
  for (float v : q) max_abs = std::max(max_abs, std::abs(v));
  EXPECT_FLOAT_EQ(quantized.scale, max_abs / 127.0f);
  double error_sq = 0;
  std::int64_t abs_sum = 0;
  for (std::size_t i = 0; i < 64; ++i) {
    const int v = int(q8[i]) - 128;
    ASSERT_LE(std::abs(v), 127);
    if (i >= 48) {
      EXPECT_EQ(v, 0);
      continue;
    }
    const double e = double(q[i]) - double(quantized.scale) * v;
    EXPECT_LE(std::abs(e), 0.5001 * quantized.scale) << i;  // round to nearest
    error_sq += e * e;
    abs_sum += std::abs(v);
  }
  EXPECT_EQ(quantized.abs_sum, abs_sum);
  EXPECT_NEAR(quantized.error_norm, std::sqrt(error_sq), 1e-4 * std::sqrt(error_sq) + 1e-12);
}

TEST(IndexKernels, TopKHeapKeepsBestWithIdTieBreak) {
  kernels::TopKHeap heap(3);
  const float scores[] = {1.0f, 5.0f, 5.0f, 2.0f, 5.0f, -1.0f};
  const std::int64_t ids[] = {10, 42, 7, 3, 9, 0};
  kernels::topk_push_block(heap, scores, 6, ids, nullptr);
  auto best = heap.take_sorted();
  ASSERT_EQ(best.size(), 3u);
  EXPECT_EQ(best[0].id, 7);
  EXPECT_EQ(best[1].id, 9);
  EXPECT_EQ(best[2].id, 42);
}

TEST(IndexKernels, FilterFindsExactlyTheScoresAtOrAboveThreshold) {
  auto s = random_matrix(1, 300, 5);
  std::vector<std::uint32_t> pos(316);
  const std::size_t found = kernels::topk_filter_at_least(s.data(), 300, 0.5f, pos.data());
  std::vector<std::uint32_t> expect;
  for (std::uint32_t i = 0; i < 300; ++i) if (s[i] >= 0.5f) expect.push_back(i);
  ASSERT_EQ(found, expect.size());
  for (std::size_t i = 0; i < found; ++i) EXPECT_EQ(pos[i], expect[i]);
}

class IndexSearch : public ::testing::TestWithParam<Metric> {};

TEST_P(IndexSearch, SingleAndBatchMatchBruteForceAfterRemove) {
  const Metric metric = GetParam();
  const std::int64_t dim = 37, n = 500, nq = 11, k = 7;
  auto db = random_matrix(n, dim, 6), qs = random_matrix(nq, dim, 7);
  EmbeddingIndex index(dim, metric);
  index.add(view(db, n, dim), {});
  std::vector<std::int64_t> gone = {0, 5, 77, 499};
  index.remove(gone);
  EXPECT_EQ(index.size(), n - 4);
  for (std::int64_t batch : {std::int64_t{1}, nq}) {
    SearchResult res = index.search(view(qs, batch, dim), k);
    ASSERT_EQ(res.k, k);
    for (std::int64_t q = 0; q < batch; ++q) {
      auto ref = brute_force(db, n, dim, qs.data() + q * dim, metric, n);
      ref.erase(std::remove_if(ref.begin(), ref.end(), [&](auto e) { return std::count(gone.begin(), gone.end(), e.second) > 0; }), ref.end());
      for (std::int64_t i = 0; i < k; ++i) {
        EXPECT_EQ(res.ids[q * k + i], ref[i].second) << "batch " << batch << " query " << q << " rank " << i;
        EXPECT_NEAR(res.scores[q * k + i], ref[i].first, 1e-4 * (1 + std::abs(ref[i].first)));
      }
    }
  }
}

TEST_P(IndexSearch, Int8PrefilterReturnsExactlyTheFullScan) {
  const Metric metric = GetParam();
  const std::int64_t dim = 96, n = 2000, nq = 9, k = 12;
  auto db = random_matrix(n, dim, 13), qs = random_matrix(nq, dim, 14);
  EmbeddingIndex index(dim, metric);
  index.add(view(db, n, dim), {});
  std::vector<std::int64_t> gone;
  for (std::int64_t id = 3; id < n; id += 11) gone.push_back(id);
  index.remove(gone);
  if (!index.prefilter_active(k)) GTEST_SKIP() << "no native int8 dot product here";
  for (std::int64_t batch : {std::int64_t{1}, nq}) {
    index.set_prefilter(true);
    SearchResult fast = index.search(view(qs, batch, dim), k);
    index.set_prefilter(false);
    index.set_batch_min_queries(1000);  // the plain float32 single-query scan as reference
    for (std::int64_t q = 0; q < batch; ++q) {
      SearchResult full = index.search(MatrixView{qs.data() + q * dim, false, 1, dim, dim, 1}, k);
      for (std::int64_t i = 0; i < k; ++i) {
        ASSERT_EQ(fast.ids[q * k + i], full.ids[i]) << "batch " << batch << " query " << q << " rank " << i;
        ASSERT_EQ(fast.scores[q * k + i], full.scores[i]);
      }
    }
    index.set_batch_min_queries(0);
  }
}

INSTANTIATE_TEST_SUITE_P(Metrics, IndexSearch, ::testing::Values(Metric::kCosine, Metric::kDot, Metric::kL2));

TEST(IndexFile, RoundTripAndCorruptionIsValueError) {
  const std::int64_t dim = 20, n = 30;
  auto db = random_matrix(n, dim, 8);
  EmbeddingIndex index(dim, Metric::kDot);
  index.add(view(db, n, dim), {});
  const std::string path = testing::temp_path("index.ffidx");
  index.save(path);
  for (bool mapped : {false, true}) {
    EmbeddingIndex back = EmbeddingIndex::load(path, mapped);
    EXPECT_EQ(back.is_mapped(), mapped);
    EXPECT_EQ(back.size(), n);
    auto v = back.vectors();
    for (std::size_t i = 0; i < db.size(); ++i) ASSERT_EQ(v[i], db[i]);
  }
  // Flip one payload byte: the checksum must catch it.
  {
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(100);
    char c = 0;
    f.read(&c, 1);
    f.seekp(100);
    c ^= 0x10;
    f.write(&c, 1);
  }
  try {
    (void)EmbeddingIndex::load(path, false);
    FAIL() << "corrupted file loaded";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    EXPECT_NE(std::string(e.what()).find("checksum"), std::string::npos);
  }
  std::remove(path.c_str());
}

}  // namespace
}  // namespace fuseflow
