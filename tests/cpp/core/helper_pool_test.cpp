// run_with_helpers: every item of a job is done exactly once whether helpers join, join late or
// not at all (back-to-back calls, calls after idle pauses, concurrent callers, nested calls), and
// code on a helper thread is told to stay serial. Named *Concurrency*: scripts/tsan.sh runs them
// under ThreadSanitizer (plain std::threads, which it sees whole).
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>
#include <vector>

#include "fuseflow/core/helper_pool.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

// A job of `items` items taken from a shared counter; returns how often each item was done.
std::vector<int> run_job(int helpers, int items, std::atomic<int>* participants = nullptr) {
  std::vector<std::atomic<int>> done(static_cast<std::size_t>(items));
  std::atomic<int> next{0};
  run_with_helpers(helpers, [&] {
    if (participants) participants->fetch_add(1);
    for (int i = next.fetch_add(1); i < items; i = next.fetch_add(1)) {
      done[static_cast<std::size_t>(i)].fetch_add(1);
      volatile double x = 0;  // a little work, so helpers have a chance to join
      for (int k = 0; k < 200; ++k) x = x + k;
    }
  });
  std::vector<int> counts;
  for (auto& d : done) counts.push_back(d.load());
  return counts;
}

TEST(HelperPoolConcurrency, EveryItemOnceBackToBackAndAfterPauses) {
  for (int round = 0; round < 300; ++round) {
    const int helpers = round % 4;  // 0 runs alone; more helpers than cores is fine
    const int items = 1 + round % 37;
    for (int c : run_job(helpers, items)) ASSERT_EQ(c, 1) << "round " << round;
    if (round % 50 == 49) std::this_thread::sleep_for(std::chrono::milliseconds(5));  // helpers fall asleep
  }
}

TEST(HelperPoolConcurrency, CallsInALoopWithHelpersAwake) {
  // Back to back, helpers stay awake and may take part (whether they do depends on the machine's
  // load: ctest runs another test on the other core; speed is the benchmarks' business). Every
  // item is still done once, and the caller takes part in every job.
  std::atomic<int> participants{0};
  const int calls = 2000;
  for (int i = 0; i < calls; ++i) {
    for (int c : run_job(1, 64, &participants)) ASSERT_EQ(c, 1);
  }
  EXPECT_GE(participants.load(), calls);
  RecordProperty("helper_participations", participants.load() - calls);
}

TEST(HelperPoolConcurrency, ConcurrentCallersEachDoTheirWholeJob) {
  std::atomic<bool> failed{false};
  std::vector<std::thread> callers;
  for (int t = 0; t < 3; ++t) {
    callers.emplace_back([&] {
      for (int i = 0; i < 200; ++i) {
        for (int c : run_job(1, 17)) {
          if (c != 1) failed = true;
        }
      }
    });
  }
  for (auto& t : callers) t.join();
  EXPECT_FALSE(failed.load());
}

TEST(HelperPoolConcurrency, HelperThreadsRunNestedWorkSerially) {
  std::atomic<int> helper_calls{0}, serial_answers{0}, nested_ok{0};
  std::atomic<int> next{0};
  for (int round = 0; round < 200; ++round) {
    next = 0;
    run_with_helpers(1, [&] {
      for (int i = next.fetch_add(1); i < 8; i = next.fetch_add(1)) {
        if (on_helper_thread()) {
          helper_calls.fetch_add(1);
          if (threads_for(1 << 20, 1) == 1) serial_answers.fetch_add(1);
        }
        // A nested job runs on the calling thread alone and still does every item.
        if (run_job(1, 5) == std::vector<int>(5, 1)) nested_ok.fetch_add(1);
      }
    });
  }
  EXPECT_EQ(nested_ok.load(), 200 * 8);
  EXPECT_EQ(serial_answers.load(), helper_calls.load());
  EXPECT_FALSE(on_helper_thread());
}

}  // namespace
}  // namespace fuseflow
