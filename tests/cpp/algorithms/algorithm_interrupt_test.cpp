// Ctrl-C during the algorithms: with an interrupt hook that always fires, long runs stop with
// kInterrupted (the hook is consulted after ~20 ms), including from inside OpenMP regions.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "fuseflow/algorithms/label_propagation.h"
#include "fuseflow/algorithms/pagerank.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "test_graphs.h"

namespace fuseflow {
namespace {

std::atomic<int> g_hook_calls{0};
bool always_interrupt() {
  ++g_hook_calls;
  return true;
}

template <class F>
void expect_interrupted(F f) {
  g_hook_calls = 0;
  InterruptScope scope(&always_interrupt);
  try {
    f();
    ADD_FAILURE() << "not interrupted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInterrupted) << e.what();
  }
  EXPECT_GE(g_hook_calls.load(), 1);
}

TEST(AlgorithmInterrupt, PageRankStopsAtAnyThreadCount) {
  const auto g = testing::build(testing::rmat_edges(14, 8, 2));
  PageRankOptions o;
  o.tol = 0;
  o.max_iter = std::int64_t{1} << 40;  // would run for days
  testing::at_thread_counts([&](int) { expect_interrupted([&] { pagerank(*g, o); }); });
}

TEST(AlgorithmInterrupt, PageRankFirstCallWithPersonalizationStops) {
  const auto e = testing::rmat_edges(14, 8, 3);
  std::vector<double> p(static_cast<std::size_t>(e.n), 2.0);
  PageRankOptions o;
  o.tol = 0;
  o.max_iter = std::int64_t{1} << 40;
  o.personalization = p;
  expect_interrupted([&] { pagerank(*testing::build(e), o); });
}

// Deterministic check that a poll happens *inside* an iteration: the hook's first call (the
// first poll, at the start of the only iteration) sleeps past check_interrupt's 20 ms rate limit and says "go
// on"; the next poll then consults the hook again, which says "stop". A run that only polled
// between iterations would finish instead.
std::atomic<int> g_slow_calls{0};
bool interrupt_after_first_call() {
  if (g_slow_calls++ == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return false;
  }
  return true;
}

template <class F>
void expect_interrupted_within_first_iteration(F f) {
  g_slow_calls = 0;
  InterruptScope scope(&interrupt_after_first_call);
  std::this_thread::sleep_for(std::chrono::milliseconds(30));  // so the first poll asks the hook
  try {
    f();
    ADD_FAILURE() << "ran to the end: no poll inside the iteration";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInterrupted) << e.what();
  }
  EXPECT_EQ(g_slow_calls.load(), 2);
}

TEST(AlgorithmInterrupt, PageRankPollsInsideAnIteration) {
  const auto g = testing::build(testing::rmat_edges(12, 8, 4));
  PageRankOptions o;
  o.tol = 0;
  o.max_iter = 1;
  testing::at_thread_counts([&](int) { expect_interrupted_within_first_iteration([&] { pagerank(*g, o); }); });
}

TEST(AlgorithmInterrupt, LabelPropagationPollsInsideASweep) {
  const auto g = testing::build(testing::rmat_edges(12, 8, 5));
  testing::at_thread_counts(
      [&](int) { expect_interrupted_within_first_iteration([&] { label_propagation(*g, 1, 1); }); });
}

}  // namespace
}  // namespace fuseflow
