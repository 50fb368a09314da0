// How much memory this process may use: the machine's, or its cgroup's limit when lower.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

namespace fuseflow {

struct MemoryCap {
  std::uint64_t bytes = 0;  // 0: unknown
  bool from_cgroup = false;  // a container's (cgroup's) limit, lower than the machine's memory
};

// The machine's physical memory, or the memory limit of the process's cgroup (v1 or v2, the
// lowest along its ancestors) when that is lower. Past a cgroup's limit the kernel kills the
// process instead of failing an allocation, so sizes are checked against this before building.
// Read once per process (the first call) and kept.
MemoryCap memory_cap();

// The cgroup memory limit from the text of /proc/self/cgroup, reading limit files through `read`
// (a file's contents, or nullopt when it cannot be read); nullopt when there is none. Separate
// from memory_cap() so tests can give it any layout.
std::optional<std::uint64_t> cgroup_memory_limit(
    std::string_view proc_self_cgroup, const std::function<std::optional<std::string>(const std::string&)>& read);

}  // namespace fuseflow
