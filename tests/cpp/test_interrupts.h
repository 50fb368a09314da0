// Test helpers for Ctrl-C: run a call with an interrupt hook installed and expect kInterrupted.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <thread>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"

namespace fuseflow::testing {

inline std::atomic<int> g_interrupt_hook_calls{0};

inline bool interrupt_always() {
  ++g_interrupt_hook_calls;
  return true;
}

// The hook's first call sleeps past check_interrupt's 20 ms rate limit and says "go on"; the next
// poll asks again and says "stop". A call that never polled after its first poll would finish.
inline bool interrupt_on_second_call() {
  if (g_interrupt_hook_calls++ == 0) {
    std::this_thread::sleep_for(std::chrono::milliseconds(30));
    return false;
  }
  return true;
}

// f() must stop with kInterrupted; `second_poll` uses interrupt_on_second_call, which proves a
// poll happens inside the work after its first one (e.g. inside one iteration or one build).
template <class F>
void expect_interrupted(F f, bool second_poll = false) {
  g_interrupt_hook_calls = 0;
  InterruptScope scope(second_poll ? &interrupt_on_second_call : &interrupt_always);
  // Past the 20 ms rate limit that InterruptScope starts: the call's first poll asks the hook, so
  // a call shorter than 20 ms on a fast idle machine is still interrupted at its first poll.
  std::this_thread::sleep_for(std::chrono::milliseconds(30));
  try {
    f();
    ADD_FAILURE() << "ran to the end: not interrupted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInterrupted) << e.what();
  }
  if (second_poll) {
    EXPECT_EQ(g_interrupt_hook_calls.load(), 2);
  } else {
    EXPECT_GE(g_interrupt_hook_calls.load(), 1);
  }
}

}  // namespace fuseflow::testing
