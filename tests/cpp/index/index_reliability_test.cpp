// Issue 16 regressions of the index layer: a truncated mapping becomes an error (not SIGBUS),
// Ctrl-C is honoured in the validation and checksum loops of add/load, non-UTF-8 paths in
// messages, sizes past memory, and the fuzzer's findings.
#include <fcntl.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/wait.h>
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
  // Killed by SIGBUS; under AddressSanitizer its own SIGBUS report ends in SIGABRT. Either way the
  // fault was not swallowed by the index's handler.
  EXPECT_EXIT(::raise(SIGBUS),
              [](int status) { return WIFSIGNALED(status) && (WTERMSIG(status) == SIGBUS || WTERMSIG(status) == SIGABRT); },
              "");
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

// fuzz/index_file_fuzz.cpp found this file (dot, dim 16, 3 rows, after the harness recomputes
// the checksum): rows of subnormal values made quantize_row convert NaN (0 * 127/max|x| with
// max|x| subnormal) to int, undefined behaviour (UBSan). It loads now, and searches agree with
// a float64 scan.
TEST(IndexFuzzRegression, SubnormalRowsQuantiseWithoutNaN) {
  static const char kBytes[] =
      "\x46\x46\x45\x4d\x42\x49\x44\x58\x01\x00\x00\x00\x01\x00\x00\x00\x10\x00\x00\x00\x00\x00\x00\x00"
      "\x10\x00\x00\x00\x00\x00\x00\x00\x03\x00\x00\x00\x00\x00\x00\x00\x61\xe4\xb3\x95\x78\x96\x77\x83"
      "\x00\x00\x00\x00\x00\x00\x00\xff\xff\xff\xff\xff\xff\xff\x10\xbc\xbf\xa8\x29\x9a\x3f\x15\x9c\xcb"
      "\x3f\x22\xc9\xa0\xbf\x63\x41\x97\xbf\x97\xbf\x99\x5e\xe2\xbf\x27\xbf\x76\xbf\x39\xce\x46\xc0\x46"
      "\x46\x45\x4d\x42\x49\x44\x58\x01\x00\x00\x00\x00\x00\x00\x00\x01\x00\x00\x00\x00\x00\x00\x00\x10"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x5f\x72\xd4\x1d\x67\x8f\x81\xa4\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x02\x31\x33\xbf\xf4\x8f\xbc\xbf\xa8\x29\x00\x02\x00\x00"
      "\x1d\x00\x01\x1d\x1d\x1d\x00\x00\x00\x47\x3f\x79\xd8\x1b\xbe\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\x05\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00"
      "\x00\x00\xff\xff\xff\xff\xff\xff\x00\x00\x00\x00\x00\x00\x00\x40";
  std::vector<unsigned char> bytes(kBytes, kBytes + sizeof kBytes - 1);
  ASSERT_EQ(bytes.size(), 280u);
  IndexChecksum checksum;
  checksum.update(bytes.data(), kIndexHeaderChecksummedBytes);
  checksum.update(bytes.data() + kIndexPayloadOffset, bytes.size() - kIndexPayloadOffset);
  const std::uint64_t digest = checksum.digest();
  std::memcpy(bytes.data() + 40, &digest, sizeof digest);
  const std::string path = testing::temp_path("fuzz1.ffidx");
  std::ofstream(path, std::ios::binary).write(reinterpret_cast<const char*>(bytes.data()),
                                              static_cast<std::streamsize>(bytes.size()));
  for (bool use_mmap : {false, true}) {
    try {
      EmbeddingIndex index = EmbeddingIndex::load(path, use_mmap);
      std::vector<float> query(static_cast<std::size_t>(index.dim()), 0.25f);
      const SearchResult result = index.search(MatrixView{query.data(), false, 1, index.dim(), index.dim(), 1}, 3);
      EXPECT_EQ(result.k, std::min<std::int64_t>(3, index.size()));
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << e.what();
    }
  }
  std::remove(path.c_str());
}

// The same rows through add: subnormal rows and queries give the float32 scan's results with the
// prefilter on (where the CPU has it) and off.
TEST(IndexFuzzRegression, SubnormalRowsAndQueriesSearchExactly) {
  const std::int64_t dim = 16, n = 600;
  auto rows = random_rows(n, dim, 9);
  for (std::int64_t r = 0; r < n; r += 3) {
    for (std::int64_t c = 0; c < dim; ++c) rows[static_cast<std::size_t>(r * dim + c)] *= 1e-42f;  // subnormal
  }
  EmbeddingIndex filtered(dim, Metric::kDot), plain(dim, Metric::kDot);
  filtered.add(MatrixView{rows.data(), false, n, dim, dim, 1}, {});
  plain.add(MatrixView{rows.data(), false, n, dim, dim, 1}, {});
  plain.set_prefilter(false);
  auto queries = random_rows(8, dim, 10);
  for (std::int64_t c = 0; c < dim; ++c) queries[static_cast<std::size_t>(c)] *= 1e-41f;  // a subnormal query
  for (std::int64_t nq : {std::int64_t{1}, std::int64_t{8}}) {
    const MatrixView qv{queries.data(), false, nq, dim, dim, 1};
    const SearchResult a = filtered.search(qv, 5), b = plain.search(qv, 5);
    for (std::size_t i = 0; i < a.ids.size(); ++i) {
      EXPECT_EQ(a.ids[i], b.ids[i]) << i;
      EXPECT_EQ(a.scores[i], b.scores[i]) << i;
    }
  }
}

}  // namespace
}  // namespace fuseflow
