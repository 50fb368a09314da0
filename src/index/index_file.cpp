#include "fuseflow/index/index_file.h"

#include <unistd.h>

#include <bit>
#include <cstring>

#include "fuseflow/core/error.h"
#include "fuseflow/kernels/similarity.h"

namespace fuseflow {

static_assert(std::endian::native == std::endian::little, "the index file format is little-endian");

namespace {

inline std::uint64_t mix(std::uint64_t h, std::uint64_t word) {
  h = (h ^ word) * 0x9E3779B97F4A7C15ull;
  return h ^ (h >> 29);
}

[[noreturn]] void corrupted(const std::string& path, const std::string& what) {
  throw_value_error("path", "'" + path + "' is not a valid fuseflow EmbeddingIndex file: " + what);
}

}  // namespace

IndexFileHeader make_index_header(Metric metric, std::int64_t dim, std::int64_t stride, std::int64_t count) {
  IndexFileHeader header{};
  std::memcpy(header.magic, kIndexMagic, sizeof header.magic);
  header.version = kIndexFormatVersion;
  header.metric = static_cast<std::uint32_t>(metric);
  header.dim = static_cast<std::uint64_t>(dim);
  header.stride = static_cast<std::uint64_t>(stride);
  header.count = static_cast<std::uint64_t>(count);
  return header;
}

IndexFileLayout check_index_header(const IndexFileHeader& header, std::uint64_t file_bytes, const std::string& path) {
  if (std::memcmp(header.magic, kIndexMagic, sizeof header.magic) != 0) corrupted(path, "bad magic bytes");
  if (header.version != kIndexFormatVersion) {
    corrupted(path, "unsupported format version " + std::to_string(header.version) + " (this build reads " +
                        std::to_string(kIndexFormatVersion) + ")");
  }
  if (header.metric > 2) corrupted(path, "unknown metric code " + std::to_string(header.metric));
  if (header.dim < 1 || header.dim > static_cast<std::uint64_t>(kMaxIndexDim)) {
    corrupted(path, "dim " + std::to_string(header.dim) + " out of range");
  }
  const std::uint64_t m = kernels::kSimilarityLengthMultiple;
  if (header.stride != (header.dim + m - 1) / m * m) corrupted(path, "stride does not match dim");
  const std::uint64_t row_bytes = header.stride * sizeof(float) + sizeof(std::int64_t);
  const std::uint64_t payload = file_bytes - kIndexPayloadOffset;  // file_bytes >= 64 checked by the caller
  if (header.count > payload / row_bytes || header.count * row_bytes != payload) {
    corrupted(path, "size " + std::to_string(file_bytes) + " bytes does not match " + std::to_string(header.count) +
                        " vectors (truncated or extra bytes)");
  }
  return {header.count * header.stride * sizeof(float), header.count * sizeof(std::int64_t)};
}

bool read_fully(int fd, void* out, std::size_t bytes, std::uint64_t offset) {
  auto* p = static_cast<char*>(out);
  while (bytes > 0) {
    const ssize_t got = ::pread(fd, p, bytes, static_cast<off_t>(offset));
    if (got <= 0) return false;
    p += got;
    bytes -= static_cast<std::size_t>(got);
    offset += static_cast<std::uint64_t>(got);
  }
  return true;
}

void IndexChecksum::update(const void* data, std::size_t bytes) {
  const auto* p = static_cast<const unsigned char*>(data);
  const std::size_t words = bytes / 8;
  std::size_t i = 0;
  auto load = [&](std::size_t w) {
    std::uint64_t v;
    std::memcpy(&v, p + 8 * w, 8);
    return v;
  };
  for (; i < words && (words_ & 3) != 0; ++i, ++words_) lanes_[words_ & 3] = mix(lanes_[words_ & 3], load(i));
  std::uint64_t a = lanes_[0], b = lanes_[1], c = lanes_[2], d = lanes_[3];
  for (; i + 4 <= words; i += 4, words_ += 4) {
    a = mix(a, load(i));
    b = mix(b, load(i + 1));
    c = mix(c, load(i + 2));
    d = mix(d, load(i + 3));
  }
  lanes_[0] = a, lanes_[1] = b, lanes_[2] = c, lanes_[3] = d;
  for (; i < words; ++i, ++words_) lanes_[words_ & 3] = mix(lanes_[words_ & 3], load(i));
}

std::uint64_t IndexChecksum::digest() const {
  std::uint64_t h = mix(0x9E3779B97F4A7C15ull, words_);
  for (std::uint64_t lane : lanes_) h = mix(h, lane);
  return mix(h, h >> 32);
}

}  // namespace fuseflow
