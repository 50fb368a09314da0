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
  throw_value_error("path", "'" + printable_path(path) + "' is not a valid fuseflow EmbeddingIndex file: " + what);
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

std::string printable_path(const std::string& path) {
  std::string out;
  out.reserve(path.size());
  const auto* p = reinterpret_cast<const unsigned char*>(path.data());
  const std::size_t n = path.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = p[i];
    // Length of a well-formed UTF-8 sequence starting at i (RFC 3629: no overlongs, no
    // surrogates, nothing above U+10FFFF), or 0.
    std::size_t len = 0;
    if (c < 0x80) {
      len = c != 0 ? 1 : 0;
    } else if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
    }
    bool ok = len > 0 && i + len <= n;
    for (std::size_t j = 1; ok && j < len; ++j) ok = (p[i + j] & 0xC0) == 0x80;
    if (ok && len == 3) {
      ok = !(c == 0xE0 && p[i + 1] < 0xA0) && !(c == 0xED && p[i + 1] >= 0xA0);
    } else if (ok && len == 4) {
      ok = !(c == 0xF0 && p[i + 1] < 0x90) && !(c == 0xF4 && p[i + 1] >= 0x90);
    }
    if (ok) {
      out.append(path, i, len);
      i += len;
    } else {
      static const char* hex = "0123456789abcdef";
      out += "\\x";
      out += hex[c >> 4];
      out += hex[c & 15];
      ++i;
    }
  }
  return out;
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
