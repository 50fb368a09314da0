// Whole-file access for the graph loaders; failures name the `path` argument.
#pragma once

#include <string>
#include <string_view>

namespace fuseflow {

// A read-only memory map of a whole file (no copy: text parsers read the page cache
// directly). Throws ValueError naming `path` when it cannot be opened or mapped.
class MappedFile {
 public:
  explicit MappedFile(const std::string& path);
  ~MappedFile();
  MappedFile(const MappedFile&) = delete;
  MappedFile& operator=(const MappedFile&) = delete;

  std::string_view text() const noexcept { return {data_, size_}; }

 private:
  const char* data_ = nullptr;
  std::size_t size_ = 0;
};

}  // namespace fuseflow
