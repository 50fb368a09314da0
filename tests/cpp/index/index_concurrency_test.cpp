// One EmbeddingIndex shared by 8 threads: searches (shared lock) concurrent with add/remove
// (exclusive). Runs under scripts/tsan.sh (suite name contains "Concurrency").
#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/index/embedding_index.h"

namespace fuseflow {
namespace {

constexpr std::int64_t kDim = 16;
constexpr std::int64_t kStable = 600;

// Row of the stable set: a fixed pseudo-random vector per id, entries in [-1, 1).
void stable_row(std::int64_t id, float* out) {
  std::mt19937 gen(static_cast<unsigned>(id) + 17u);
  std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
  for (std::int64_t c = 0; c < kDim; ++c) out[c] = dist(gen);
}

// Churn rows of thread t sit around 1000 * (t + 1) in every coordinate: never near a stable
// query and never near another thread's rows.
void churn_row(int t, std::int64_t i, float* out) {
  for (std::int64_t c = 0; c < kDim; ++c) out[c] = 1000.0f * static_cast<float>(t + 1) + 0.01f * static_cast<float>((i * 7 + c) % 13);
}

// Serial l2 reference over the stable set: the k best (distance, id), ties to the smaller id.
std::vector<std::pair<double, std::int64_t>> reference(const std::vector<float>& stable, const float* q, std::int64_t k) {
  std::vector<std::pair<double, std::int64_t>> all;
  for (std::int64_t r = 0; r < kStable; ++r) {
    double d = 0;
    for (std::int64_t c = 0; c < kDim; ++c) {
      const double diff = static_cast<double>(stable[r * kDim + c]) - q[c];
      d += diff * diff;
    }
    all.emplace_back(d, r);
  }
  std::sort(all.begin(), all.end());
  all.resize(static_cast<std::size_t>(k));
  return all;
}

TEST(EmbeddingIndexConcurrency, SearchesRunWhileOtherThreadsAddAndRemove) {
  std::vector<float> stable(static_cast<std::size_t>(kStable * kDim));
  for (std::int64_t r = 0; r < kStable; ++r) stable_row(r, stable.data() + r * kDim);
  EmbeddingIndex index(kDim, Metric::kL2);
  index.set_prefilter(false);  // the float32 paths everywhere (the int8 ones need VNNI)
  std::vector<std::int64_t> stable_ids(kStable);
  for (std::int64_t i = 0; i < kStable; ++i) stable_ids[static_cast<std::size_t>(i)] = i;
  index.add(MatrixView{stable.data(), false, kStable, kDim, kDim, 1}, stable_ids);

  constexpr int kThreads = 8;
  constexpr int kRounds = 30;
  std::atomic<int> failures{0};
  std::vector<std::string> messages(kThreads);
  auto fail = [&](int t, const std::string& what) {
    if (failures.fetch_add(1) < 100) messages[static_cast<std::size_t>(t)] += what + "\n";
  };

  auto searcher = [&](int t) {
    std::mt19937 gen(static_cast<unsigned>(t));
    std::uniform_real_distribution<float> dist(-1.0f, 1.0f);
    for (int round = 0; round < kRounds; ++round) {
      const std::int64_t nq = round % 2 == 0 ? 1 : 8;  // single queries and batch tiles
      const std::int64_t k = 5;
      std::vector<float> queries(static_cast<std::size_t>(nq * kDim));
      for (float& v : queries) v = dist(gen);
      const SearchResult result = index.search(MatrixView{queries.data(), false, nq, kDim, kDim, 1}, k);
      for (std::int64_t q = 0; q < nq; ++q) {
        const auto expected = reference(stable, queries.data() + q * kDim, k);
        for (std::int64_t j = 0; j < k; ++j) {
          const auto got_id = result.ids[static_cast<std::size_t>(q * k + j)];
          const double got = result.scores[static_cast<std::size_t>(q * k + j)];
          const double want = expected[static_cast<std::size_t>(j)].first;
          if (got_id != expected[static_cast<std::size_t>(j)].second || std::abs(got - want) > 1e-5 * (1 + want)) {
            fail(t, "search: rank " + std::to_string(j) + " got id " + std::to_string(got_id));
          }
        }
      }
      if (index.size() < kStable) fail(t, "size below the stable set");
    }
  };

  auto churner = [&](int t) {
    for (int round = 0; round < kRounds; ++round) {
      const std::int64_t n = 20;
      std::vector<float> rows(static_cast<std::size_t>(n * kDim));
      std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
      for (std::int64_t i = 0; i < n; ++i) {
        churn_row(t, i, rows.data() + i * kDim);
        ids[static_cast<std::size_t>(i)] = 1000000 * (t + 1) + round * 100 + i;
      }
      index.add(MatrixView{rows.data(), false, n, kDim, kDim, 1}, ids);
      // Its own rows are present: each is its own nearest neighbour (distance 0).
      const SearchResult own = index.search(MatrixView{rows.data(), false, 4, kDim, kDim, 1}, 1);
      for (std::int64_t q = 0; q < 4; ++q) {
        // Rows i and i + 13 are equal by construction; the smaller id ranks first.
        if (own.ids[static_cast<std::size_t>(q)] != ids[static_cast<std::size_t>(q)] || own.scores[static_cast<std::size_t>(q)] != 0.0f) {
          fail(t, "own row " + std::to_string(q) + " not found");
        }
      }
      const Buffer<std::int64_t> live = index.ids();
      if (static_cast<std::int64_t>(live.size()) < kStable + n) fail(t, "ids() misses rows");
      index.remove(ids);
    }
  };

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    if (t % 2 == 0) {
      threads.emplace_back(searcher, t);
    } else {
      threads.emplace_back(churner, t);
    }
  }
  for (auto& th : threads) th.join();
  std::string all;
  for (const auto& m : messages) all += m;
  EXPECT_EQ(failures.load(), 0) << all;
  EXPECT_EQ(index.size(), kStable);
}

}  // namespace
}  // namespace fuseflow
