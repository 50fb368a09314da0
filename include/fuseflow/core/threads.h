// Thread count for every parallel region. Default: FUSEFLOW_NUM_THREADS, else OMP_NUM_THREADS,
// else all cores.
#pragma once

#include <cstdint>

namespace fuseflow {

int num_threads();

// True in a process forked from one that had loaded fuseflow: every region there runs on one
// thread (GNU OpenMP's thread pool does not survive fork; a team would wait for it forever),
// num_threads() says 1 whatever set_num_threads asked for, and run_with_helpers runs jobs alone
// (the parent's helper threads do not exist either).
bool in_forked_child();

// n == 0 restores the default. n < 0 or n > max_threads() is a ValueError-class Error: OpenMP
// (libgomp) ends the process when it cannot create a thread, so counts beyond any useful
// oversubscription are refused before a parallel region ever asks for them.
void set_num_threads(std::int64_t n);

// The largest thread count accepted: 4 x the hardware threads (omp_get_num_procs), at least 4.
int max_threads();

// Threads worth using for `work` independent items when each thread should get at least
// `min_per_thread` of them (small inputs run serially: a thread wake-up costs ~µs).
int threads_for(std::int64_t work, std::int64_t min_per_thread);

}  // namespace fuseflow
