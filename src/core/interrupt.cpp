#include "fuseflow/core/interrupt.h"

#include <chrono>

#include "fuseflow/core/error.h"

namespace fuseflow {
namespace {

thread_local InterruptHook tls_hook = nullptr;
thread_local std::chrono::steady_clock::time_point tls_last_check{};

}  // namespace

void set_interrupt_hook(InterruptHook hook) { tls_hook = hook; }

void check_interrupt() {
  if (tls_hook == nullptr) return;
  auto now = std::chrono::steady_clock::now();
  if (now - tls_last_check < std::chrono::milliseconds(20)) return;
  tls_last_check = now;
  if (tls_hook()) throw Error(ErrorCode::kInterrupted, "interrupted by the user");
}

InterruptScope::InterruptScope(InterruptHook hook) : previous_(tls_hook) {
  tls_hook = hook;
  tls_last_check = std::chrono::steady_clock::now();
}

InterruptScope::~InterruptScope() { tls_hook = previous_; }

}  // namespace fuseflow
