// libFuzzer harness for EmbeddingIndex::load (the index file reader, docs/index_format.md).
// Each input is loaded twice as given (in memory and mapped) and twice with its checksum
// recomputed, so mutations also reach the structural and content checks behind the checksum.
// Every rejection must be a fuseflow::Error; a loaded index is searched and saved once.
#include <sys/mman.h>
#include <unistd.h>

#include <cstdint>
#include <cstring>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/index/embedding_index.h"
#include "fuseflow/index/index_file.h"

namespace {

int scratch_fd() {
  static const int fd = ::memfd_create("fuseflow_index_fuzz", 0);
  return fd;
}

std::string scratch_path() { return "/proc/self/fd/" + std::to_string(scratch_fd()); }

bool write_scratch(const std::uint8_t* data, std::size_t size) {
  const int fd = scratch_fd();
  if (fd < 0 || ::ftruncate(fd, 0) != 0) return false;
  std::size_t done = 0;
  while (done < size) {
    const ssize_t n = ::pwrite(fd, data + done, size - done, static_cast<off_t>(done));
    if (n <= 0) return false;
    done += static_cast<std::size_t>(n);
  }
  return true;
}

void exercise(const std::string& path, bool use_mmap) {
  try {
    fuseflow::EmbeddingIndex index = fuseflow::EmbeddingIndex::load(path, use_mmap);
    // One query (row scan or int8 prefilter) and a batch of 8 (the 4x4 tiles).
    std::vector<float> queries(static_cast<std::size_t>(8 * index.dim()));
    for (std::size_t i = 0; i < queries.size(); ++i) queries[i] = 0.25f - 0.01f * static_cast<float>(i % 7);
    for (std::int64_t nq : {std::int64_t{1}, std::int64_t{8}}) {
      const fuseflow::MatrixView view{queries.data(), false, nq, index.dim(), index.dim(), 1};
      fuseflow::SearchResult result = index.search(view, 3);
      if (result.ids.size() != static_cast<std::size_t>(nq * result.k)) __builtin_trap();
    }
    (void)index.ids();
  } catch (const fuseflow::Error&) {
    // A rejected file: the expected outcome for most inputs.
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > (std::size_t{1} << 20)) return 0;
  if (!write_scratch(data, size)) return 0;
  const std::string path = scratch_path();
  exercise(path, false);
  exercise(path, true);
  if (size >= sizeof(fuseflow::IndexFileHeader)) {
    std::vector<std::uint8_t> fixed(data, data + size);
    fuseflow::IndexChecksum checksum;
    checksum.update(fixed.data(), fuseflow::kIndexHeaderChecksummedBytes);
    const std::size_t payload = (size - fuseflow::kIndexPayloadOffset) / 8 * 8;
    checksum.update(fixed.data() + fuseflow::kIndexPayloadOffset, payload);
    const std::uint64_t digest = checksum.digest();
    std::memcpy(fixed.data() + 40, &digest, sizeof digest);
    if (write_scratch(fixed.data(), fixed.size())) {
      exercise(path, false);
      exercise(path, true);
    }
  }
  return 0;
}
