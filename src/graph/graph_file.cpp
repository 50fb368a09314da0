#include "fuseflow/graph/graph_file.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <bit>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstring>
#include <memory>
#include <utility>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/graph/file_bytes.h"

namespace fuseflow {
namespace {

static_assert(std::endian::native == std::endian::little, "graph files are little-endian");

constexpr char kMagic[8] = {'F', 'F', 'G', 'R', 'A', 'P', 'H', '\0'};
// Version 1: CSR + CSC. Version 2 adds the user edge order (int64[E], after the CSC), written
// only when it is not the CSR order, so graphs built in CSR order still give version-1 files.
constexpr std::uint32_t kVersion = 1;
constexpr std::uint32_t kVersionEdgeOrder = 2;
constexpr std::uint32_t kFlagWeighted = 1;
constexpr std::uint32_t kFlagEdgeOrder = 2;
constexpr std::uint64_t kPayloadSeed = 0x6675736566'6c6f77ull;  // "fuseflow"
constexpr std::uint64_t kHeaderSeed = 0x6865616465'72ull;       // "header"

struct Header {
  char magic[8];
  std::uint32_t version;
  std::uint32_t flags;
  std::int64_t num_nodes;
  std::int64_t num_edges;
  std::uint64_t payload_checksum;
  std::uint64_t header_checksum;  // of the 40 bytes before it
  std::uint8_t reserved[16];
};
static_assert(sizeof(Header) == 64);
constexpr std::size_t kHeaderChecked = offsetof(Header, header_checksum);

std::uint64_t rotl(std::uint64_t x, int r) { return (x << r) | (x >> (64 - r)); }

constexpr std::uint64_t kPrime1 = 0x9E3779B185EBCA87ull;
constexpr std::uint64_t kPrime2 = 0xC2B2AE3D27D4EB4Full;

std::uint64_t mix_lane(std::uint64_t lane, std::uint64_t word) { return rotl(lane + word * kPrime2, 31) * kPrime1; }

// Accumulates the checksum over consecutive byte ranges (CSR arrays are written one after the
// other); bytes not yet forming a 32-byte block wait in `pending`.
class Checksum {
 public:
  explicit Checksum(std::uint64_t seed) : lanes_{seed + kPrime1 + kPrime2, seed + kPrime2, seed, seed - kPrime1} {}

  void update(const void* data, std::size_t size) {
    const auto* p = static_cast<const unsigned char*>(data);
    total_ += size;
    while (size > 0 && pending_size_ > 0) {
      pending_[pending_size_++] = *p++;
      --size;
      if (pending_size_ == 32) {
        block(pending_);
        pending_size_ = 0;
      }
    }
    if (pending_size_ > 0) return;  // all of this range went into the partial block
    while (size >= 32) {
      block(p);
      p += 32;
      size -= 32;
    }
    if (size > 0) std::memcpy(pending_, p, size);  // p may be null for an empty array
    pending_size_ = size;
  }

  std::uint64_t finish() const {
    std::uint64_t h = rotl(lanes_[0], 1) + rotl(lanes_[1], 7) + rotl(lanes_[2], 12) + rotl(lanes_[3], 18);
    for (std::size_t i = 0; i < pending_size_; ++i) h = rotl(h ^ (pending_[i] * kPrime1), 11) * kPrime2;
    h ^= total_;
    h ^= h >> 33;
    h *= kPrime2;
    h ^= h >> 29;
    return h;
  }

 private:
  void block(const unsigned char* p) {
    std::uint64_t w[4];
    std::memcpy(w, p, 32);
    for (int i = 0; i < 4; ++i) lanes_[i] = mix_lane(lanes_[i], w[i]);
  }

  std::uint64_t lanes_[4];
  unsigned char pending_[32] = {};
  std::size_t pending_size_ = 0;
  std::uint64_t total_ = 0;
};

template <class T>
std::size_t bytes_of(std::span<const T> s) {
  return s.size() * sizeof(T);
}

[[noreturn]] void corrupted(const std::string& path, const std::string& what) {
  throw_value_error("path", "'" + path + "' is not a valid fuseflow graph file: " + what);
}

// mkstemp creates files 0600: a replaced file keeps its permissions, a new one gets 0644
// (umask() cannot be read without setting it, which would race with other threads).
mode_t saved_file_mode(const std::string& path) {
  struct stat info {};
  if (::stat(path.c_str(), &info) == 0 && S_ISREG(info.st_mode)) return info.st_mode & 07777;
  return 0644;
}

}  // namespace

std::uint64_t checksum64(std::span<const unsigned char> bytes, std::uint64_t seed) {
  Checksum c(seed);
  c.update(bytes.data(), bytes.size());
  return c.finish();
}

// Written to a temporary file in the same directory, flushed to disk, then renamed over `path`:
// a save that fails (disk full, size limit, Ctrl-C) leaves any previous file at `path` intact.
void save_graph(const Graph& g, const std::string& path) {
  Header h{};
  std::memcpy(h.magic, kMagic, sizeof(kMagic));
  const bool ordered = !g.user_order_is_csr();
  h.version = ordered ? kVersionEdgeOrder : kVersion;
  h.flags = (g.has_weights() ? kFlagWeighted : 0) | (ordered ? kFlagEdgeOrder : 0);
  h.num_nodes = g.num_nodes();
  h.num_edges = g.num_edges();
  // The payload in file order: CSR, then CSC (so loading needs no sort), then the edge order.
  const std::pair<const void*, std::size_t> arrays[] = {
      {g.out_offsets().data(), bytes_of(g.out_offsets())}, {g.out_targets().data(), bytes_of(g.out_targets())},
      {g.out_weights().data(), bytes_of(g.out_weights())}, {g.in_offsets().data(), bytes_of(g.in_offsets())},
      {g.in_sources().data(), bytes_of(g.in_sources())},   {g.in_weights().data(), bytes_of(g.in_weights())},
      {g.user_edge_ids().data(), bytes_of(g.user_edge_ids())}};
  Checksum payload(kPayloadSeed);
  for (auto [data, size] : arrays) payload.update(data, size);
  h.payload_checksum = payload.finish();
  h.header_checksum = checksum64({reinterpret_cast<const unsigned char*>(&h), kHeaderChecked}, kHeaderSeed);

  // Renaming over a device or a directory would replace it: only regular files are replaced.
  struct stat existing {};
  if (::stat(path.c_str(), &existing) == 0 && !S_ISREG(existing.st_mode)) {
    throw_value_error("path", "'" + path + "' exists and is not a regular file");
  }
  std::string temp = path + ".tmp-XXXXXX";
  const int fd = ::mkstemp(temp.data());
  if (fd < 0) throw_value_error("path", "cannot create a temporary file next to '" + path + "': " + std::strerror(errno));
  auto fail = [&](const std::string& what, int error) {
    ::close(fd);
    ::unlink(temp.c_str());
    throw_value_error("path", "could not write '" + path + "' (" + what + "): " + std::strerror(error) +
                                  "; any previous file there is unchanged");
  };
  auto write = [&](const void* data, std::size_t size) {
    const auto* p = static_cast<const char*>(data);
    while (size > 0) {
      const ssize_t put = ::write(fd, p, std::min<std::size_t>(size, std::size_t{64} << 20));
      if (put < 0) {
        if (errno == EINTR) continue;
        fail("write", errno);
      }
      p += put;
      size -= static_cast<std::size_t>(put);
      try {
        check_interrupt();
      } catch (...) {
        ::close(fd);
        ::unlink(temp.c_str());
        throw;
      }
    }
  };
  write(&h, sizeof(h));
  for (auto [data, size] : arrays) write(data, size);
  if (::fchmod(fd, saved_file_mode(path)) != 0) fail("chmod", errno);
  if (::fsync(fd) != 0) fail("fsync", errno);
  if (::close(fd) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw_value_error("path", "could not write '" + path + "': " + std::strerror(error));
  }
  if (::rename(temp.c_str(), path.c_str()) != 0) {
    const int error = errno;
    ::unlink(temp.c_str());
    throw_value_error("path", "could not replace '" + path + "': " + std::strerror(error));
  }
}

// Reads the header first and checks the sizes it announces against the file's size before
// allocating anything; then reads each array straight into its buffer (pread: a file
// truncated meanwhile gives a ValueError, not SIGBUS) and validates the structure.
std::shared_ptr<const Graph> load_graph(const std::string& path) {
  const InputFile file(path);
  if (file.size() < sizeof(Header)) corrupted(path, "shorter than the 64-byte header (truncated?)");
  Header h;
  file.read_at(0, &h, sizeof(h));
  if (std::memcmp(h.magic, kMagic, sizeof(kMagic)) != 0) corrupted(path, "wrong magic bytes (not written by Graph.save)");
  if (checksum64({reinterpret_cast<const unsigned char*>(&h), kHeaderChecked}, kHeaderSeed) != h.header_checksum) {
    corrupted(path, "header checksum mismatch (corrupted)");
  }
  if (h.version != kVersion && h.version != kVersionEdgeOrder) corrupted(path, "unsupported version " + std::to_string(h.version));
  if ((h.flags & ~(kFlagWeighted | kFlagEdgeOrder)) != 0 || ((h.flags & kFlagEdgeOrder) != 0) != (h.version == kVersionEdgeOrder)) {
    corrupted(path, "unknown flags " + std::to_string(h.flags) + " for version " + std::to_string(h.version));
  }
  if (h.num_nodes < 0 || h.num_edges < 0 || h.num_nodes >= (std::int64_t{1} << 31) || h.num_edges >= (std::int64_t{1} << 40)) {
    corrupted(path, "impossible node or edge count in the header");
  }
  const bool weighted = (h.flags & kFlagWeighted) != 0;
  const bool ordered = (h.flags & kFlagEdgeOrder) != 0;
  const auto n = static_cast<std::uint64_t>(h.num_nodes);
  const auto m = static_cast<std::uint64_t>(h.num_edges);
  const std::uint64_t edge_bytes = m * 4 + (weighted ? m * 8 : 0);
  const std::uint64_t expected = sizeof(Header) + 2 * ((n + 1) * 8 + edge_bytes) + (ordered ? m * 8 : 0);
  if (file.size() != expected) {
    corrupted(path, "size " + std::to_string(file.size()) + " bytes does not match the header's " +
                        std::to_string(expected) + " (truncated or corrupted)");
  }
  check_fits_in_memory(expected + graph_bytes_estimate(h.num_nodes, h.num_edges, weighted),
                       "Graph.load: '" + path + "' (" + std::to_string(n) + " nodes, " + std::to_string(m) + " edges)");

  std::uint64_t at = sizeof(Header);
  Checksum payload(kPayloadSeed);
  auto take = [&]<class T>(Buffer<T>& out, std::uint64_t count) {
    out = Buffer<T>(static_cast<std::size_t>(count));
    file.read_at(at, out.data(), static_cast<std::size_t>(count * sizeof(T)));
    payload.update(out.data(), static_cast<std::size_t>(count * sizeof(T)));
    at += count * sizeof(T);
  };
  GraphArrays arrays;
  arrays.num_nodes = h.num_nodes;
  take(arrays.out_offsets, n + 1);
  take(arrays.out_targets, m);
  if (weighted) take(arrays.out_weights, m);
  take(arrays.in_offsets, n + 1);
  take(arrays.in_sources, m);
  if (weighted) take(arrays.in_weights, m);
  if (ordered) take(arrays.user_edge_ids, m);
  if (payload.finish() != h.payload_checksum) corrupted(path, "payload checksum mismatch (corrupted)");
  try {
    return Graph::from_arrays(std::move(arrays));
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kInvalidValue) throw;
    corrupted(path, e.what());  // e.g. a node id >= num_nodes or a CSC that disagrees with the CSR
  }
}

}  // namespace fuseflow
