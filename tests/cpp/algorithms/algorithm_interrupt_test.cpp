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
#include "fuseflow/core/threads.h"
#include "test_graphs.h"
#include "test_interrupts.h"

namespace fuseflow {
namespace {

using testing::expect_interrupted;

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

// Deterministic check that a poll happens *inside* an iteration (max_iter = 1): a run that only
// polled between iterations would finish instead. One thread: with more, the other threads may
// finish the iteration while thread 0 (the only one that polls) sleeps in the hook's first call,
// so the result would depend on scheduling (seen under load in CI). Stopping from inside
// parallel regions is covered by PageRankStopsAtAnyThreadCount.
template <class F>
void expect_interrupted_within_first_iteration(F f) {
  expect_interrupted(f, /*second_poll=*/true);
}

TEST(AlgorithmInterrupt, PageRankPollsInsideAnIteration) {
  const auto g = testing::build(testing::rmat_edges(12, 8, 4));
  PageRankOptions o;
  o.tol = 0;
  o.max_iter = 1;
  set_num_threads(1);
  expect_interrupted_within_first_iteration([&] { pagerank(*g, o); });
  set_num_threads(0);
}

TEST(AlgorithmInterrupt, LabelPropagationPollsInsideASweep) {
  const auto g = testing::build(testing::rmat_edges(12, 8, 5));
  set_num_threads(1);
  expect_interrupted_within_first_iteration([&] { label_propagation(*g, 1, 1); });
  set_num_threads(0);
}

}  // namespace
}  // namespace fuseflow
