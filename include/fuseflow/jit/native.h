// Tier "native" (opt-in: FUSEFLOW_JIT=on): a fused region's kernel generated as C++ from the
// region kernel template, compiled by the system compiler in a BACKGROUND thread into a disk
// cache, and loaded with dlopen. No call ever waits on a compiler: lookup() answers kNotReady
// (run the interpreter) until the kernel is loaded.
//
// Cache: <root>/fuseflow/<version>-<abi>/<isa>/<hash>.so, root = $XDG_CACHE_HOME or ~/.cache
// (never a temporary folder by default); hash = FNV-1a 64 of source + compiler identity (its
// path and `--version` output) + flags. Every folder from the root down must be a real directory
// owned by this user and not group/world writable (missing ones are created 0700); otherwise the
// cache is refused. Writes are atomic (temporary file + rename), a compile holds flock on
// <hash>.lock (a second process waits, then loads the first one's result), and a loaded library's
// query symbol must return "<version>|<key>" or it is removed and rebuilt once. Every failure (no
// compiler, compile error, corrupt or mismatched library, unsafe folder) leaves the region to the
// interpreter and logs ONE warning (stderr, "fuseflow: jit: ...") for that key or that cache.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "fuseflow/jit/region.h"

namespace fuseflow::jit {

struct NativeOptions {
  std::string compiler;                   // "" = $CXX, else "c++" (found on PATH)
  std::string cache_root;                 // "" = $XDG_CACHE_HOME, else $HOME/.cache
  std::vector<std::string> include_dirs;  // "" = this source tree's src/ and include/
  std::string version;                    // "" = this build's version (tests change it)
  bool log_to_stderr = true;
};

enum class NativeStatus : std::uint8_t { kNotReady, kReady, kFailed };

struct NativeLookup {
  NativeStatus status = NativeStatus::kNotReady;
  RegionFn fn = nullptr;  // kReady only
};

class NativeCache {
 public:
  explicit NativeCache(NativeOptions options = {});
  ~NativeCache();  // finishes the compile under way (its result stays on disk), then stops
  NativeCache(const NativeCache&) = delete;
  NativeCache& operator=(const NativeCache&) = delete;

  // Never blocks on a compiler: the first lookup of a key queues its compile.
  NativeLookup lookup(const RegionKey& key);
  // Waits up to `seconds` for the key's compile to finish (tests and benchmarks only).
  NativeLookup wait(const RegionKey& key, double seconds);

  // Where the key's kernel is (or will be) cached: <directory>/<hash>.so; "" when the cache was
  // refused or the compiler does not run (it asks the compiler for its identity).
  std::string kernel_path(const RegionKey& key) const;

  // <root>/fuseflow/<version>-<abi>/<isa>; empty when the cache was refused.
  const std::string& directory() const { return directory_; }
  std::vector<std::string> warnings() const;

 private:
  struct Entry {
    NativeStatus status = NativeStatus::kNotReady;
    RegionFn fn = nullptr;
    void* handle = nullptr;
  };
  void worker();
  void build(const std::string& key_text, const RegionKey& key, Entry& result);
  void warn(const std::string& message);

  NativeOptions options_;
  std::string directory_;
  // Digest of every header a generated kernel can include (fuseflow's and Highway's, under the
  // include folders): part of each kernel's cache key, so a changed template never reuses a
  // kernel compiled from the old one.
  std::string template_digest_;
  mutable std::mutex mutex_;
  std::condition_variable changed_;
  std::map<std::string, Entry> entries_;
  std::deque<std::pair<std::string, RegionKey>> queue_;
  std::vector<std::string> warnings_;
  bool stopping_ = false;
  std::thread thread_;
};

// Whether FUSEFLOW_JIT=on (read once).
bool native_enabled();
// The process-wide cache the executor uses (default options).
NativeCache& native_cache();

// The C++ source of the native kernel for `key` (the template instantiated with its shape).
std::string generate_source(const RegionKey& key, const std::string& version);

// This build's version string and the cache folder the default options use ("" if refused).
const char* fuseflow_version();
std::string default_cache_directory();

struct CacheInfo {
  std::string directory;   // <root>/fuseflow
  std::int64_t kernels = 0;  // compiled kernels (.so) under it, every version and ISA
  std::int64_t bytes = 0;    // size of all files under it
};
// Summary of the cache under `root` ("" = the default root). A relative root: ValueError naming
// `root` (also for clear_cache).
CacheInfo cache_info(const std::string& root = "");
// Removes the kernels, sources, logs and locks under <root>/fuseflow (only files the cache
// writes); returns how many files were removed.
std::int64_t clear_cache(const std::string& root = "");

}  // namespace fuseflow::jit
