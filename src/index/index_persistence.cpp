// EmbeddingIndex::save and EmbeddingIndex::load (format: docs/index_format.md).
#include "fuseflow/index/embedding_index.h"

#include <fcntl.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <cstring>
#include <limits>
#include <mutex>
#include <shared_mutex>
#include <utility>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/kernels/similarity.h"
#include "fuseflow/kernels/topk_select.h"
#include "index_internal.h"
#include "fuseflow/index/index_file.h"
#include "index_file_mapping.h"

namespace fuseflow {

using namespace index_detail;

namespace {

// Temporary names are unique per process and per call: two threads may save to one path.
std::atomic<std::uint64_t> g_save_counter{0};

// The rules validate_loaded_rows applies to row r (false: broken). Cosine rows are stored
// normalised; float32 rounding of a normalised row leaves | |x|^2 - 1 | <= ~(dim/N + 3) * 2^-24
// (the square sum itself is float64), so 1e-5 is generous and still rejects any row that was not
// normalised. l2 rows must have a float32 squared norm (the batch bounds use it), as add requires.
constexpr double kCosineSqNormTolerance = 1e-5;

}  // namespace

void EmbeddingIndex::save(const std::string& path) const {
  std::shared_lock guard(*lock_);
  check_mapping();
  const std::string shown = printable_path(path);
  // Write a temporary file and rename it over `path`: a reader (or this index) may have `path`
  // mapped, and truncating a mapped file would make its pages fault. Rename is atomic.
  const std::string temporary =
      path + ".tmp-" + std::to_string(::getpid()) + "-" + std::to_string(g_save_counter.fetch_add(1));
  std::FILE* file = std::fopen(temporary.c_str(), "wb");
  if (file == nullptr) throw_value_error("path", "cannot open '" + shown + "' for writing: " + std::strerror(errno));
  IndexFileHeader header = make_index_header(metric_, dim_, stride_, live_count());
  IndexChecksum checksum;
  checksum.update(&header, kIndexHeaderChecksummedBytes);
  bool ok = true;
  auto write = [&](const void* data, std::size_t bytes) {
    if (ok && bytes > 0 && std::fwrite(data, 1, bytes, file) != bytes) ok = false;
  };
  try {
    // The header's checksum field is filled in after the payload, so write a placeholder first.
    write(&header, sizeof header);
    for (std::int64_t r = 0; r < rows_; ++r) {
      if ((r & 1023) == 0) check_interrupt();
      if (alive_[r] == 0) continue;
      const std::size_t bytes = static_cast<std::size_t>(stride_) * sizeof(float);
      checksum.update(row(r), bytes);
      write(row(r), bytes);
    }
    check_mapping();  // never write zeros read from a mapped file that shrank
  } catch (...) {
    std::fclose(file);
    std::remove(temporary.c_str());
    throw;
  }
  Buffer<std::int64_t> ids_written = live_ids();
  checksum.update(ids_written.data(), ids_written.size() * sizeof(std::int64_t));
  write(ids_written.data(), ids_written.size() * sizeof(std::int64_t));
  header.checksum = checksum.digest();
  if (ok && std::fseek(file, 0, SEEK_SET) != 0) ok = false;
  write(&header, sizeof header);
  if (std::fclose(file) != 0) ok = false;
  const int write_errno = errno;
  if (ok && std::rename(temporary.c_str(), path.c_str()) != 0) {
    const int rename_errno = errno;
    std::remove(temporary.c_str());
    throw_value_error("path", "could not replace '" + shown + "': " + std::strerror(rename_errno));
  }
  if (!ok) {
    std::remove(temporary.c_str());
    throw_value_error("path", "could not write '" + shown + "': " + std::strerror(write_errno));
  }
}

void EmbeddingIndex::validate_loaded_rows(const std::string& path) const {
  const std::int64_t count = rows_;
  auto broken = [&](std::int64_t r, std::string* why) {
    const float* x = row(r);
    for (std::int64_t c = 0; c < dim_; ++c) {
      if (!std::isfinite(x[c])) {
        if (why) *why = "vector " + std::to_string(r) + " (id " + std::to_string(ids_[r]) + ") has a non-finite value " +
                        fmt_value(x[c]) + " in column " + std::to_string(c);
        return true;
      }
    }
    for (std::int64_t c = dim_; c < stride_; ++c) {
      std::uint32_t bits;
      std::memcpy(&bits, x + c, sizeof bits);
      if (bits != 0) {
        if (why) *why = "vector " + std::to_string(r) + " has non-zero padding in column " + std::to_string(c) +
                        " (columns dim.." + std::to_string(stride_ - 1) + " must be zero)";
        return true;
      }
    }
    const double sq = sum_squares(x, dim_);
    if (metric_ == Metric::kCosine && !(std::abs(sq - 1.0) <= kCosineSqNormTolerance)) {
      if (why) *why = "vector " + std::to_string(r) + " of a cosine index is not normalised: |x|^2 = " + fmt_value(sq) +
                      " (must be 1 within 1e-5)";
      return true;
    }
    if (metric_ == Metric::kL2 && !std::isfinite(static_cast<float>(sq))) {
      if (why) *why = "vector " + std::to_string(r) + " of an l2 index overflows float32 when squared";
      return true;
    }
    return false;
  };
  std::atomic<std::int64_t> first_bad{count};
  ParallelInterrupt interrupt;
#pragma omp parallel for schedule(static) num_threads(threads_for(count * dim_, kMinFloatsPerThread))
  for (std::int64_t r = 0; r < count; ++r) {
    if ((r & 1023) == 0 && interrupt.poll()) continue;
    if (broken(r, nullptr)) {
      std::int64_t seen = first_bad.load();
      while (r < seen && !first_bad.compare_exchange_weak(seen, r)) {
      }
    }
  }
  interrupt.rethrow();
  if (first_bad.load() < count) {
    std::string why;
    broken(first_bad.load(), &why);
    throw_value_error("path", "'" + printable_path(path) + "' is not a valid fuseflow EmbeddingIndex file: " + why);
  }
}

EmbeddingIndex EmbeddingIndex::load(const std::string& path, bool use_mmap) {
  const std::string shown = printable_path(path);
  const int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) throw_value_error("path", "cannot open '" + shown + "': " + std::strerror(errno));
  struct FdCloser {
    int fd;
    ~FdCloser() { ::close(fd); }
  } closer{fd};
  struct stat info {};
  if (::fstat(fd, &info) != 0) throw_value_error("path", "cannot stat '" + shown + "': " + std::strerror(errno));
  if (!S_ISREG(info.st_mode)) throw_value_error("path", "'" + shown + "' is not a regular file");
  const auto file_bytes = static_cast<std::uint64_t>(info.st_size);

  IndexFileHeader header{};
  if (file_bytes < sizeof header) {
    throw_value_error("path", "'" + shown + "' is truncated: " + std::to_string(file_bytes) +
                                  " bytes, the header alone needs " + std::to_string(sizeof header));
  }
  if (!read_fully(fd, &header, sizeof header, 0)) throw_value_error("path", "cannot read the header of '" + shown + "'");
  // Sizes are checked against the file before anything is allocated: a header cannot ask for
  // more memory than the file holds.
  const IndexFileLayout layout = check_index_header(header, file_bytes, path);

  EmbeddingIndex index(static_cast<std::int64_t>(header.dim), static_cast<Metric>(header.metric));
  const std::int64_t count = static_cast<std::int64_t>(header.count);
  const std::size_t vector_bytes = static_cast<std::size_t>(layout.vector_bytes);
  if (use_mmap && count > 0) {
    index.mapping_ = IndexFileMapping::map(fd, static_cast<std::size_t>(file_bytes), path);  // null: no guard slot left
  }
  const std::string of = " of " + std::to_string(count) + " vectors (dim " + std::to_string(index.dim_) + ")";
  const float* vectors = nullptr;
  if (index.mapping_ != nullptr) {
    vectors = reinterpret_cast<const float*>(index.mapping_->data() + kIndexPayloadOffset);
    // Column buffers are always owned (they are small next to the vectors).
    index.ids_ = allocate<std::int64_t>(count, "the ids" + of);
    index.alive_ = allocate<std::uint8_t>(count, "the tombstones" + of);
    index.sq_norms_ = allocate<float>(count, "the norms" + of);
    index.q8_ = allocate<std::int8_t>(checked_count(count, index.stride8_, "the int8 rows" + of), "the int8 rows" + of);
    advise_huge_pages(index.q8_);
    index.q8_scale_ = allocate<float>(count, "the int8 scales" + of);
    index.q8_sum_ = allocate<std::int32_t>(count, "the int8 sums" + of);
    index.q8_l1_term_ = allocate<float>(count, "the int8 bounds" + of);
    index.q8_norm_term_ = allocate<float>(count, "the int8 bounds" + of);
    index.q8_error_norm_ = allocate<float>(count, "the int8 bounds" + of);
    index.norms_ = allocate<float>(count, "the norms" + of);
  } else {
    // Exactly `count` rows: a loaded file never costs more memory than it holds (plus the
    // int8 copy); growth room comes with the first add.
    if (count > 0) index.reserve_rows(count, /*exact=*/true);
    // In 64 MB reads, so Ctrl-C is seen between them.
    constexpr std::size_t kStep = std::size_t{64} << 20;
    auto* out = reinterpret_cast<char*>(index.store_.data());
    for (std::size_t done = 0; done < vector_bytes; done += kStep) {
      check_interrupt();
      if (!read_fully(fd, out + done, std::min(kStep, vector_bytes - done), kIndexPayloadOffset + done)) {
        throw_value_error("path", "cannot read the vectors of '" + shown + "' (did it shrink while loading?)");
      }
    }
    vectors = index.store_.data();
  }
  if (count > 0 && !read_fully(fd, index.ids_.data(), static_cast<std::size_t>(count) * sizeof(std::int64_t),
                               kIndexPayloadOffset + vector_bytes)) {
    throw_value_error("path", "cannot read the ids of '" + shown + "' (did it shrink while loading?)");
  }
  IndexChecksum checksum;
  checksum.update(&header, kIndexHeaderChecksummedBytes);
  {
    constexpr std::size_t kStep = std::size_t{64} << 20;  // a multiple of 8 bytes: one checksum stream
    const auto* bytes = reinterpret_cast<const char*>(vectors);
    for (std::size_t done = 0; done < vector_bytes; done += kStep) {
      check_interrupt();
      checksum.update(bytes + done, std::min(kStep, vector_bytes - done));
    }
  }
  checksum.update(index.ids_.data(), static_cast<std::size_t>(count) * sizeof(std::int64_t));
  index.check_mapping();  // the checksum of zeros from a file that shrank meanwhile means nothing
  if (checksum.digest() != header.checksum) throw_value_error("path", "'" + shown + "' is corrupted: checksum mismatch");
  index.data_ = vectors;
  index.rows_ = count;
  index.validate_loaded_rows(path);
  ParallelInterrupt interrupt;
#pragma omp parallel for schedule(static) num_threads(threads_for(count * index.dim_, kMinFloatsPerThread))
  for (std::int64_t r = 0; r < count; ++r) {
    if ((r & 1023) == 0 && interrupt.poll()) continue;
    index.alive_[r] = 1;
    index.sq_norms_[r] = static_cast<float>(stored_sq_norm(vectors + r * index.stride_, index.dim_));
    index.quantize_row(r);
  }
  interrupt.rethrow();
  index.rebuild_row_of_id(/*interruptible=*/true);
  if (static_cast<std::int64_t>(index.row_of_id_.size()) != count) {
    throw_value_error("path", "'" + shown + "' is corrupted: duplicate ids");
  }
  index.check_mapping();
  return index;
}

}  // namespace fuseflow
