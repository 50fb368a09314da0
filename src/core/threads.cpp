#include "fuseflow/core/threads.h"

#include <omp.h>
#include <pthread.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>
#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/core/helper_pool.h"

namespace fuseflow {
namespace {

// A positive count: digits with optional surrounding blanks, and with `levels` more levels after
// a comma ("4,2": the first is the outer team). Anything else ("1e3", "2x", "-1", "") is not a
// count and is ignored, as GNU OpenMP ignores it; atoll read "1e3" as 1 thread.
long long parse_count(const char* text, bool levels) {
  const char* p = text;
  while (*p == ' ' || *p == '\t') ++p;
  long long n = 0;
  const char* digits = p;
  for (; *p >= '0' && *p <= '9'; ++p) n = std::min<long long>(n * 10 + (*p - '0'), 1LL << 40);
  if (p == digits) return 0;
  while (*p == ' ' || *p == '\t') ++p;
  return *p == '\0' || (levels && *p == ',') ? n : 0;
}

// FUSEFLOW_NUM_THREADS, else OMP_NUM_THREADS (its first level, as OpenMP reads "4,2"; job
// schedulers and process pools set it to keep each process on its share of the cores), else
// every core the process may run on.
int default_threads() {
  struct Variable {
    const char* name;
    bool levels;  // OpenMP's nesting-level list syntax
  };
  for (const Variable& v : {Variable{"FUSEFLOW_NUM_THREADS", false}, Variable{"OMP_NUM_THREADS", true}}) {
    if (const char* env = std::getenv(v.name)) {
      // Clamped, not refused: a bad environment must not stop `import fuseflow`.
      const long long n = parse_count(env, v.levels);
      if (n > 0) return static_cast<int>(std::min<long long>(n, max_threads()));
    }
  }
  return std::max(1, omp_get_num_procs());
}

std::atomic<int>& configured() {
  static std::atomic<int> value{default_threads()};
  return value;
}

// GNU OpenMP keeps its worker threads in a pool that fork() does not copy: the child's first
// region with more than one thread waits for workers that do not exist, forever (multiprocessing's
// default "fork" start method on Linux hung on the first from_edges or ff.jit call in a worker).
// A forked child therefore runs every region on one thread. The handler only stores a flag
// (async-signal-safe, as a fork handler in a threaded process must be).
std::atomic<bool> forked_child{false};

void on_fork_child() { forked_child.store(true, std::memory_order_relaxed); }

[[maybe_unused]] const bool fork_handler_registered = [] {
  return pthread_atfork(nullptr, nullptr, &on_fork_child) == 0;
}();

}  // namespace

int num_threads() { return in_forked_child() ? 1 : configured().load(std::memory_order_relaxed); }

bool in_forked_child() { return forked_child.load(std::memory_order_relaxed); }

int max_threads() { return std::max(4, 4 * omp_get_num_procs()); }

void set_num_threads(std::int64_t n) {
  if (n < 0 || n > max_threads()) {
    throw_value_error("n", "must be 0 (the default) or a thread count in [1, " + std::to_string(max_threads()) +
                               "] (4 x the " + std::to_string(omp_get_num_procs()) + " hardware threads), got " +
                               std::to_string(n));
  }
  configured().store(n > 0 ? static_cast<int>(n) : default_threads());
}

int threads_for(std::int64_t work, std::int64_t min_per_thread) {
  // Inside a parallel region (a row block of src/exec/row_blocks.cpp, an algorithm's worker) a
  // nested team would get one thread anyway: say so, so callers take their serial paths. On a
  // helper thread (core/helper_pool.h) a region would start a second OpenMP pool: serial too.
  if (omp_in_parallel() || on_helper_thread()) return 1;
  if (min_per_thread < 1) min_per_thread = 1;
  std::int64_t useful = work / min_per_thread;
  return static_cast<int>(std::clamp<std::int64_t>(useful, 1, num_threads()));
}

}  // namespace fuseflow
