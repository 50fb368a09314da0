// Thread count for every parallel region. Default: FUSEFLOW_NUM_THREADS, else all cores.
#pragma once

#include <cstdint>

namespace fuseflow {

int num_threads();
void set_num_threads(int n);  // n <= 0 restores the default

// Threads worth using for `work` independent items when each thread should get at least
// `min_per_thread` of them (small inputs run serially: a thread wake-up costs ~µs).
int threads_for(std::int64_t work, std::int64_t min_per_thread);

}  // namespace fuseflow
