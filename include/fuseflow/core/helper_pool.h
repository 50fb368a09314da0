// Helper threads that join a caller's work late instead of making the caller wait for them.
//
// An OpenMP region ends at a barrier: the caller waits until every team thread has arrived, so a
// worker that was asleep costs its whole wake-up (measured on the project's 2-core VM: a row
// softmax of (64, 256), ~10 us of work, took 12 us back to back, 31 us after 1 ms idle and 68 us
// after 5 ms idle, against 16-22 us on one thread). That wake-up was the cost. Here the caller starts at once
// and takes work items from a shared counter; a helper that wakes in time takes some too, one
// that wakes after the caller ran out of items finds the job closed and goes back to sleep.
// The caller only waits for helpers that already started an item of its job.
#pragma once

#include <functional>

namespace fuseflow {

// Runs `participant` on the calling thread and on up to `helpers` helper threads (fewer if fewer
// wake while the caller is still inside it). `participant` must take its items from shared state
// until none is left (so any number of participants, 1 included, does all the work) and must not
// throw. Returns when the caller's call and every helper call that started have returned.
// Concurrent callers do not share helpers: a second caller runs `participant` alone.
void run_with_helpers(int helpers, const std::function<void()>& participant);

// True on a helper thread while it runs a participant: threads_for() then returns 1, so steps
// inside do not start parallel regions of their own.
bool on_helper_thread();

}  // namespace fuseflow
