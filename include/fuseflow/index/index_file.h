// The EmbeddingIndex file format (version 1), little-endian; see docs/index_format.md.
//
//   offset  size  field
//   0       8     magic "FFEMBIDX"
//   8       4     version (uint32) = 1
//   12      4     metric (uint32): 0 cosine, 1 dot, 2 l2
//   16      8     dim (uint64)
//   24      8     stride (uint64): floats per stored row, dim rounded up to a multiple of 16
//   32      8     count (uint64): number of vectors
//   40      8     checksum (uint64) of bytes 0..39 and the whole payload
//   48      16    zero
//   64            payload: count x stride float32 rows (zero padded), then count int64 ids
//
// The payload starts at a 64-byte boundary so a mapped file can be scanned in place.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>

#include "fuseflow/index/embedding_index.h"

namespace fuseflow {

inline constexpr char kIndexMagic[8] = {'F', 'F', 'E', 'M', 'B', 'I', 'D', 'X'};
inline constexpr std::uint32_t kIndexFormatVersion = 1;
inline constexpr std::uint64_t kIndexPayloadOffset = 64;
inline constexpr std::size_t kIndexHeaderChecksummedBytes = 40;
inline constexpr std::int64_t kMaxIndexDim = std::int64_t{1} << 20;

struct IndexFileHeader {
  char magic[8];
  std::uint32_t version;
  std::uint32_t metric;
  std::uint64_t dim;
  std::uint64_t stride;
  std::uint64_t count;
  std::uint64_t checksum;
  std::uint8_t reserved[16];
};
static_assert(sizeof(IndexFileHeader) == kIndexPayloadOffset, "the header fills the first 64 bytes");

struct IndexFileLayout {
  std::uint64_t vector_bytes;  // count * stride * 4
  std::uint64_t id_bytes;      // count * 8
};

IndexFileHeader make_index_header(Metric metric, std::int64_t dim, std::int64_t stride, std::int64_t count);

// Validates magic, version, metric, dim/stride and that the file size matches count exactly;
// throws ValueError on `path` naming what is wrong.
IndexFileLayout check_index_header(const IndexFileHeader& header, std::uint64_t file_bytes, const std::string& path);

// `path` for an error message: valid UTF-8 is kept, every other byte becomes \xNN (a file name
// is any byte string; the message must still decode as UTF-8 in Python).
std::string printable_path(const std::string& path);

// pread until `bytes` are read; false on error or end of file.
bool read_fully(int fd, void* out, std::size_t bytes, std::uint64_t offset);

// A 64-bit checksum over 8-byte words in four independent lanes (so it runs near memory speed).
// Every update must be a multiple of 8 bytes long.
class IndexChecksum {
 public:
  void update(const void* data, std::size_t bytes);
  std::uint64_t digest() const;

 private:
  std::uint64_t lanes_[4] = {0x243F6A8885A308D3ull, 0x13198A2E03707344ull, 0xA4093822299F31D0ull,
                             0x082EFA98EC4E6C89ull};
  std::uint64_t words_ = 0;
};

}  // namespace fuseflow
