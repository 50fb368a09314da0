#include "fuseflow/core/memory_limit.h"

#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <fstream>
#include <sstream>

namespace fuseflow {
namespace {

// A limit file's number; "max" (v2) and v1's "unlimited" (close to 2^63) are no limit.
std::optional<std::uint64_t> parse_limit(const std::string& text) {
  std::uint64_t value = 0;
  std::size_t i = 0;
  while (i < text.size() && (text[i] == ' ' || text[i] == '\n')) ++i;
  const std::size_t first = i;
  for (; i < text.size() && text[i] >= '0' && text[i] <= '9'; ++i) {
    if (value > (UINT64_MAX - 9) / 10) return std::nullopt;
    value = value * 10 + static_cast<std::uint64_t>(text[i] - '0');
  }
  if (i == first || value >= (std::uint64_t{1} << 62)) return std::nullopt;
  return value;
}

std::optional<std::string> read_file(const std::string& path) {
  std::ifstream in(path);
  if (!in) return std::nullopt;
  std::ostringstream text;
  text << in.rdbuf();
  return text.str();
}

// Whether a v1 line's comma-separated controller list names "memory" (not "memory_pressure").
bool names_memory(std::string_view controllers) {
  for (;;) {
    const std::size_t comma = controllers.find(',');
    if (controllers.substr(0, comma) == "memory") return true;
    if (comma == std::string_view::npos) return false;
    controllers.remove_prefix(comma + 1);
  }
}

void keep_lower(std::optional<std::uint64_t>& limit, std::optional<std::uint64_t> candidate) {
  if (candidate && (!limit || *candidate < *limit)) limit = candidate;
}

}  // namespace

std::optional<std::uint64_t> cgroup_memory_limit(
    std::string_view proc_self_cgroup, const std::function<std::optional<std::string>(const std::string&)>& read) {
  std::optional<std::uint64_t> limit;
  std::size_t start = 0;
  while (start < proc_self_cgroup.size()) {
    std::size_t end = proc_self_cgroup.find('\n', start);
    if (end == std::string_view::npos) end = proc_self_cgroup.size();
    const std::string_view line = proc_self_cgroup.substr(start, end - start);
    start = end + 1;
    // "hierarchy-id:controllers:path"; v2's single line is "0::path".
    const std::size_t a = line.find(':');
    const std::size_t b = a == std::string_view::npos ? a : line.find(':', a + 1);
    if (b == std::string_view::npos) continue;
    const std::string_view controllers = line.substr(a + 1, b - a - 1);
    std::string path(line.substr(b + 1));
    if (path.empty() || path[0] != '/') continue;
    if (line.substr(0, a) == "0" && controllers.empty()) {
      // v2: every ancestor's memory.max applies; the lowest is the process's.
      for (;;) {
        const std::string dir = "/sys/fs/cgroup" + (path == "/" ? std::string() : path);
        if (auto text = read(dir + "/memory.max")) keep_lower(limit, parse_limit(*text));
        if (path == "/") break;
        path = path.substr(0, std::max<std::size_t>(path.rfind('/'), 1));
      }
    } else if (names_memory(controllers)) {
      // v1: memory.stat's hierarchical_memory_limit already takes the ancestors' into account.
      const std::string dir = "/sys/fs/cgroup/memory" + (path == "/" ? std::string() : path);
      if (auto text = read(dir + "/memory.limit_in_bytes")) keep_lower(limit, parse_limit(*text));
      if (auto stat = read(dir + "/memory.stat")) {
        const std::string key = "hierarchical_memory_limit ";
        const std::size_t at = stat->find(key);
        if (at != std::string::npos) keep_lower(limit, parse_limit(stat->substr(at + key.size())));
      }
    }
  }
  return limit;
}

namespace {

MemoryCap read_memory_cap() {
  MemoryCap cap;
  const long pages = ::sysconf(_SC_PHYS_PAGES);
  const long page_size = ::sysconf(_SC_PAGE_SIZE);
  if (pages > 0 && page_size > 0) cap.bytes = static_cast<std::uint64_t>(pages) * static_cast<std::uint64_t>(page_size);
  if (auto cgroups = read_file("/proc/self/cgroup")) {
    const auto limit = cgroup_memory_limit(*cgroups, read_file);
    if (limit && (cap.bytes == 0 || *limit < cap.bytes)) {
      cap.bytes = *limit;
      cap.from_cgroup = true;
    }
  }
  return cap;
}

}  // namespace

MemoryCap memory_cap() {
  // Read once: a process's limits do not change under it in practice, and graph builds and large
  // allocations ask every time. Cached in one atomic word (limits are whole pages, so the two low
  // bits are free: bit 0 "from a cgroup", bit 1 "read"; 0 = not read yet), not a function-local
  // static: the static's initialisation guard is a lock, and a fork() while another thread was
  // inside the reads (a few file reads, ~100 us) left the child blocked on it forever in its first
  // large allocation. Two threads reading at once both store the same value.
  static std::atomic<std::uint64_t> cached{0};
  std::uint64_t word = cached.load(std::memory_order_acquire);
  if (word == 0) {
    const MemoryCap cap = read_memory_cap();
    word = (cap.bytes & ~std::uint64_t{3}) | (cap.from_cgroup ? 1 : 0) | 2;
    cached.store(word, std::memory_order_release);
  }
  MemoryCap cap;
  cap.bytes = word & ~std::uint64_t{3};
  cap.from_cgroup = (word & 1) != 0;
  return cap;
}

}  // namespace fuseflow
