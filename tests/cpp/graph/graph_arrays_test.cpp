#include <gtest/gtest.h>

#include "fuseflow/core/error.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {
namespace {

// Two nodes, edges 0->1 and 1->1: CSR and CSC written out by hand.
GraphArrays small_arrays() {
  GraphArrays a;
  a.num_nodes = 2;
  a.out_offsets = Buffer<EdgeOffset>(3);
  a.out_offsets[0] = 0, a.out_offsets[1] = 1, a.out_offsets[2] = 2;
  a.out_targets = Buffer<NodeId>(2);
  a.out_targets[0] = 1, a.out_targets[1] = 1;
  a.in_offsets = Buffer<EdgeOffset>(3);
  a.in_offsets[0] = 0, a.in_offsets[1] = 0, a.in_offsets[2] = 2;
  a.in_sources = Buffer<NodeId>(2);
  a.in_sources[0] = 0, a.in_sources[1] = 1;
  return a;
}

TEST(GraphArrays, AdoptedArraysGiveDegrees) {
  const auto g = Graph::from_arrays(small_arrays());
  EXPECT_EQ(g->num_edges(), 2);
  EXPECT_EQ(g->out_degree()[0], 1);
  EXPECT_EQ(g->in_degree()[1], 2);
  EXPECT_EQ(g->balanced_chunks(true).back(), 2);
}

TEST(GraphArrays, RejectsOutOfRangeIdsAndBadOffsets) {
  GraphArrays bad_id = small_arrays();
  bad_id.in_sources[1] = 2;
  EXPECT_THROW(Graph::from_arrays(std::move(bad_id)), Error);
  GraphArrays bad_offsets = small_arrays();
  bad_offsets.out_offsets[1] = 3;
  EXPECT_THROW(Graph::from_arrays(std::move(bad_offsets)), Error);
  GraphArrays bad_size = small_arrays();
  bad_size.in_sources = Buffer<NodeId>(1);
  EXPECT_THROW(Graph::from_arrays(std::move(bad_size)), Error);
}

}  // namespace
}  // namespace fuseflow
