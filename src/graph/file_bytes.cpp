#include "fuseflow/graph/file_bytes.h"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>

#include "fuseflow/core/error.h"

namespace fuseflow {

Buffer<char> read_file_bytes(const std::string& path) {
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> file(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!file) throw_value_error("path", "cannot open '" + path + "': " + std::strerror(errno));
  if (std::fseek(file.get(), 0, SEEK_END) != 0) throw_value_error("path", "cannot seek in '" + path + "'");
  const long size = std::ftell(file.get());
  if (size < 0) throw_value_error("path", "cannot tell the size of '" + path + "' (is it a regular file?)");
  std::rewind(file.get());
  Buffer<char> bytes(static_cast<std::size_t>(size));
  if (size > 0 && std::fread(bytes.data(), 1, bytes.size(), file.get()) != bytes.size()) {
    throw_value_error("path", "could not read all " + std::to_string(size) + " bytes of '" + path + "'");
  }
  return bytes;
}

}  // namespace fuseflow
