// Tier "native": see fuseflow/jit/native.h for the contract (background compile, disk cache,
// safety rules, one warning per failure).
#include "fuseflow/jit/native.h"

#include <dlfcn.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/file.h>
#include <sys/stat.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>

#include "fuseflow/core/error.h"
#include "jit/shape.h"

extern char** environ;

#ifndef FUSEFLOW_JIT_VERSION
#define FUSEFLOW_JIT_VERSION "0"
#endif
#ifndef FUSEFLOW_JIT_SOURCE_DIR
#define FUSEFLOW_JIT_SOURCE_DIR "."
#endif

namespace fuseflow::jit {
namespace {

namespace fs = std::filesystem;

std::string hex64(std::uint64_t h) {
  char buf[17];
  std::snprintf(buf, sizeof buf, "%016llx", static_cast<unsigned long long>(h));
  return buf;
}

std::uint64_t fnv1a64(const std::string& s) {
  std::uint64_t h = 1469598103934665603ull;
  for (unsigned char c : s) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

std::string env(const char* name) {
  const char* v = std::getenv(name);
  return v ? v : "";
}

// Runs argv (PATH lookup, no shell). stdout+stderr go to `log_path` if given, else are captured
// into *captured. Returns the exit status, or -1 if the program could not be started.
int run_process(const std::vector<std::string>& argv, const std::string& log_path, std::string* captured) {
  std::vector<char*> args;
  for (const std::string& a : argv) args.push_back(const_cast<char*>(a.c_str()));
  args.push_back(nullptr);
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  int fds[2] = {-1, -1};
  if (!log_path.empty()) {
    posix_spawn_file_actions_addopen(&fa, 1, log_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0600);
    posix_spawn_file_actions_adddup2(&fa, 1, 2);
  } else {
    if (pipe2(fds, O_CLOEXEC) != 0) return -1;
    posix_spawn_file_actions_adddup2(&fa, fds[1], 1);
    posix_spawn_file_actions_adddup2(&fa, fds[1], 2);
  }
  pid_t pid = -1;
  const int rc = posix_spawnp(&pid, args[0], &fa, nullptr, args.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (fds[1] >= 0) close(fds[1]);
  if (rc == 0 && fds[0] >= 0 && captured) {
    char buf[4096];
    for (ssize_t got; (got = read(fds[0], buf, sizeof buf)) > 0;) captured->append(buf, static_cast<std::size_t>(got));
  }
  if (fds[0] >= 0) close(fds[0]);
  if (rc != 0) return -1;
  int status = 0;
  while (waitpid(pid, &status, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  if (!WIFEXITED(status)) return -1;
  // posix_spawnp reports a missing program as exit status 127 from the child.
  return WEXITSTATUS(status);
}

// A real directory owned by this user, not writable by group or others; created 0700 if missing.
// Returns "" when safe, else why not.
std::string check_folder(const std::string& path, bool create) {
  struct stat st{};
  if (lstat(path.c_str(), &st) != 0) {
    if (errno != ENOENT || !create) return "cannot read " + path + ": " + std::strerror(errno);
    if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return "cannot create " + path + ": " + std::strerror(errno);
    if (lstat(path.c_str(), &st) != 0) return "cannot read " + path + ": " + std::strerror(errno);
  }
  if (!S_ISDIR(st.st_mode)) return path + " is not a directory (symbolic links are refused)";
  if (st.st_uid != geteuid()) return path + " is owned by another user";
  if (st.st_mode & (S_IWGRP | S_IWOTH)) return path + " is writable by group or others";
  return "";
}

std::string default_root() {
  std::string root = env("XDG_CACHE_HOME");
  if (!root.empty() && root[0] == '/') return root;
  const std::string home = env("HOME");
  return home.empty() ? "" : home + "/.cache";
}

std::string abi_tag() {
#if defined(__x86_64__)
  return "x86_64";
#elif defined(__aarch64__)
  return "aarch64";
#else
  return "unknown";
#endif
}

std::vector<std::string> compile_flags(const NativeOptions& o) {
  // HWY_COMPILE_ONLY_STATIC: the kernel is code for the -march=native target alone (it calls
  // HWY_NAMESPACE directly, no dispatch). Without it, Highway 1.0's default target policy
  // leaves AVX3_DL out of the dispatch set while -march=native on Ice Lake and later makes it
  // the static target, and every compile stopped at "#error Logic error: best baseline should
  // be included in dynamic targets" (the region silently stayed in the interpreter).
  std::vector<std::string> f = {"-std=c++20", "-O3", "-march=native", "-DHWY_COMPILE_ONLY_STATIC",
                                "-ffp-contract=off", "-fPIC", "-shared", "-fvisibility=hidden"};
  for (const std::string& d : o.include_dirs) f.push_back("-I" + d);
  return f;
}

bool file_exists(const std::string& p) {
  struct stat st{};
  return stat(p.c_str(), &st) == 0;
}

// Writes `text` to `path` atomically (temporary file in the same folder, then rename).
bool write_atomic(const std::string& path, const std::string& text) {
  const std::string tmp = path + ".tmp." + std::to_string(getpid());
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << text;
    if (!out.flush()) return false;
  }
  return std::rename(tmp.c_str(), path.c_str()) == 0;
}

}  // namespace

const char* fuseflow_version() { return FUSEFLOW_JIT_VERSION; }

std::string generate_source(const RegionKey& key, const std::string& version) {
  std::ostringstream s;
  s << "// fuseflow native kernel, generated; region " << key.str() << "\n"
    << "#include <cstdint>\n#include <hwy/highway.h>\n#include \"jit/region_kernel-inl.h\"\n"
    << "namespace fuseflow::jit::shape {\nusing Generated = " << shape::shape_type_name(key) << ";\n}\n"
    << "extern \"C\" {\n"
    << "__attribute__((visibility(\"default\"))) const char* fuseflow_jit_query() { return \"" << version << "|"
    << key.str() << "\"; }\n"
    << "__attribute__((visibility(\"default\"))) void fuseflow_jit_kernel(const void* const* a, const double* s, "
       "void* const* o, std::int64_t n) {\n"
    << "  fuseflow::jit::HWY_NAMESPACE::RegionKernel<fuseflow::jit::shape::Generated>::run(a, s, o, n);\n}\n}\n";
  return s.str();
}

// The template headers: this build's source tree when it is still there (developer builds), else
// the `include` folder next to the library holding this code (a wheel installs fuseflow/include/
// with fuseflow/, jit/, kernels/ and hwy/ headers beside fuseflow/_core*.so). Neither: the compile
// fails, which leaves the interpreter with one warning.
static std::vector<std::string> default_include_dirs() {
  const std::string source = FUSEFLOW_JIT_SOURCE_DIR;
  std::error_code ec;
  if (fs::exists(source + "/src/jit/region_kernel-inl.h", ec)) return {source + "/src", source + "/include"};
  Dl_info info{};
  if (dladdr(reinterpret_cast<void*>(&default_include_dirs), &info) != 0 && info.dli_fname != nullptr) {
    const fs::path installed = fs::path(info.dli_fname).parent_path() / "include";
    if (fs::exists(installed / "jit" / "region_kernel-inl.h", ec)) return {installed.string()};
  }
  return {source + "/src", source + "/include"};
}

// Hashes every header (*.h) under the include folders, in path order: the template, the math
// kernels, the op table and, in a wheel, the bundled Highway. Read once per cache (native mode
// only); a folder that cannot be read hashes as empty, and the compile then fails on its own.
static std::string digest_headers(const std::vector<std::string>& dirs) {
  std::vector<fs::path> files;
  for (const std::string& d : dirs) {
    std::error_code ec;
    for (fs::recursive_directory_iterator it(d, ec), end; !ec && it != end; it.increment(ec)) {
      if (it->is_regular_file(ec) && it->path().extension() == ".h") files.push_back(it->path());
    }
  }
  std::sort(files.begin(), files.end());
  std::string all;
  for (const fs::path& f : files) {
    std::ifstream in(f, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    all += f.filename().string() + '\0' + text.str() + '\0';
  }
  return hex64(fnv1a64(all));
}

NativeCache::NativeCache(NativeOptions options) : options_(std::move(options)) {
  if (options_.version.empty()) options_.version = FUSEFLOW_JIT_VERSION;
  if (options_.compiler.empty()) options_.compiler = env("CXX").empty() ? "c++" : env("CXX");
  if (options_.include_dirs.empty()) options_.include_dirs = default_include_dirs();
  template_digest_ = digest_headers(options_.include_dirs);
  std::string root = options_.cache_root.empty() ? default_root() : options_.cache_root;
  std::string why = root.empty() ? "no cache folder ($XDG_CACHE_HOME and $HOME unset)" : check_folder(root, true);
  std::string dir = root + "/fuseflow";
  for (const std::string& part : {std::string(""), "/" + options_.version + "-" + abi_tag(), "/" + std::string(prejit_target())}) {
    if (!why.empty()) break;
    dir += part;
    why = check_folder(dir, true);
  }
  if (!why.empty()) {
    warn("native kernel cache refused: " + why + "; fused regions run in the interpreter");
    return;
  }
  directory_ = dir;
  thread_ = std::thread([this] { worker(); });
}

NativeCache::~NativeCache() {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    stopping_ = true;
    queue_.clear();
  }
  changed_.notify_all();
  if (thread_.joinable()) thread_.join();
}

void NativeCache::warn(const std::string& message) {
  std::lock_guard<std::mutex> lock(mutex_);
  warnings_.push_back(message);
  if (options_.log_to_stderr) std::fprintf(stderr, "fuseflow: jit: %s\n", message.c_str());
}

std::vector<std::string> NativeCache::warnings() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return warnings_;
}

NativeLookup NativeCache::lookup(const RegionKey& key) {
  if (directory_.empty()) return {NativeStatus::kFailed, nullptr};
  const std::string text = key.str();
  std::lock_guard<std::mutex> lock(mutex_);
  auto [it, inserted] = entries_.try_emplace(text);
  if (inserted) {
    queue_.emplace_back(text, key);
    changed_.notify_all();
  }
  return {it->second.status, it->second.fn};
}

NativeLookup NativeCache::wait(const RegionKey& key, double seconds) {
  NativeLookup r = lookup(key);
  if (r.status != NativeStatus::kNotReady) return r;
  const std::string text = key.str();
  std::unique_lock<std::mutex> lock(mutex_);
  changed_.wait_for(lock, std::chrono::duration<double>(seconds),
                    [&] { return entries_[text].status != NativeStatus::kNotReady; });
  return {entries_[text].status, entries_[text].fn};
}

void NativeCache::worker() {
  for (;;) {
    std::pair<std::string, RegionKey> job;
    {
      std::unique_lock<std::mutex> lock(mutex_);
      changed_.wait(lock, [&] { return stopping_ || !queue_.empty(); });
      if (stopping_) return;
      job = std::move(queue_.front());
      queue_.pop_front();
    }
    Entry result;
    build(job.first, job.second, result);
    {
      std::lock_guard<std::mutex> lock(mutex_);
      entries_[job.first] = result;
    }
    changed_.notify_all();
  }
}

std::string NativeCache::kernel_path(const RegionKey& key) const {
  if (directory_.empty()) return "";
  std::string identity;
  if (run_process({options_.compiler, "--version"}, "", &identity) != 0 || identity.empty()) return "";
  std::string hashed = generate_source(key, options_.version) + '\0' + template_digest_ + '\0' + options_.compiler +
                       '\0' + identity;
  for (const std::string& f : compile_flags(options_)) hashed += '\0' + f;
  return directory_ + "/" + hex64(fnv1a64(hashed)) + ".so";
}

void NativeCache::build(const std::string& key_text, const RegionKey& key, Entry& result) {
  result.status = NativeStatus::kFailed;
  const std::string expected_query = options_.version + "|" + key_text;
  const std::string source = generate_source(key, options_.version);
  const std::vector<std::string> flags = compile_flags(options_);
  const std::string so = kernel_path(key);
  if (so.empty()) {
    warn("compiler '" + options_.compiler + "' not found or not runnable; fused regions run in the interpreter");
    return;
  }
  const std::string base = so.substr(0, so.size() - 3);

  const int lock_fd = open((base + ".lock").c_str(), O_RDWR | O_CREAT | O_CLOEXEC | O_NOFOLLOW, 0600);
  if (lock_fd < 0) {
    warn("cannot lock " + base + ".lock: " + std::strerror(errno) + "; region runs in the interpreter");
    return;
  }
  while (flock(lock_fd, LOCK_EX) != 0 && errno == EINTR) {
  }
  auto load = [&](std::string& why) -> bool {
    void* h = dlopen(so.c_str(), RTLD_NOW | RTLD_LOCAL);
    if (!h) {
      const char* e = dlerror();
      why = e ? e : "dlopen failed";
      return false;
    }
    using Query = const char* (*)();
    auto query = reinterpret_cast<Query>(dlsym(h, "fuseflow_jit_query"));
    auto fn = reinterpret_cast<RegionFn>(dlsym(h, "fuseflow_jit_kernel"));
    if (!query || !fn || expected_query != query()) {
      why = "its query symbol does not answer this version and region";
      dlclose(h);
      return false;
    }
    result = Entry{NativeStatus::kReady, fn, h};
    return true;
  };
  for (int attempt = 0; attempt < 2 && result.status != NativeStatus::kReady; ++attempt) {
    if (file_exists(so)) {
      std::string why;
      if (load(why)) break;
      warn("cached kernel " + so + " is unusable (" + why + "); rebuilding it");
      unlink(so.c_str());
    }
    if (attempt == 1) break;
    const std::string cpp = base + ".cpp";
    const std::string tmp_so = so + ".tmp." + std::to_string(getpid());
    if (!write_atomic(cpp, source)) {
      warn("cannot write " + cpp + "; region runs in the interpreter");
      break;
    }
    std::vector<std::string> argv = {options_.compiler};
    argv.insert(argv.end(), flags.begin(), flags.end());
    argv.insert(argv.end(), {"-o", tmp_so, cpp});
    const int rc = run_process(argv, base + ".log", nullptr);
    if (rc != 0 || std::rename(tmp_so.c_str(), so.c_str()) != 0) {
      unlink(tmp_so.c_str());
      warn("compiling " + cpp + " failed (exit " + std::to_string(rc) + ", see " + base + ".log); region runs in the interpreter");
      break;
    }
    std::string why;
    if (!load(why)) {
      warn("compiled kernel " + so + " does not load (" + why + "); region runs in the interpreter");
      break;
    }
  }
  flock(lock_fd, LOCK_UN);
  close(lock_fd);
}

// native_enabled(): jit/hook.cpp (the mode, settable at run time).

NativeCache& native_cache() {
  static NativeCache cache;
  return cache;
}

std::string default_cache_directory() {
  const std::string root = default_root();
  if (root.empty()) return "";
  return root + "/fuseflow/" + std::string(FUSEFLOW_JIT_VERSION) + "-" + abi_tag() + "/" + prejit_target();
}

namespace {
bool cache_file(const fs::path& p) {
  const std::string name = p.filename().string();
  const std::string ext = p.extension().string();
  return ext == ".so" || ext == ".cpp" || ext == ".log" || ext == ".lock" || name.find(".tmp.") != std::string::npos;
}
}  // namespace

namespace {
void check_root(const std::string& root) {
  if (!root.empty() && root[0] != '/') throw_value_error("root", "must be an absolute folder path, got '" + root + "'");
}
}  // namespace

CacheInfo cache_info(const std::string& root) {
  check_root(root);
  CacheInfo info;
  const std::string r = root.empty() ? default_root() : root;
  if (r.empty()) return info;
  info.directory = r + "/fuseflow";
  std::error_code ec;
  if (!fs::is_directory(info.directory, ec)) return info;
  for (auto it = fs::recursive_directory_iterator(info.directory, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (!it->is_regular_file(ec)) continue;
    info.bytes += static_cast<std::int64_t>(it->file_size(ec));
    if (it->path().extension() == ".so") ++info.kernels;
  }
  return info;
}

std::int64_t clear_cache(const std::string& root) {
  check_root(root);
  const std::string r = root.empty() ? default_root() : root;
  if (r.empty()) return 0;
  const std::string dir = r + "/fuseflow";
  std::error_code ec;
  if (!fs::is_directory(fs::symlink_status(dir, ec))) return 0;
  std::vector<fs::path> doomed;
  for (auto it = fs::recursive_directory_iterator(dir, ec); !ec && it != fs::recursive_directory_iterator();
       it.increment(ec)) {
    if (it->is_regular_file(ec) && cache_file(it->path())) doomed.push_back(it->path());
  }
  std::int64_t removed = 0;
  for (const fs::path& p : doomed) removed += fs::remove(p, ec) ? 1 : 0;
  return removed;
}

}  // namespace fuseflow::jit
