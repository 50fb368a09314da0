// fused / fused_agg ops and storage annotations: exact text round trip, and the verifier's rules
// (each broken rule raises an Error naming it).
#include <gtest/gtest.h>

#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/ir/text.h"

namespace fuseflow::ir {
namespace {

const char* kLowered = R"(func @f(%0:graph, %1:f64[N], %2:~f64) {
  %3:f64[N] = neighbor_agg.sum.in %0, %1
  %4:f64[N]@%3, %5:f64 = fused {
  ^():
    %6:f64[N] = mul %3, %2
    %7:f64 = sum %6
    yield %6, %7
  }
  %8:f64[N], %9:f64[N] = fused_agg.max.out %0, %4 {
  ^(%10:f64[N]):
    yield %10
  } do {
  ^(%11:f64[N]@%8):
    %12:f64[N] = exp %11
    %13:f64[N] = add %11, %1
    yield %13, %12
  }
  return %8, %9, %5
}
)";

TEST(FusedIr, FusedOpsAndStorageRoundTripExactly) {
  Program p = parse(kLowered);
  EXPECT_EQ(print(p), kLowered);
  EXPECT_EQ(p.body.ops[1].code, OpCode::kFused);
  EXPECT_EQ(p.body.ops[2].code, OpCode::kFusedAgg);
  EXPECT_EQ(p.storage_of(p.body.ops[1].results[0]), p.body.ops[0].results[0]);
  EXPECT_EQ(p.storage_of(p.body.ops[2].regions[1].args[0]), p.body.ops[2].results[0]);
}

void expect_invalid(const std::string& text, const std::string& fragment) {
  try {
    parse(text);
    FAIL() << "accepted:\n" << text;
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << e.what();  // ValueError in Python
    EXPECT_NE(std::string(e.what()).find(fragment), std::string::npos) << e.what();
  }
}

TEST(FusedIr, VerifierRejectsBrokenFusedRegions) {
  // A graph op inside a fused region.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = fused {
  ^():
    %3:f64[N] = neighbor_agg.sum.in %0, %1
    %4:f64[N] = exp %3
    yield %4
  }
  return %2
})", "cannot hold neighbor_agg");
  // A reduction feeding its own region.
  expect_invalid(R"(func @f(%0:f64[n0]) {
  %1:f64[n0] = fused {
  ^():
    %2:f64 = sum %0
    %3:f64[n0] = sub %0, %2
    yield %3
  }
  return %1
})", "a reduction of the same fused region");
  // Two lengths in one region.
  expect_invalid(R"(func @f(%0:f64[n0], %1:f64[n1]) {
  %2:f64[n0], %3:f64[n1] = fused {
  ^():
    %4:f64[n0] = exp %0
    %5:f64[n1] = exp %1
    yield %4, %5
  }
  return %2, %3
})", "length differs");
  // A prologue reading an outer array (only its argument and scalars are per-edge values).
  expect_invalid(R"(func @f(%0:graph, %1:f64[N], %2:f64[N]) {
  %3:f64[N] = fused_agg.sum.in %0, %1 {
  ^(%4:f64[N]):
    %5:f64[N] = mul %4, %2
    yield %5
  } do {
  ^(%6:f64[N]):
    %7:f64[N] = exp %6
    yield %7
  }
  return %3
})", "the prologue reads array");
  // Yielding a value the region does not define.
  expect_invalid(R"(func @f(%0:f64[n0]) {
  %1:f64[n0], %2:f64[n0] = fused {
  ^():
    %3:f64[n0] = exp %0
    yield %3, %0
  }
  return %1, %2
})", "which the region does not define");
}

TEST(FusedIr, VerifierRejectsUnsafeStorage) {
  // The buffer's value is read after the op that would overwrite it.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = neighbor_agg.sum.in %0, %1
  %3:f64[N]@%2 = neighbor_agg.sum.in %0, %1
  %4:f64[N] = fused {
  ^():
    %5:f64[N] = add %2, %3
    %6:f64[N] = exp %5
    yield %6
  }
  return %4
})", "still read after this op");
  // In place on an op that is not fused (a gather reads its operand at random).
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = neighbor_agg.sum.in %0, %1
  %3:f64[N]@%2 = neighbor_agg.sum.in %0, %2
  return %3
})", "an in-place update needs a fused op");
  // In place on the array a fused_agg gathers.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = neighbor_agg.sum.in %0, %1
  %3:f64[N]@%2 = fused_agg.sum.in %0, %2 {
  ^(%4:f64[N]):
    yield %4
  } do {
  ^(%5:f64[N]):
    %6:f64[N] = mul %5, %5
    yield %6
  }
  return %3
})", "a gather's input cannot be updated in place");
  // Different dtypes.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N], %2:f32[N]) {
  %3:f64[N] = neighbor_agg.sum.in %0, %1
  %4:f64[N] = neighbor_agg.sum.in %0, %3
  %5:f32[N]@%3 = neighbor_agg.sum.in %0, %2
  return %4, %5
})", "same dtype and length");
  // One buffer taken twice.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = neighbor_agg.sum.in %0, %1
  %3:f64[N] = neighbor_agg.sum.in %0, %2
  %4:f64[N]@%2 = neighbor_agg.sum.in %0, %3
  %5:f64[N]@%2 = neighbor_agg.sum.in %0, %4
  return %5
})", "already taken");
  // A program input's buffer is borrowed.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N]@%1 = neighbor_agg.sum.in %0, %1
  return %2
})", "defined by an earlier op of the same block");
  // A fused_agg aggregate stored anywhere but in one of its op's results.
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = neighbor_agg.sum.in %0, %1
  %3:f64[N] = fused_agg.sum.in %0, %1 {
  ^(%4:f64[N]):
    yield %4
  } do {
  ^(%5:f64[N]@%2):
    %6:f64[N] = mul %5, %2
    yield %6
  }
  return %3
})", "only name a result of its op");
}

TEST(FusedIr, MalformedFusedTextNamesTheRule) {
  expect_invalid(R"(func @f(%0:f64[n0]) {
  %1:f64[n0] = fused %0 {
  ^():
    %2:f64[n0] = exp %0
    yield %2
  }
  return %1
})", "fused takes no operands");
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = fused_agg.sum.in %0 {
  ^(%3:f64[N]):
    yield %3
  } do {
  ^(%4:f64[N]):
    yield %4
  }
  return %2
})", "fused_agg takes 2 or 3 operands");
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N] = fused_agg.sum.in %0, %1 {
  ^(%3:f64[N]):
    %4:f64[N] = neg %3
    yield %3, %4
  } do {
  ^(%5:f64[N]):
    yield %5
  }
  return %2
})", "a fused_agg prologue yields exactly one value");
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N]@%9 = neighbor_agg.sum.in %0, %1
  return %2
})", "value %9 is not defined");
  expect_invalid(R"(func @f(%0:graph, %1:f64[N]) {
  %2:f64[N]@ = neighbor_agg.sum.in %0, %1
  return %2
})", "expected a value after '@'");
}

}  // namespace
}  // namespace fuseflow::ir
