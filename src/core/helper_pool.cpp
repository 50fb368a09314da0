// run_with_helpers() (see helper_pool.h): one process-wide set of helper threads, created on
// first use, each spinning briefly after a job (a caller in a loop finds them awake) and then
// sleeping on a condition variable.
#include "fuseflow/core/helper_pool.h"

#include <atomic>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <mutex>
#include <thread>

#include "fuseflow/core/threads.h"

#if defined(__x86_64__) || defined(__i386__)
#include <immintrin.h>
#endif

namespace fuseflow {
namespace {

thread_local bool t_on_helper = false;

inline void cpu_relax() {
#if defined(__x86_64__) || defined(__i386__)
  _mm_pause();
#endif
}

class HelperPool {
 public:
  static HelperPool& instance() {
    // Never destroyed: detached helpers may still wait on its members while the process exits.
    static HelperPool* pool = new HelperPool();
    return *pool;
  }

  void run(int helpers, const std::function<void()>& participant) {
    bool wake = false;
    {
      std::unique_lock<std::mutex> lock(mutex_);  // helpers hold it only to take or skip a job
      if (job_ != nullptr) {
        lock.unlock();
        participant();  // another caller's job is open: no helpers for this one
        return;
      }
      grow(helpers);
      const auto now = std::chrono::steady_clock::now();
      job_ = &participant;
      open_ = helpers;
      posted_ = now;
      generation_.store(generation_.load(std::memory_order_relaxed) + 1, std::memory_order_release);
      // Waking a sleeping helper costs the caller ~15 us on the project's VM (the futex wake of a
      // halted vCPU), more than the small jobs here take, and the helper would arrive too late to
      // help this one. So a lone call leaves sleepers asleep and runs alone; a call soon after
      // another (a loop) wakes them once, and they stay awake (kSpin) for the calls that follow.
      wake = sleepers_ > 0 && now - last_run_ < kSpin;
      last_run_ = now;
    }
    if (wake) wake_.notify_all();
    participant();
    {
      std::lock_guard<std::mutex> lock(mutex_);
      job_ = nullptr;  // helpers waking from now on skip this job
      open_ = 0;
    }
    // Helpers still inside took a block and finish it soon: spin rather than sleep (a sleeping
    // caller's wake-up is the 10-45 us this pool exists to avoid).
    for (int spins = 0; running_.load(std::memory_order_acquire) != 0; ++spins) {
      if (spins < 100000) {
        cpu_relax();
      } else {
        std::this_thread::yield();  // a helper descheduled mid-block: give it the core
      }
    }
  }

 private:
  // How long a helper watches for the next job before sleeping: a caller calling again within
  // this finds it awake (waking a sleeping one cost the caller ~15 us on the project's VM).
  // (Yielding all along, so an idle core is all it takes; OpenMP's default spin is of the same order.)
  static constexpr std::chrono::microseconds kSpin{2000};
  // A helper joins a job only this soon after it was posted (a spinning helper takes ~1 us).
  static constexpr std::chrono::microseconds kLateJoin{5};

  void grow(int helpers) {
    const int limit = max_threads() - 1;
    while (static_cast<int>(count_) < helpers && static_cast<int>(count_) < limit) {
      std::thread(&HelperPool::loop, this).detach();
      ++count_;
    }
  }

  void loop() {
    std::uint64_t seen = generation_.load(std::memory_order_acquire);
    for (;;) {
      const auto until = std::chrono::steady_clock::now() + kSpin;
      // Yielding between checks: a helper just woken may share the caller's core for a while
      // (the scheduler places it there), and its spinning must not slow the caller's work.
      for (int i = 0; generation_.load(std::memory_order_acquire) == seen; ++i) {
        cpu_relax();
        if ((i & 15) == 15) {
          std::this_thread::yield();
          if (std::chrono::steady_clock::now() >= until) break;
        }
      }
      std::unique_lock<std::mutex> lock(mutex_);
      ++sleepers_;
      wake_.wait(lock, [&] { return generation_.load(std::memory_order_relaxed) != seen; });
      --sleepers_;
      seen = generation_.load(std::memory_order_relaxed);
      if (job_ == nullptr || open_ == 0) continue;
      // A helper woken from sleep arrives long after the job was posted: by then it would take
      // the caller's last block and make the caller wait for a thread still warming up (measured:
      // 38-50 us calls against ~18 us serial). It skips the job; it is awake for the next one.
      if (std::chrono::steady_clock::now() - posted_ > kLateJoin) continue;
      --open_;
      running_.fetch_add(1, std::memory_order_relaxed);  // under mutex_: the caller has not closed the job
      const std::function<void()>* job = job_;
      lock.unlock();
      t_on_helper = true;
      (*job)();
      t_on_helper = false;
      running_.fetch_sub(1, std::memory_order_release);
    }
  }

  std::mutex mutex_;
  std::condition_variable wake_;
  const std::function<void()>* job_ = nullptr;  // the open job (guarded by mutex_)
  int open_ = 0;                                // helpers it may still take
  std::chrono::steady_clock::time_point posted_;  // when it was opened
  std::chrono::steady_clock::time_point last_run_;  // when the previous job was opened
  int sleepers_ = 0;                               // helpers waiting on wake_
  std::atomic<int> running_{0};                 // helpers inside it
  std::size_t count_ = 0;                       // helper threads started
  std::atomic<std::uint64_t> generation_{0};    // bumped per job (under mutex_)
};

}  // namespace

void run_with_helpers(int helpers, const std::function<void()>& participant) {
  // In a forked child (threads.h) the parent's helpers do not exist (and the pool's mutex may have
  // been held by one of them at the fork): the caller runs every job alone.
  if (helpers <= 0 || t_on_helper || in_forked_child()) {
    participant();
    return;
  }
  HelperPool::instance().run(helpers, participant);
}

bool on_helper_thread() { return t_on_helper; }

}  // namespace fuseflow
