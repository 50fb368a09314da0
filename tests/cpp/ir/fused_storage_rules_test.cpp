// The verifier's rules for fused regions and storage annotations that the executor relies on
// (issue 16, r07: a fused region yielding one value twice passed verify() and crashed the
// executor). Each rule has a program that breaks it and must be rejected with a ValueError naming
// the rule; the executor never sees such a program. The storage rules mirror what memory_planning
// guarantees (opt/memory_planning.cpp), so every planned program still verifies.
#include <gtest/gtest.h>

#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/ir/text.h"

namespace fuseflow::ir {
namespace {

void expect_invalid(const std::string& text, const std::string& fragment) {
  try {
    parse(text);
    FAIL() << "accepted:\n" << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << e.what();  // ValueError in Python
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

void expect_verify_fails(const Program& p, const std::string& fragment) {
  try {
    verify(p);
    FAIL() << "accepted:\n" << print(p);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << e.what();
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

// ---- yields

TEST(FusedRules, FusedRegionYieldingOneValueTwiceIsRejectedAtItsYield) {
  // The reproducer r07: results %1 and %2 would share one buffer (the executor wrote one of them
  // and handed out garbage or crashed).
  expect_invalid(R"(func @f(%0:f64[n0]) {
  %1:f64[n0], %2:f64[n0] = fused {
  ^():
    %3:f64[n0] = exp %0
    yield %3, %3
  }
  return %1, %2
})", "IR text: line 5, column 15: fused: yields %3 twice; a fused region yields each value at most once");
}

TEST(FusedRules, VerifierRejectsADuplicateYieldBuiltWithoutTheParser) {
  Program p = parse(R"(func @f(%0:f64[n0]) {
  %1:f64[n0], %2:f64[n0] = fused {
  ^():
    %3:f64[n0] = exp %0
    %4:f64[n0] = neg %0
    yield %3, %4
  }
  return %1, %2
})");
  Block& region = p.body.ops[0].regions[0];
  region.yields[1] = region.yields[0];
  expect_verify_fails(p, "a fused region yields each value at most once");
}

TEST(FusedRules, EpilogueYieldingTheAggregateTwiceIsRejected) {
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N], %3:f64[N] = fused_agg.sum.in %0, %1 {
  ^(%4:f64[N]):
    yield %4
  } do {
  ^(%5:f64[N]):
    yield %5, %5
  }
  return %2, %3
})", "yields each value at most once");
}

TEST(FusedRules, APrologueYieldingItsArgumentHoldsNoOps) {
  // Accepted before, and run to a wrong aggregate (all ones for exp(sum)).
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = fused_agg.sum.in %0, %1 {
  ^(%3:f64[N]):
    %4:f64[N] = neg %3
    yield %3
  } do {
  ^(%5:f64[N]):
    %6:f64[N] = exp %5
    yield %6
  }
  return %2
})", "a prologue yielding its argument is the identity and holds no ops");
}

// ---- storage: which buffers may be planned at all

TEST(StorageRules, ABufferThatFeedsALoopIsNotReused) {
  // The loop may keep %2's buffer as its carry (and return it): writing %4 into it would change %3.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N], %2:~i64) {
  %3:f64[N] = neighbor_agg.sum.in %0, %1
  %4:f64[N] = loop %2, %3 {
  ^(%5:f64[N]):
    %6:f64[N] = neighbor_agg.sum.in %0, %5
    yield %6
  }
  %7:f64[N]@%3 = neighbor_agg.sum.in %0, %1
  return %4, %7
})", "feeds a loop");
}

TEST(StorageRules, ALoopResultIsNotPlanned) {
  expect_invalid(R"(func @f(%0:graph, %1:f64[N], %2:~i64) {
  %3:f64[N] = neighbor_agg.sum.in %0, %1
  %4:f64[N] = neighbor_agg.sum.in %0, %3
  %5:f64[N]@%3 = loop %2, %4 {
  ^(%6:f64[N]):
    %7:f64[N] = neighbor_agg.sum.in %0, %6
    yield %7
  }
  return %5
})", "a loop result's buffer is not planned");
}

TEST(StorageRules, ADegreeArrayIsAViewOfTheGraphAndNeverReused) {
  // Writing into %2's "buffer" would write into the graph's own degree array.
  expect_invalid(R"(func @f(%0:graph, %1:i64[N]) {
  %2:i64[N] = out_degree %0
  %3:i64[N] = neighbor_agg.sum.in %0, %2
  %4:i64[N]@%2 = neighbor_agg.sum.in %0, %1
  return %3, %4
})", "degree array's buffer is not planned");
  expect_invalid(R"(func @f(%0:graph, %1:i64[N]) {
  %2:i64[N] = neighbor_agg.sum.in %0, %1
  %3:i64[N] = neighbor_agg.sum.in %0, %2
  %4:i64[N]@%2 = in_degree %0
  return %3, %4
})", "a in_degree result's buffer is not planned");
}

TEST(StorageRules, ALoopBodysYieldIsNotPlanned) {
  // Carry buffers swap between iterations; the body's yield becomes the next carry.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N], %2:~i64) {
  %3:f64[N] = loop %2, %1 {
  ^(%4:f64[N]):
    %5:f64[N] = neighbor_agg.sum.in %0, %4
    %6:f64[N] = neighbor_agg.sum.in %0, %5
    %7:f64[N]@%5 = neighbor_agg.sum.in %0, %6
    yield %7
  }
  return %3
})", "a loop body's yield is not planned");
}

TEST(StorageRules, AValueInsideAFusedRegionHasNoStorage) {
  expect_invalid(R"(func @f(%0:f64[n0]) {
  %1:f64[n0] = fused {
  ^():
    %2:f64[n0] = exp %0
    %3:f64[n0]@%2 = neg %2
    yield %3
  }
  return %1
})", "lives in registers and has no storage");
}

// ---- storage: in-place updates must read every element before overwriting it

TEST(StorageRules, InPlaceResultComputedBeforeTheLastReadIsRejected) {
  // %6 (-> %4) would overwrite %3 before `add %6, %3` reads it: the executor then computed
  // 2 * %3 * 2 instead of 3 * %3 for %5.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N], %2:~f64) {
  %3:f64[N] = neighbor_agg.sum.in %0, %1
  %4:f64[N]@%3, %5:f64[N] = fused {
  ^():
    %6:f64[N] = mul %3, %2
    %7:f64[N] = add %6, %3
    yield %6, %7
  }
  return %4, %5
})", "no earlier than the region's last read");
}

TEST(StorageRules, InPlaceResultThatNoInstructionComputesIsRejected) {
  // The epilogue yields the aggregate itself: the gather writes it into %3's buffer before the
  // epilogue reads %3.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = neighbor_agg.sum.in %0, %1
  %3:f64[N] = neighbor_agg.sum.in %0, %2
  %4:f64[N]@%3, %5:f64[N] = fused_agg.sum.in %0, %1 {
  ^(%6:f64[N]):
    yield %6
  } do {
  ^(%7:f64[N]):
    %8:f64[N] = add %7, %3
    yield %7, %8
  }
  return %4, %5
})", "needs a result computed by an instruction of the region");
}

TEST(StorageRules, AggregateStoredInAResultComputedBeforeItsLastReadIsRejected) {
  // %12 (sharing the aggregate's buffer) is written before `exp %11` reads the aggregate.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N], %3:f64[N] = fused_agg.max.out %0, %1 {
  ^(%4:f64[N]):
    yield %4
  } do {
  ^(%5:f64[N]@%2):
    %6:f64[N] = add %5, %1
    %7:f64[N] = exp %5
    yield %6, %7
  }
  return %2, %3
})", "no earlier than the epilogue's last read of the aggregate");
}

TEST(StorageRules, AggregateStoredInAResultThatUpdatesInPlaceIsRejected) {
  // %5 -> %3's buffer (in place) and the aggregate -> %5: the gather would overwrite %3 before
  // the epilogue reads it.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = neighbor_agg.sum.in %0, %1
  %3:f64[N] = neighbor_agg.sum.in %0, %2
  %4:f64[N]@%3 = fused_agg.sum.in %0, %1 {
  ^(%5:f64[N]):
    yield %5
  } do {
  ^(%6:f64[N]@%4):
    %7:f64[N] = add %6, %3
    yield %7
  }
  return %4
})", "which the gather would overwrite before the epilogue reads it");
}

TEST(StorageRules, WhatMemoryPlanningProducesStillVerifies) {
  // The shapes the planner makes (tests/ir/memory_planning): an in-place update computed after the
  // last read, and an aggregate in a result computed after the epilogue's last read.
  Program p = parse(R"(func @f(%0:graph, %1:f64[N], %2:~f64) {
  %3:f64[N] = neighbor_agg.sum.in %0, %1
  %4:f64[N], %5:f64[N]@%3 = fused {
  ^():
    %6:f64[N] = mul %3, %2
    %7:f64[N] = add %6, %3
    yield %6, %7
  }
  %8:f64[N], %9:f64[N] = fused_agg.sum.in %0, %4 {
  ^(%10:f64[N]):
    yield %10
  } do {
  ^(%11:f64[N]@%9):
    %12:f64[N] = exp %11
    %13:f64[N] = add %11, %5
    yield %12, %13
  }
  return %8, %9
})");
  EXPECT_NO_THROW(verify(p));
}

}  // namespace
}  // namespace fuseflow::ir
