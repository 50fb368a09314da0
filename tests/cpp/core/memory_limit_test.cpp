// cgroup_memory_limit over the layouts a process meets: cgroup v2 (its own and its ancestors'
// memory.max), v1 (memory.limit_in_bytes and the hierarchical limit), no limit, unreadable files.
#include <gtest/gtest.h>

#include <unistd.h>

#include <map>
#include <optional>
#include <string>

#include "fuseflow/core/memory_limit.h"

namespace fuseflow {
namespace {

std::optional<std::uint64_t> limit_with(const std::string& cgroup, const std::map<std::string, std::string>& files) {
  return cgroup_memory_limit(cgroup, [&](const std::string& path) -> std::optional<std::string> {
    const auto it = files.find(path);
    if (it == files.end()) return std::nullopt;
    return it->second;
  });
}

TEST(MemoryLimit, CgroupV2TakesTheLowestAlongTheAncestors) {
  const std::string cg = "0::/kubepods/pod1/ctr\n";
  EXPECT_EQ(limit_with(cg, {{"/sys/fs/cgroup/kubepods/pod1/ctr/memory.max", "4294967296\n"}}), 4294967296u);
  // The pod's limit is lower than the container's own: the pod's applies.
  EXPECT_EQ(limit_with(cg, {{"/sys/fs/cgroup/kubepods/pod1/ctr/memory.max", "max\n"},
                            {"/sys/fs/cgroup/kubepods/pod1/memory.max", "1073741824\n"},
                            {"/sys/fs/cgroup/kubepods/memory.max", "8589934592\n"}}),
            1073741824u);
  // A container with its own cgroup namespace sees itself at "/".
  EXPECT_EQ(limit_with("0::/\n", {{"/sys/fs/cgroup/memory.max", "536870912\n"}}), 536870912u);
  EXPECT_EQ(limit_with("0::/\n", {{"/sys/fs/cgroup/memory.max", "max\n"}}), std::nullopt);
}

TEST(MemoryLimit, CgroupV1ReadsTheMemoryControllersLimits) {
  const std::string cg = "12:pids:/x\n4:memory:/process_api/abc\n1:cpu,cpuacct:/\n";
  const std::string dir = "/sys/fs/cgroup/memory/process_api/abc";
  EXPECT_EQ(limit_with(cg, {{dir + "/memory.limit_in_bytes", "2147483648\n"}}), 2147483648u);
  // v1's "unlimited" is 2^63 rounded down to a page; the hierarchical limit holds the parent's.
  EXPECT_EQ(limit_with(cg, {{dir + "/memory.limit_in_bytes", "9223372036854771712\n"},
                            {dir + "/memory.stat", "cache 0\nhierarchical_memory_limit 3221225472\nrss 5\n"}}),
            3221225472u);
  EXPECT_EQ(limit_with(cg, {{dir + "/memory.limit_in_bytes", "9223372036854771712\n"}}), std::nullopt);
  // "memory" must be a whole controller name, not a part of one.
  EXPECT_EQ(limit_with("3:memory_pressure:/a\n", {{"/sys/fs/cgroup/memory/a/memory.limit_in_bytes", "1024\n"}}),
            std::nullopt);
  EXPECT_EQ(limit_with("5:cpu,memory:/\n", {{"/sys/fs/cgroup/memory/memory.limit_in_bytes", "1024\n"}}), 1024u);
}

TEST(MemoryLimit, NoLimitWhenNothingCanBeRead) {
  EXPECT_EQ(limit_with("", {}), std::nullopt);
  EXPECT_EQ(limit_with("garbage\n::\n0::relative\n", {}), std::nullopt);
  EXPECT_EQ(limit_with("0::/a\n", {{"/sys/fs/cgroup/a/memory.max", "not a number\n"}}), std::nullopt);
  EXPECT_EQ(limit_with("0::/a\n", {{"/sys/fs/cgroup/a/memory.max", "99999999999999999999999\n"}}), std::nullopt);
}

TEST(MemoryLimit, TheCapIsAtMostThePhysicalMemory) {
  const MemoryCap cap = memory_cap();
  const auto physical = static_cast<std::uint64_t>(::sysconf(_SC_PHYS_PAGES)) *
                        static_cast<std::uint64_t>(::sysconf(_SC_PAGE_SIZE));
  ASSERT_GT(cap.bytes, 0u);
  EXPECT_LE(cap.bytes, physical);
  EXPECT_EQ(cap.from_cgroup, cap.bytes < physical);
}

}  // namespace
}  // namespace fuseflow
