// Ctrl-C inside an OpenMP loop (graph construction, graph algorithms). check_interrupt() consults a hook that is
// installed for the calling thread only, and no exception may leave a parallel region; so the
// team's thread 0 (the calling thread) polls, a shared flag tells every thread to skip the rest
// of its work, and the error is rethrown after the region has ended.
#pragma once

#include <omp.h>

#include <atomic>
#include <exception>

#include "fuseflow/core/interrupt.h"

namespace fuseflow {

class ParallelInterrupt {
 public:
  // Call from inside the region (any thread); true when the loop should stop. Cheap: the
  // hook itself runs at most every ~20 ms (check_interrupt's own rate limit).
  bool poll() {
    if (omp_get_thread_num() == 0 && !stop_.load(std::memory_order_relaxed)) {
      try {
        check_interrupt();
      } catch (...) {
        error_ = std::current_exception();  // only thread 0 writes it; read after the region
        stop_.store(true, std::memory_order_relaxed);
      }
    }
    return stop_.load(std::memory_order_relaxed);
  }

  // Cheap check for the other iterations between polls.
  bool stopped() const { return stop_.load(std::memory_order_relaxed); }

  // Call after the region: rethrows the interrupt if one arrived.
  void rethrow() const {
    if (error_) std::rethrow_exception(error_);
  }

 private:
  std::atomic<bool> stop_{false};
  std::exception_ptr error_;
};

}  // namespace fuseflow
