// Issue 16 regressions of the index layer: a truncated mapping becomes an error (not SIGBUS),
// Ctrl-C is honoured in the validation and checksum loops of add/load, non-UTF-8 paths in
// messages, sizes past memory, and the fuzzer's findings.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <csignal>
#include <functional>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/index/embedding_index.h"
#include "fuseflow/index/index_file.h"
#include "index/index_file_mapping.h"
#include "temp_path.h"

namespace fuseflow {
namespace {

std::vector<float> random_rows(std::int64_t rows, std::int64_t cols, unsigned seed) {
  std::mt19937 gen(seed);
  std::normal_distribution<float> dist;
  std::vector<float> m(static_cast<std::size_t>(rows * cols));
  for (float& v : m) v = dist(gen);
  return m;
}

ErrorCode code_of(const std::function<void()>& f) {
  try {
    f();
  } catch (const Error& e) {
    return e.code();
  }
  ADD_FAILURE() << "no error thrown";
  return ErrorCode::kInternal;
}

TEST(IndexFileMapping, TruncationUnderTheMappingIsAnErrorNotSigbus) {
  const std::string path = testing::temp_path("m.bin");
  const std::size_t bytes = 1 << 20;
  {
    std::vector<char> data(bytes, 1);
    std::ofstream(path, std::ios::binary).write(data.data(), static_cast<std::streamsize>(bytes));
  }
  const int fd = ::open(path.c_str(), O_RDONLY);
  ASSERT_GE(fd, 0);
  auto mapping = IndexFileMapping::map(fd, bytes, path);
  ::close(fd);
  ASSERT_NE(mapping, nullptr);
  EXPECT_EQ(mapping->data()[bytes - 1], 1);
  mapping->check_unchanged();
  ASSERT_EQ(::truncate(path.c_str(), 64), 0);
  // Past the new end of file: without the handler this read raises SIGBUS. With it the
  // mapping reads zeros and the next check reports the truncation.
  volatile const char* p = mapping->data();
  EXPECT_EQ(p[bytes - 1], 0);
  try {
    mapping->check_unchanged();
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    EXPECT_NE(std::string(e.what()).find("was truncated or modified by another writer"), std::string::npos) << e.what();
  }
  mapping.reset();
  std::remove(path.c_str());
}

TEST(IndexFileMapping, AForeignSigbusStillKillsTheProcess) {
  // The handler only repairs faults inside registered mappings; any other SIGBUS keeps its
  // default action (here: a raise in a child process).
  const std::string path = testing::temp_path("n.bin");
  std::ofstream(path, std::ios::binary) << std::string(4096, 'x');
  const int fd = ::open(path.c_str(), O_RDONLY);
  auto mapping = IndexFileMapping::map(fd, 4096, path);  // installs the handler
  ::close(fd);
  EXPECT_EXIT(::raise(SIGBUS), ::testing::KilledBySignal(SIGBUS), "");
  mapping.reset();
  std::remove(path.c_str());
}

bool always_interrupt() { return true; }

// check_interrupt() consults the hook at most every 20 ms after the scope starts; waiting 25 ms
// makes its first call in the native code report the interrupt, so the first loop that polls
// decides what the call throws.
void wait_for_first_poll() { std::this_thread::sleep_for(std::chrono::milliseconds(25)); }

TEST(IndexInterrupt, LoadPollsWhileReadingAndChecksumming) {
  const std::int64_t dim = 32, n = 2000;
  auto rows = random_rows(n, dim, 1);
  EmbeddingIndex index(dim, Metric::kDot);
  index.add(MatrixView{rows.data(), false, n, dim, dim, 1}, {});
  const std::string path = testing::temp_path("i.ffidx");
  index.save(path);
  {
    // Corrupt one byte: without polls before the checksum the load reports a mismatch.
    std::fstream f(path, std::ios::in | std::ios::out | std::ios::binary);
    f.seekp(64 + 40);
    f.put('\x55');
  }
  InterruptScope scope(&always_interrupt);
  wait_for_first_poll();
  EXPECT_EQ(code_of([&] { EmbeddingIndex::load(path, false); }), ErrorCode::kInterrupted);
  wait_for_first_poll();
  EXPECT_EQ(code_of([&] { EmbeddingIndex::load(path, true); }), ErrorCode::kInterrupted);
  std::remove(path.c_str());
}

TEST(IndexInterrupt, AddPollsWhileCheckingIds) {
  const std::int64_t dim = 4, n = 300000;
  std::vector<float> rows(static_cast<std::size_t>(n * dim), 1.0f);
  std::vector<std::int64_t> ids(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) ids[static_cast<std::size_t>(i)] = i;
  ids.back() = 0;  // a duplicate found only at the end of the id check
  EmbeddingIndex index(dim, Metric::kDot);
  InterruptScope scope(&always_interrupt);
  wait_for_first_poll();
  EXPECT_EQ(code_of([&] { index.add(MatrixView{rows.data(), false, n, dim, dim, 1}, ids); }), ErrorCode::kInterrupted);
  EXPECT_EQ(index.size(), 0);
}

TEST(IndexInterrupt, InterruptedAddLeavesTheIndexUnchanged) {
  const std::int64_t dim = 64, n = 50000;
  auto rows = random_rows(n, dim, 2);
  EmbeddingIndex index(dim, Metric::kL2);
  index.add(MatrixView{rows.data(), false, 10, dim, dim, 1}, {});
  InterruptScope scope(&always_interrupt);
  wait_for_first_poll();
  EXPECT_EQ(code_of([&] { index.add(MatrixView{rows.data(), false, n, dim, dim, 1}, {}); }), ErrorCode::kInterrupted);
  EXPECT_EQ(index.size(), 10);
}

TEST(IndexPaths, MessagesEscapeBytesThatAreNotUtf8) {
  EXPECT_EQ(printable_path("/tmp/caf\xc3\xa9.ffidx"), "/tmp/caf\xc3\xa9.ffidx");  // valid UTF-8 kept
  EXPECT_EQ(printable_path("/tmp/caf\xe9.ffidx"), "/tmp/caf\\xe9.ffidx");
  EXPECT_EQ(printable_path("\xff\xfe"), "\\xff\\xfe");
  EXPECT_EQ(printable_path("a\xc3"), "a\\xc3");               // cut sequence
  EXPECT_EQ(printable_path("\xed\xa0\x80"), "\\xed\\xa0\\x80");  // surrogate
  EXPECT_EQ(printable_path("\xc0\xaf"), "\\xc0\\xaf");        // overlong
}

TEST(IndexSizes, HugeAddIsAMemoryErrorNamingTheRows) {
  EmbeddingIndex index(std::int64_t{1} << 20, Metric::kDot);
  std::vector<float> one(std::size_t{1} << 20, 0.5f);
  // Row stride 0: 2^40 rows of one real row (what a NumPy broadcast hands in).
  const MatrixView huge{one.data(), false, std::int64_t{1} << 40, std::int64_t{1} << 20, 0, 1};
  try {
    index.add(huge, {});
    FAIL() << "no error";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kOutOfMemory);
    EXPECT_NE(std::string(e.what()).find("the float32 rows of 1099511627776 vectors (dim 1048576)"), std::string::npos)
        << e.what();
  }
  EXPECT_EQ(index.size(), 0);
}

TEST(IndexSizes, HeaderClaimingMoreRowsThanTheFileHoldsIsRejected) {
  IndexFileHeader header = make_index_header(Metric::kDot, 16, 16, std::int64_t{1} << 50);
  for (std::uint64_t file_bytes : {std::uint64_t{64}, std::uint64_t{64 + 72}, std::uint64_t{1} << 40}) {
    EXPECT_EQ(code_of([&] { check_index_header(header, file_bytes, "p"); }), ErrorCode::kInvalidValue);
  }
  // count * row_bytes overflowing uint64 must not wrap into a match.
  header.count = (~std::uint64_t{0}) / 72 + 1;
  EXPECT_EQ(code_of([&] { check_index_header(header, 64 + 72, "p"); }), ErrorCode::kInvalidValue);
}

}  // namespace
}  // namespace fuseflow
