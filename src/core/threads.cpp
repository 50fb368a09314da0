#include "fuseflow/core/threads.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cstdlib>

namespace fuseflow {
namespace {

int default_threads() {
  if (const char* env = std::getenv("FUSEFLOW_NUM_THREADS")) {
    int n = std::atoi(env);
    if (n > 0) return n;
  }
  return std::max(1, omp_get_num_procs());
}

std::atomic<int>& configured() {
  static std::atomic<int> value{default_threads()};
  return value;
}

}  // namespace

int num_threads() { return configured().load(std::memory_order_relaxed); }

void set_num_threads(int n) { configured().store(n > 0 ? n : default_threads()); }

int threads_for(std::int64_t work, std::int64_t min_per_thread) {
  if (min_per_thread < 1) min_per_thread = 1;
  std::int64_t useful = work / min_per_thread;
  return static_cast<int>(std::clamp<std::int64_t>(useful, 1, num_threads()));
}

}  // namespace fuseflow
