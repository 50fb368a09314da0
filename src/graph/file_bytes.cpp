#include "fuseflow/graph/file_bytes.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"

namespace fuseflow {

InputFile::InputFile(const std::string& path) : path_(path) {
  fd_ = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd_ < 0) throw_value_error("path", "cannot open '" + path + "': " + std::strerror(errno));
  struct stat info {};
  if (::fstat(fd_, &info) != 0 || !S_ISREG(info.st_mode)) {
    ::close(fd_);
    fd_ = -1;
    throw_value_error("path", "'" + path + "' is not a regular file");
  }
  size_ = static_cast<std::uint64_t>(info.st_size);
}

InputFile::~InputFile() {
  if (fd_ >= 0) ::close(fd_);
}

void InputFile::read_at(std::uint64_t offset, void* dst, std::size_t n) const {
  constexpr std::size_t kPiece = std::size_t{64} << 20;
  auto* out = static_cast<char*>(dst);
  while (n > 0) {
    check_interrupt();
    const ssize_t got = ::pread(fd_, out, std::min(n, kPiece), static_cast<off_t>(offset));
    if (got < 0) {
      if (errno == EINTR) continue;
      throw_value_error("path", "could not read '" + path_ + "': " + std::strerror(errno));
    }
    if (got == 0) {
      throw_value_error("path", "'" + path_ + "' became shorter while being read (truncated by another writer?)");
    }
    out += got;
    offset += static_cast<std::uint64_t>(got);
    n -= static_cast<std::size_t>(got);
  }
}

Buffer<char> InputFile::read_all() const {
  Buffer<char> bytes(static_cast<std::size_t>(size_));
  read_at(0, bytes.data(), bytes.size());
  return bytes;
}

}  // namespace fuseflow
