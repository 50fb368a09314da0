// The block cache: large blocks come back for the next request of their rounded size, the least
// recently released go first past the limit, small blocks and a zero limit bypass it.
#include "fuseflow/core/block_cache.h"

#include "fuseflow/core/buffer.h"

#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>

#include <cstdint>
#include <cstring>
#include <thread>
#include <vector>

namespace fuseflow {
namespace {

constexpr std::size_t kMiB = std::size_t{1} << 20;

class BlockCache : public ::testing::Test {
 protected:
  void SetUp() override { set_block_cache_limit(64 * kMiB); }
  void TearDown() override { set_block_cache_limit(std::size_t{256} << 20); }
};

TEST_F(BlockCache, AReleasedBlockServesTheNextRequestOfItsRoundedSize) {
  void* a = acquire_block(3 * kMiB + 5);
  ASSERT_NE(a, nullptr);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(a) % (2 * kMiB), 0u);  // huge-page aligned from 2 MB up
  std::memset(a, 1, 3 * kMiB + 5);
  release_block(a, 3 * kMiB + 5);
  EXPECT_EQ(block_cache_info().blocks, 1u);
  EXPECT_EQ(block_cache_info().bytes, 4 * kMiB);
  const std::size_t hits = block_cache_info().hits;
  void* other = acquire_block(5 * kMiB);  // another rounded size: a fresh block
  EXPECT_NE(other, a);
  void* again = acquire_block(4 * kMiB);  // same rounded size (4 MB)
  EXPECT_EQ(again, a);
  EXPECT_EQ(block_cache_info().hits, hits + 1);
  EXPECT_EQ(block_cache_info().blocks, 0u);
  release_block(again, 4 * kMiB);
  release_block(other, 5 * kMiB);
  clear_block_cache();
  EXPECT_EQ(block_cache_info().blocks, 0u);
  EXPECT_EQ(block_cache_info().bytes, 0u);
}

TEST_F(BlockCache, PastTheLimitTheLeastRecentlyReleasedBlocksAreFreed) {
  set_block_cache_limit(10 * kMiB);
  void* first = acquire_block(4 * kMiB);
  void* second = acquire_block(4 * kMiB);
  void* third = acquire_block(4 * kMiB);
  release_block(first, 4 * kMiB);
  release_block(second, 4 * kMiB);
  release_block(third, 4 * kMiB);  // 12 MB > 10 MB: `first` goes
  EXPECT_EQ(block_cache_info().bytes, 8 * kMiB);
  void* x = acquire_block(4 * kMiB);
  void* y = acquire_block(4 * kMiB);
  EXPECT_EQ(x, third);  // most recently released first
  EXPECT_EQ(y, second);
  release_block(x, 4 * kMiB);
  release_block(y, 4 * kMiB);
  void* huge = acquire_block(6 * kMiB);  // over half the limit: never cached, nothing evicted
  release_block(huge, 6 * kMiB);
  EXPECT_EQ(block_cache_info().bytes, 8 * kMiB);
  void* half = acquire_block(4 * kMiB);  // a cached block's size: served from the cache
  EXPECT_TRUE(half == x || half == y);
  release_block(half, 4 * kMiB);
}

TEST_F(BlockCache, SmallBlocksAndAZeroLimitBypassTheCache) {
  void* small = acquire_block(kCachedBlockMinBytes - 4096);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(small) % 64, 0u);
  release_block(small, kCachedBlockMinBytes - 4096);
  EXPECT_EQ(block_cache_info().blocks, 0u);
  set_block_cache_limit(0);
  EXPECT_EQ(block_cache_info().limit_bytes, 0u);
  void* big = acquire_block(4 * kMiB);
  release_block(big, 4 * kMiB);
  EXPECT_EQ(block_cache_info().blocks, 0u);
}

TEST_F(BlockCache, LargeBuffersRecycleTheirBlocksAndSmallOnesDoNot) {
  const std::size_t hits = block_cache_info().hits;
  const void* first = nullptr;
  {
    Buffer<double> big(kCachedBlockMinBytes / sizeof(double) + 3, 2.5);
    first = big.data();
    Buffer<double> moved = std::move(big);
    EXPECT_EQ(moved.data(), first);
  }  // released once, by `moved`
  EXPECT_EQ(block_cache_info().blocks, 1u);
  Buffer<double> again(kCachedBlockMinBytes / sizeof(double) + 3);
  EXPECT_EQ(again.data(), first);
  EXPECT_EQ(block_cache_info().hits, hits + 1);
  { Buffer<float> small(1000); }
  EXPECT_EQ(block_cache_info().blocks, 0u);
}

// Arrays are freed by whichever thread drops the last NumPy reference: acquire and release from
// several threads at once, each block written whole while its thread holds it (TSan job).
TEST(BlockCacheConcurrency, ThreadsAcquireAndReleaseAtOnce) {
  set_block_cache_limit(24 * kMiB);
  std::vector<std::thread> threads;
  std::vector<int> bad(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([t, &bad] {
      for (int i = 0; i < 200; ++i) {
        const std::size_t bytes = (1 + (i + t) % 3) * kMiB;
        auto* block = static_cast<unsigned char*>(acquire_block(bytes));
        std::memset(block, t + 1, bytes);
        for (std::size_t k = 0; k < bytes; k += 4096) bad[t] += block[k] != t + 1;
        release_block(block, bytes);
      }
    });
  }
  for (std::thread& th : threads) th.join();
  for (int t = 0; t < 4; ++t) EXPECT_EQ(bad[t], 0) << t;
  EXPECT_LE(block_cache_info().bytes, 24 * kMiB);
  EXPECT_GT(block_cache_info().hits, 0u);
  set_block_cache_limit(std::size_t{256} << 20);
}

// fork() while another thread acquires and releases blocks (a worker thread making results while
// the main thread starts a process pool): each child must still allocate. Before the cache's fork
// handlers, a child forked while the thread held the cache's lock blocked forever on it.
TEST(BlockCacheFork, AChildForkedWhileAnotherThreadAllocatesCanAllocate) {
  std::atomic<bool> stop{false};
  std::thread busy([&stop] {
    while (!stop.load(std::memory_order_relaxed)) release_block(acquire_block(kMiB), kMiB);
  });
  int stuck = 0, failed = 0;
  for (int i = 0; i < 200 && stuck == 0; ++i) {
    const pid_t pid = fork();
    ASSERT_GE(pid, 0);
    if (pid == 0) {
      alarm(10);  // a blocked child ends by SIGALRM instead of hanging the run
      void* block = acquire_block(kMiB);
      std::memset(block, 1, kMiB);
      release_block(block, kMiB);
      _exit(0);
    }
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    stuck += WIFSIGNALED(status) && WTERMSIG(status) == SIGALRM;
    failed += !WIFEXITED(status) || WEXITSTATUS(status) != 0;
  }
  stop = true;
  busy.join();
  EXPECT_EQ(stuck, 0);
  EXPECT_EQ(failed, 0);
}

}  // namespace
}  // namespace fuseflow
