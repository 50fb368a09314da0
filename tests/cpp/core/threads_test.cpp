// set_num_threads: 0 restores the default; negative counts and counts above max_threads() are
// ValueError-class errors (libgomp ends the process when it cannot create a thread).
#include <gtest/gtest.h>

#include <omp.h>
#include <sys/wait.h>
#include <unistd.h>

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

// A forked child runs on one thread (GNU OpenMP's pool does not survive fork: a team there would
// wait forever), after the parent has run a region with two threads.
TEST(Threads, AForkedChildRunsOnOneThread) {
  set_num_threads(2);
  int team = 0;
#pragma omp parallel num_threads(num_threads())
  {
#pragma omp single
    team = omp_get_num_threads();
  }
  EXPECT_EQ(team, 2);
  EXPECT_FALSE(in_forked_child());
  const pid_t pid = fork();
  ASSERT_GE(pid, 0);
  if (pid == 0) {
    alarm(60);  // a hang ends the child (and fails the test) instead of the run
    int child_team = 0;
#pragma omp parallel num_threads(num_threads())
    child_team = omp_get_num_threads();
    _exit(in_forked_child() && num_threads() == 1 && threads_for(1 << 30, 1) == 1 && child_team == 1 ? 0 : 1);
  }
  int status = 0;
  ASSERT_EQ(waitpid(pid, &status, 0), pid);
  set_num_threads(0);
  ASSERT_TRUE(WIFEXITED(status)) << "the child did not exit (signal " << WTERMSIG(status) << ")";
  EXPECT_EQ(WEXITSTATUS(status), 0);
}

}  // namespace
}  // namespace fuseflow
