// Ctrl-C while a Graph builds one of its lazy arrays (the first PageRank call builds the
// degree-ordered in-edges; in-edge gathers build the CSC edge ids): the build polls,
// throws kInterrupted, leaves nothing half-built, and the next call builds the same arrays.
#include <gtest/gtest.h>

#include <vector>

#include "fuseflow/core/error.h"
#include "test_graphs.h"
#include "test_interrupts.h"

namespace fuseflow {
namespace {

template <class F>
void expect_interrupted_inside(F f) {
  testing::expect_interrupted(f, /*second_poll=*/true);
}

template <class T>
std::vector<T> copy(std::span<const T> s) {
  return std::vector<T>(s.begin(), s.end());
}

TEST(GraphLazyInterrupt, DegreeOrderedInEdgesPollAndRebuildAfterwards) {
  const auto e = testing::rmat_edges(16, 8, 11);
  const auto g = testing::build(e);
  testing::at_thread_counts([&](int) {
    const auto fresh = testing::build(e);
    expect_interrupted_inside([&] { fresh->degree_ordered_in_edges(); });
    const DegreeOrderedInEdges& again = fresh->degree_ordered_in_edges();  // no hook: completes
    const DegreeOrderedInEdges& want = g->degree_ordered_in_edges();
    EXPECT_EQ(copy<NodeId>(again.order.span()), copy<NodeId>(want.order.span()));
    EXPECT_EQ(copy<EdgeOffset>(again.offsets.span()), copy<EdgeOffset>(want.offsets.span()));
    EXPECT_EQ(copy<NodeId>(again.sources.span()), copy<NodeId>(want.sources.span()));
  });
}

TEST(GraphLazyInterrupt, InEdgeIdsPollAndRebuildAfterwards) {
  const auto e = testing::rmat_edges(18, 8, 12);
  const auto g = testing::build(e);
  const auto fresh = testing::build(e);
  expect_interrupted_inside([&] { fresh->in_edge_ids(); });
  EXPECT_EQ(copy(fresh->in_edge_ids()), copy(g->in_edge_ids()));
}

}  // namespace
}  // namespace fuseflow
