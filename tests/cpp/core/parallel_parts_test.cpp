// for_each_part and the counting sort built on it when OpenMP gives a smaller team than asked.
// A region nested in an active one gets a team of one thread (max-active-levels 1), which is
// what OMP_THREAD_LIMIT, OMP_DYNAMIC=true under load or a caller's own parallel region give the
// library; code that gave "thread k" part k skipped every part but the first.
#include <gtest/gtest.h>

#include <omp.h>

#include <cstdint>
#include <random>
#include <vector>

#include "fuseflow/core/buffer.h"
#include "fuseflow/core/parallel_parts.h"
#include "graph/counting_sort.h"

namespace fuseflow {
namespace {

// Runs f on one thread of an active two-thread team, so every region f opens gets one thread.
template <class F>
void in_a_team_of_one(F&& f) {
  const int levels = omp_get_max_active_levels();
  const int dynamic = omp_get_dynamic();
  omp_set_dynamic(0);
  omp_set_max_active_levels(1);
  int outer = 0;
#pragma omp parallel num_threads(2)
  {
#pragma omp single
    {
      outer = omp_get_num_threads();
      f();
    }
  }
  omp_set_max_active_levels(levels);
  omp_set_dynamic(dynamic);
  ASSERT_EQ(outer, 2) << "the outer team must be active for the nested one to shrink";
}

TEST(ParallelParts, EveryPartRunsOnceWhateverTheTeam) {
  for (const bool small : {false, true}) {
    for (const int parts : {1, 2, 3, 7}) {
      std::vector<int> runs(static_cast<std::size_t>(parts), 0);
      int largest_team = 0;
      auto body = [&] {
        for_each_part(parts, [&](int k) {
#pragma omp atomic
          ++runs[static_cast<std::size_t>(k)];
#pragma omp critical(parallel_parts_test)
          largest_team = std::max(largest_team, omp_get_num_threads());
        });
      };
      if (small) {
        in_a_team_of_one(body);
        EXPECT_EQ(largest_team, 1) << "the nested region was meant to get one thread";
      } else {
        body();
      }
      for (int k = 0; k < parts; ++k) EXPECT_EQ(runs[static_cast<std::size_t>(k)], 1) << "part " << k << " of " << parts;
    }
  }
}

// The counting sort asked for 4 ranges but run by one thread equals a serial sort (stable:
// equal keys keep item order), item for item.
TEST(ParallelParts, CountingSortInATeamOfOneEqualsTheSerialSort) {
  const std::int64_t m = 100000, n = 997;
  std::mt19937_64 rng(7);
  std::vector<std::int64_t> key(static_cast<std::size_t>(m));
  for (auto& k : key) k = static_cast<std::int64_t>(rng() % static_cast<std::uint64_t>(n));
  auto sort_with = [&](int t) {
    std::vector<std::int64_t> placed(static_cast<std::size_t>(m), -1);
    Buffer<EdgeOffset> offsets;
    graph_detail::stable_counting_sort(
        m, n, t,
        [&](std::int64_t b, std::int64_t e, std::int64_t* hist) {
          for (std::int64_t i = b; i < e; ++i) ++hist[key[static_cast<std::size_t>(i)]];
        },
        [&](std::int64_t b, std::int64_t e, std::int64_t* cursor) {
          for (std::int64_t i = b; i < e; ++i) placed[static_cast<std::size_t>(cursor[key[static_cast<std::size_t>(i)]]++)] = i;
        },
        offsets);
    return std::make_pair(placed, std::vector<EdgeOffset>(offsets.begin(), offsets.end()));
  };
  // The serial reference: items grouped by key, in item order within a key.
  std::vector<std::int64_t> want;
  std::vector<EdgeOffset> want_offsets;
  for (std::int64_t k = 0; k < n; ++k) {
    want_offsets.push_back(static_cast<EdgeOffset>(want.size()));
    for (std::int64_t i = 0; i < m; ++i) {
      if (key[static_cast<std::size_t>(i)] == k) want.push_back(i);
    }
  }
  want_offsets.push_back(static_cast<EdgeOffset>(want.size()));
  std::pair<std::vector<std::int64_t>, std::vector<EdgeOffset>> got;
  in_a_team_of_one([&] { got = sort_with(4); });
  EXPECT_EQ(got.first, want);
  EXPECT_EQ(got.second, want_offsets);
  EXPECT_EQ(sort_with(4).first, want);  // and with the team it asks for
}

}  // namespace
}  // namespace fuseflow
