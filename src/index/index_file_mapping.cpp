#include "index_file_mapping.h"

#include <fcntl.h>
#include <pthread.h>
#include <signal.h>
#include <sys/mman.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <mutex>

#include "fuseflow/core/error.h"
#include "fuseflow/index/index_file.h"

namespace fuseflow {
namespace {

// Registered mappings, read by the signal handler: lock-free atomics only. 256 indexes mapped
// at once is far beyond use; past that load copies into memory.
constexpr int kSlots = 256;
struct Slot {
  std::atomic<std::uintptr_t> begin{0};  // 0: free
  std::atomic<std::uintptr_t> end{0};
  std::atomic<bool> faulted{false};
};
Slot g_slots[kSlots];
static_assert(std::atomic<std::uintptr_t>::is_always_lock_free && std::atomic<bool>::is_always_lock_free,
              "the SIGBUS handler needs lock-free atomics");

struct sigaction g_previous {};
std::once_flag g_install_once;

void chain_to_previous(int signo, siginfo_t* info, void* context) {
  if ((g_previous.sa_flags & SA_SIGINFO) != 0 && g_previous.sa_sigaction != nullptr) {
    g_previous.sa_sigaction(signo, info, context);
  } else if (g_previous.sa_handler == SIG_IGN) {
    return;  // the fault re-executes; SIG_IGN on a fault is the previous owner's choice
  } else if (g_previous.sa_handler == SIG_DFL || g_previous.sa_handler == nullptr) {
    // Not ours: the default action, as without this handler (raise: a sent signal would not
    // re-occur on return; SA_NODEFER keeps it unblocked, so it is delivered at once).
    signal(signo, SIG_DFL);
    raise(signo);
  } else {
    g_previous.sa_handler(signo);
  }
}

void on_sigbus(int signo, siginfo_t* info, void* context) {
  const int saved_errno = errno;
  const auto address = reinterpret_cast<std::uintptr_t>(info != nullptr ? info->si_addr : nullptr);
  if (info != nullptr && info->si_code > 0) {  // a real fault (not kill/raise)
    for (Slot& slot : g_slots) {
      const std::uintptr_t begin = slot.begin.load(std::memory_order_acquire);
      const std::uintptr_t end = slot.end.load(std::memory_order_acquire);
      if (begin == 0 || address < begin || address >= end) continue;
      // The file shrank under the mapping. Zero pages over all of it (one call, so a scan does
      // not fault once per page); readers see the flag at their next check_unchanged().
      slot.faulted.store(true, std::memory_order_release);
      void* fixed = ::mmap(reinterpret_cast<void*>(begin), end - begin, PROT_READ,
                           MAP_PRIVATE | MAP_ANONYMOUS | MAP_FIXED, -1, 0);
      if (fixed == MAP_FAILED) break;  // cannot repair: let the default action happen
      errno = saved_errno;
      return;
    }
  }
  errno = saved_errno;
  chain_to_previous(signo, info, context);
}

std::mutex g_claim_mutex;  // claims and releases only; the handler never locks

// A fork() while another thread claims or releases a slot (loads or drops a mapped index) would
// copy the lock taken into the child, whose next load would block forever: the forking thread
// takes it around the fork (as block_cache.cpp does for its own).
void lock_claims_for_fork() { g_claim_mutex.lock(); }
void unlock_claims_after_fork() { g_claim_mutex.unlock(); }

void install_handler() {
  pthread_atfork(lock_claims_for_fork, unlock_claims_after_fork, unlock_claims_after_fork);
  struct sigaction action {};
  action.sa_sigaction = &on_sigbus;
  action.sa_flags = SA_SIGINFO | SA_NODEFER | SA_ONSTACK;
  sigemptyset(&action.sa_mask);
  if (::sigaction(SIGBUS, &action, &g_previous) != 0) g_previous = {};
}

int claim_slot(std::uintptr_t begin, std::uintptr_t end) {
  std::lock_guard lock(g_claim_mutex);
  for (int i = 0; i < kSlots; ++i) {
    if (g_slots[i].begin.load(std::memory_order_relaxed) != 0) continue;
    // end and the cleared flag are published by the release store of begin.
    g_slots[i].end.store(end, std::memory_order_relaxed);
    g_slots[i].faulted.store(false, std::memory_order_relaxed);
    g_slots[i].begin.store(begin, std::memory_order_release);
    return i;
  }
  return -1;
}

// Size and modification time: every write and truncation updates them. Not the change time:
// unlinking or renaming over the file (how save() replaces it) changes that, and the mapped
// inode stays intact then.
bool same_file_state(const struct stat& a, const struct stat& b) {
  return a.st_ino == b.st_ino && a.st_dev == b.st_dev && a.st_size == b.st_size &&
         a.st_mtim.tv_sec == b.st_mtim.tv_sec && a.st_mtim.tv_nsec == b.st_mtim.tv_nsec;
}

}  // namespace

std::unique_ptr<IndexFileMapping> IndexFileMapping::map(int fd, std::size_t bytes, const std::string& path) {
  std::call_once(g_install_once, install_handler);
  std::unique_ptr<IndexFileMapping> file(new IndexFileMapping());
  file->path_ = path;
  file->bytes_ = bytes;
  file->fd_ = ::fcntl(fd, F_DUPFD_CLOEXEC, 0);
  if (file->fd_ < 0) throw_value_error("path", "cannot keep '" + printable_path(path) + "' open: " + std::strerror(errno));
  if (::fstat(file->fd_, &file->at_map_) != 0) {
    throw_value_error("path", "cannot stat '" + printable_path(path) + "': " + std::strerror(errno));
  }
  void* base = ::mmap(nullptr, bytes, PROT_READ, MAP_SHARED, file->fd_, 0);
  if (base == MAP_FAILED) throw_value_error("path", "cannot map '" + printable_path(path) + "': " + std::strerror(errno));
  file->base_ = base;
  const auto begin = reinterpret_cast<std::uintptr_t>(base);
  const std::size_t page = static_cast<std::size_t>(::sysconf(_SC_PAGESIZE));
  file->slot_ = claim_slot(begin, begin + (bytes + page - 1) / page * page);
  if (file->slot_ < 0) return nullptr;  // unguarded mappings are never handed out
  return file;
}

IndexFileMapping::~IndexFileMapping() {
  if (slot_ >= 0) {
    // Unregister before unmapping: the range may be reused by the next mmap.
    std::lock_guard lock(g_claim_mutex);
    g_slots[slot_].begin.store(0, std::memory_order_release);
  }
  if (base_ != nullptr) ::munmap(base_, bytes_);
  if (fd_ >= 0) ::close(fd_);
}

void IndexFileMapping::check_unchanged() const {
  struct stat now {};
  const bool faulted = slot_ >= 0 && g_slots[slot_].faulted.load(std::memory_order_acquire);
  if (faulted || ::fstat(fd_, &now) != 0 || !same_file_state(now, at_map_)) {
    throw_value_error("path", "'" + printable_path(path_) +
                                  "' was truncated or modified by another writer after EmbeddingIndex.load(mmap=True) "
                                  "mapped it; the mapped index is no longer valid: load the file again");
  }
}

}  // namespace fuseflow
