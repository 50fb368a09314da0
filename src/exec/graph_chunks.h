// Internal: the parallel loop of the graph steps (graph_steps.cpp, semiring_agg.cpp) over a
// graph's fixed balanced node chunks.
#pragma once

#include <omp.h>

#include <atomic>
#include <cstdint>
#include <exception>
#include <span>

#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::exec {

// Same rule as the native PageRank: a thread is worth ~32K nodes+edges of work.
inline constexpr std::int64_t kMinWorkPerThread = 1 << 15;

// Runs body(chunk_index, chunk_begin, chunk_end) over the graph's fixed balanced chunks, in parallel when the
// work is large; Ctrl-C is polled by the calling thread between chunks.
template <class Body>
void for_each_chunk(std::span<const std::int64_t> chunks, std::int64_t work, Body&& body) {
  const std::int64_t nchunks = static_cast<std::int64_t>(chunks.size()) - 1;
  if (nchunks <= 0) return;
  const int threads = threads_for(work, kMinWorkPerThread);
  if (threads <= 1) {
    for (std::int64_t c = 0; c < nchunks; ++c) {
      check_interrupt();
      body(c, chunks[c], chunks[c + 1]);
    }
    return;
  }
  std::atomic<bool> stop{false};
  std::exception_ptr error;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t c = 0; c < nchunks; ++c) {
    if (stop.load(std::memory_order_relaxed)) continue;
    try {
      if (omp_get_thread_num() == 0) check_interrupt();
      body(c, chunks[c], chunks[c + 1]);
    } catch (...) {
#pragma omp critical(fuseflow_graph_error)
      if (!error) error = std::current_exception();
      stop.store(true);
    }
  }
  if (error) std::rethrow_exception(error);
}

}  // namespace fuseflow::exec
