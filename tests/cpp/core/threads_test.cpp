// set_num_threads: 0 restores the default; negative counts and counts above max_threads() are
// ValueError-class errors (libgomp ends the process when it cannot create a thread).
#include <gtest/gtest.h>

#include <omp.h>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

ErrorCode code_of(std::int64_t n) {
  try {
    set_num_threads(n);
  } catch (const Error& e) {
    return e.code();
  }
  return ErrorCode::kInternal;  // no error
}

TEST(Threads, CountsAreBoundedAndZeroRestoresTheDefault) {
  const int def = num_threads();
  EXPECT_EQ(max_threads(), std::max(4, 4 * omp_get_num_procs()));
  set_num_threads(2);
  EXPECT_EQ(num_threads(), 2);
  set_num_threads(max_threads());
  EXPECT_EQ(num_threads(), max_threads());
  for (std::int64_t bad : {std::int64_t{-1}, std::int64_t{max_threads()} + 1, std::int64_t{1000000},
                           std::int64_t{1} << 40}) {
    EXPECT_EQ(code_of(bad), ErrorCode::kInvalidValue) << bad;
  }
  EXPECT_EQ(num_threads(), max_threads());  // a refused count changes nothing
  set_num_threads(0);
  EXPECT_EQ(num_threads(), def);
}

}  // namespace
}  // namespace fuseflow
