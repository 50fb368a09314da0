// Array allocation sizes: a count whose byte size overflows (or is negative) is a MemoryError-class
// error naming what was allocated, never a wrapped small allocation; a representable size that
// cannot be allocated is one too.
#include <gtest/gtest.h>

#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {
namespace {

std::string allocation_error(std::int64_t length, DType type, const char* what) {
  try {
    Value v = Value::array(type, length, what);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfMemory);
    return e.what();
  }
  return "";
}

TEST(ArrayAllocation, OverflowingSizesAreNamedMemoryErrors) {
  EXPECT_EQ(allocation_error(std::int64_t{1} << 61, DType::kFloat64, "full"),
            "full: cannot allocate 2305843009213693952 float64 elements (16 EiB)");
  EXPECT_EQ(allocation_error(std::int64_t{1} << 62, DType::kInt32, "arange"),
            "arange: cannot allocate 4611686018427387904 int32 elements (16 EiB)");
  EXPECT_EQ(allocation_error(-1, DType::kBool, "array"), "array: cannot allocate -1 bool elements (-1 B)");
  EXPECT_EQ(allocation_error(1000000000000, DType::kFloat64, "full"),
            "full: cannot allocate 1000000000000 float64 elements (7.28 TiB)");
  Value small = Value::array(DType::kFloat64, 3, "full");
  // ensure_writable_array must not reuse a small buffer for a size that wrapped.
  EXPECT_THROW(ensure_writable_array(small, DType::kFloat64, std::int64_t{1} << 61, "full"), Error);
}

TEST(ArrayAllocation, LiveStorageBytesCountsOwnedBuffers) {
  const std::int64_t before = live_storage_bytes();
  {
    Value v = Value::array(DType::kFloat64, 1000);
    EXPECT_GE(live_storage_bytes(), before + 8000);
  }
  EXPECT_EQ(live_storage_bytes(), before);
}

}  // namespace
}  // namespace fuseflow::exec
