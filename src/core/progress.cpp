#include "fuseflow/core/progress.h"

namespace fuseflow {
namespace {

// Thread-local like the interrupt hook: concurrent calls from different threads each report
// to their own counter.
thread_local ProgressCounter* tls_progress = nullptr;

}  // namespace

ProgressCounter* current_progress() { return tls_progress; }

ProgressScope::ProgressScope(ProgressCounter* counter) : previous_(tls_progress) { tls_progress = counter; }

ProgressScope::~ProgressScope() { tls_progress = previous_; }

}  // namespace fuseflow
