// Work split into a fixed number of parts, each run exactly once whatever team OpenMP gives.
#pragma once

#include <omp.h>

namespace fuseflow {

// Runs f(k) for every k in [0, parts), on up to `parts` OpenMP threads.
//
// Why not "thread k does part k": a team may be smaller than num_threads(parts) asks for
// (OMP_THREAD_LIMIT, OMP_DYNAMIC=true on a loaded machine, a region nested in another), and the
// parts of the missing threads would then never run (a from_edges under OMP_THREAD_LIMIT=1
// built a CSR with half its lists unfilled). A worksharing loop hands each part to some thread
// of whatever team there is. The parts' layout depends on `parts` alone, so results that depend
// on it (a stable sort's per-part cursors) are the same with any team.
template <class F>
void for_each_part(int parts, F&& f) {
#pragma omp parallel for schedule(static, 1) num_threads(parts)
  for (int k = 0; k < parts; ++k) f(k);
}

}  // namespace fuseflow
