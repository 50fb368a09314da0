// IndexFileMapping: a read-only mapping of a whole file that another writer cannot turn into a crash.
//
// The rule (EmbeddingIndex.load(mmap=True), docs/index_format.md "Mapped files"): a mapping
// reflects the file as it is on disk, so a writer that truncates it makes reads past the new end
// raise SIGBUS, and a writer that rewrites it in place changes the data under a running search.
// Neither MAP_PRIVATE (truncation still unmaps its clean pages; unmodified private pages still
// show in-place writes) nor an advisory flock (other writers need not take it) prevents that,
// and a sigsetjmp guard cannot unwind out of OpenMP regions and SIMD kernels. So instead:
//  - a process-wide SIGBUS handler recognises a fault inside a registered mapping, replaces the
//    whole mapping with anonymous zero pages (one mmap(MAP_FIXED) call, async-signal-safe in
//    practice) and marks it faulted; the faulting load then re-executes and reads zeros;
//  - every reader calls check_unchanged() before and after it reads the mapping: it throws
//    ValueError if a fault happened or if fstat of the kept descriptor shows another size,
//    modification time or inode than at load. The zeros read in between are
//    never returned.
// Replacing the file by rename (what EmbeddingIndex.save does) leaves the mapped inode intact,
// so a mapped index keeps serving its own snapshot.
#pragma once

#include <sys/stat.h>

#include <cstddef>
#include <memory>
#include <string>

namespace fuseflow {

class IndexFileMapping {
 public:
  // Maps `bytes` bytes of the open descriptor `fd` read-only (MAP_SHARED: page cache shared with
  // other processes). Takes a duplicate of fd (kept for fstat). Returns null when every guard
  // slot is taken (the caller then reads the file into memory instead); throws ValueError on
  // `path` when mmap fails.
  static std::unique_ptr<IndexFileMapping> map(int fd, std::size_t bytes, const std::string& path);
  ~IndexFileMapping();
  IndexFileMapping(const IndexFileMapping&) = delete;
  IndexFileMapping& operator=(const IndexFileMapping&) = delete;

  const char* data() const { return static_cast<const char*>(base_); }
  std::size_t size() const { return bytes_; }

  // Throws ValueError on `path` if the mapping faulted or the file changed since it was mapped.
  void check_unchanged() const;

 private:
  IndexFileMapping() = default;

  void* base_ = nullptr;
  std::size_t bytes_ = 0;
  int fd_ = -1;
  int slot_ = -1;
  struct stat at_map_ {};
  std::string path_;
};

}  // namespace fuseflow
