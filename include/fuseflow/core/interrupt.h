// Cooperative interruption. Long runs call check_interrupt() at loop-iteration and block
// boundaries on the calling thread; the Python binding installs a hook that asks the
// interpreter for pending signals (Ctrl-C), so a run stops with ErrorCode::kInterrupted.
#pragma once

namespace fuseflow {

using InterruptHook = bool (*)();  // returns true when the run should stop

// Installs the hook for the calling thread only (the thread that entered the run).
void set_interrupt_hook(InterruptHook hook);

// Throws Error(kInterrupted) when the hook reports an interrupt. Cheap: the hook itself is
// consulted at most every ~20 ms.
void check_interrupt();

// RAII: install a hook for the duration of one native call.
class InterruptScope {
 public:
  explicit InterruptScope(InterruptHook hook);
  ~InterruptScope();
  InterruptScope(const InterruptScope&) = delete;
  InterruptScope& operator=(const InterruptScope&) = delete;

 private:
  InterruptHook previous_;
};

}  // namespace fuseflow
