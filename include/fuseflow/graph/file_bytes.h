// Whole-file access for the graph loaders; failures name the `path` argument.
//
// Files are read with pread(2) into memory, never mapped: a mapping turns a file truncated by
// another process while it is being read into SIGBUS (a crash), a read into a short count that
// becomes a ValueError. Measured (131 MB edge list of 10M edges, 2 threads, on a shared busy
// machine): read_edgelist 1.0-2.0 s against 1.3 s mapped, within that machine's noise; the copy
// costs one file-sized buffer while the file is parsed.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "fuseflow/core/buffer.h"

namespace fuseflow {

class InputFile {
 public:
  // Throws ValueError naming `path` when it cannot be opened or is not a regular file.
  explicit InputFile(const std::string& path);
  ~InputFile();
  InputFile(const InputFile&) = delete;
  InputFile& operator=(const InputFile&) = delete;

  // Size when opened.
  std::uint64_t size() const noexcept { return size_; }

  // Reads exactly n bytes at offset; ValueError naming `path` when the file is shorter now
  // (truncated by another writer) or the read fails. Polls Ctrl-C between 64 MiB pieces.
  void read_at(std::uint64_t offset, void* dst, std::size_t n) const;

  // The whole file (size() bytes); the same errors as read_at.
  Buffer<char> read_all() const;

 private:
  std::string path_;
  int fd_ = -1;
  std::uint64_t size_ = 0;
};

inline std::string_view as_text(const Buffer<char>& bytes) { return {bytes.data(), bytes.size()}; }

}  // namespace fuseflow
