// Ctrl-C during the algorithms: with an interrupt hook that always fires, long runs stop with
// kInterrupted (the hook is consulted after ~20 ms), including from inside OpenMP regions.
#include <gtest/gtest.h>

#include <atomic>

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

TEST(AlgorithmInterrupt, LabelPropagationStops) {
  // ~1M edges: one sweep alone outlasts the hook's 20 ms rate limit; the sweep's chunk loop polls.
  const auto g = testing::build(testing::rmat_edges(16, 16, 1));
  testing::at_thread_counts([&](int) { expect_interrupted([&] { label_propagation(*g, std::int64_t{1} << 40, 1); }); });
}

}  // namespace
}  // namespace fuseflow
