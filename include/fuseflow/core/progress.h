// Progress of one long native call, read by another thread (the Python front end polls it to
// drive a progress bar while the call runs with the GIL released).
//
// The caller owns a ProgressCounter and installs it for the calling thread with ProgressScope;
// kernels reach it through current_progress() (nullptr when nobody asked: every report is then
// one branch). Kernels report at iteration or block granularity, never per element: a report is
// one relaxed atomic store or add. Inside an OpenMP region, read current_progress() on the
// calling thread first (the pointer is thread-local) and pass it in.
#pragma once

#include <atomic>
#include <cstdint>

namespace fuseflow {

class ProgressCounter {
 public:
  // Starts stage `stage` (0, 1, ...) of the call with `total` units (0: unknown); done -> 0.
  // Stages beyond kMaxStages - 1 report as the last one.
  void begin_stage(std::int32_t stage, std::int64_t total) {
    if (stage >= 0 && stage < kMaxStages) stage_totals_[stage].store(total, std::memory_order_relaxed);
    total_.store(total, std::memory_order_relaxed);
    done_.store(0, std::memory_order_relaxed);
    stage_.store(stage, std::memory_order_release);
  }
  void advance(std::int64_t units) { done_.fetch_add(units, std::memory_order_relaxed); }
  void set_done(std::int64_t done) { done_.store(done, std::memory_order_relaxed); }
  // The last iteration's residual (NaN until an iterative kernel reports one).
  void set_residual(double r) { residual_.store(r, std::memory_order_relaxed); }

  std::int32_t stage() const { return stage_.load(std::memory_order_acquire); }
  std::int64_t done() const { return done_.load(std::memory_order_relaxed); }
  std::int64_t total() const { return total_.load(std::memory_order_relaxed); }
  double residual() const { return residual_.load(std::memory_order_relaxed); }
  // The total a stage began with (0 for a stage not reached): lets the reader show the totals
  // of stages that began and ended between two of its polls.
  std::int64_t stage_total(std::int32_t stage) const {
    return stage >= 0 && stage < kMaxStages ? stage_totals_[stage].load(std::memory_order_relaxed) : 0;
  }

  static constexpr std::int32_t kMaxStages = 4;

 private:
  std::atomic<std::int32_t> stage_{-1};  // -1: not started
  std::atomic<std::int64_t> done_{0};
  std::atomic<std::int64_t> total_{0};
  std::atomic<double> residual_{__builtin_nan("")};
  std::atomic<std::int64_t> stage_totals_[kMaxStages] = {};
};

// The counter installed on the calling thread, or nullptr.
ProgressCounter* current_progress();

// RAII: install `counter` (may be nullptr) on the calling thread for one native call.
class ProgressScope {
 public:
  explicit ProgressScope(ProgressCounter* counter);
  ~ProgressScope();
  ProgressScope(const ProgressScope&) = delete;
  ProgressScope& operator=(const ProgressScope&) = delete;

 private:
  ProgressCounter* previous_;
};

// Shorthands for kernels: no-ops when no counter is installed.
inline void progress_begin_stage(std::int32_t stage, std::int64_t total) {
  if (ProgressCounter* p = current_progress()) p->begin_stage(stage, total);
}
inline void progress_iteration(std::int64_t done, double residual) {
  if (ProgressCounter* p = current_progress()) {
    p->set_residual(residual);
    p->set_done(done);
  }
}

}  // namespace fuseflow
