// Buffer<T>: a count whose byte size overflows is a MemoryError-class error, never a wrapped
// small allocation.
#include <gtest/gtest.h>

#include <cstdint>
#include <limits>

#include "fuseflow/core/buffer.h"

namespace fuseflow {
namespace {

TEST(Buffer, OverflowingCountIsOutOfMemory) {
  for (std::size_t count : {std::size_t{1} << 61, std::size_t{1} << 62, std::numeric_limits<std::size_t>::max()}) {
    try {
      Buffer<double> b(count);
      FAIL() << "allocated " << count << " doubles";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kOutOfMemory);
      EXPECT_NE(std::string(e.what()).find("overflows"), std::string::npos) << e.what();
    }
  }
  Buffer<std::int32_t> ok(5, 7);
  EXPECT_EQ(ok.size(), 5u);
  EXPECT_EQ(ok[4], 7);
}

}  // namespace
}  // namespace fuseflow
