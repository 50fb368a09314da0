// Tier "native": a region compiled by the system compiler in the background, cached on disk, and
// loaded; bitwise equal to the interpreter. Failure paths: no compiler, a cached library from
// another version, a corrupt cached library, an unsafe cache folder, two processes on one key.
// Each cache lives under its own scratch root (XDG_CACHE_HOME is not touched).
#include <gtest/gtest.h>
#include <fcntl.h>
#include <spawn.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <random>

#include "fuseflow/core/error.h"
#include "fuseflow/jit/native.h"
#include "jit_harness.h"
#include "jit_regions.h"
#include "temp_path.h"

extern char** environ;

namespace fuseflow::testing {
namespace {

namespace fs = std::filesystem;

// Compiles take ~1-5 s; a loaded machine can take much longer.
constexpr double kCompileSeconds = 300.0;

bool has_compiler() {
  const char* cxx = std::getenv("CXX");
  std::string c = cxx && *cxx ? cxx : "c++";
  pid_t pid;
  std::vector<char*> argv = {c.data(), const_cast<char*>("--version"), nullptr};
  posix_spawn_file_actions_t fa;
  posix_spawn_file_actions_init(&fa);
  posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
  const int rc = posix_spawnp(&pid, argv[0], &fa, nullptr, argv.data(), environ);
  posix_spawn_file_actions_destroy(&fa);
  if (rc != 0) return false;
  int status = 0;
  waitpid(pid, &status, 0);
  return WIFEXITED(status) && WEXITSTATUS(status) == 0;
}

// Scratch roots of the running test, removed when it ends (pass or fail).
class ScratchCleanup : public ::testing::EmptyTestEventListener {
 public:
  static std::vector<std::string>& roots() {
    static std::vector<std::string> r;
    return r;
  }
  void OnTestEnd(const ::testing::TestInfo&) override {
    std::error_code ec;
    for (const std::string& r : roots()) fs::remove_all(r, ec);
    roots().clear();
  }
};

std::string scratch_root(const std::string& name) {
  static const bool installed = [] {
    ::testing::UnitTest::GetInstance()->listeners().Append(new ScratchCleanup);
    return true;
  }();
  (void)installed;
  const std::string root = temp_path(name);
  fs::remove_all(root);
  fs::create_directories(root);
  fs::permissions(root, fs::perms::owner_all, fs::perm_options::replace);
  ScratchCleanup::roots().push_back(root);
  return root;
}

jit::NativeOptions options(const std::string& root, const std::string& version = "") {
  jit::NativeOptions o;
  o.cache_root = root;
  o.version = version;
  o.log_to_stderr = false;
  return o;
}

std::vector<JitInput> where_inputs(std::size_t n) {
  std::mt19937_64 rng(5);
  std::normal_distribution<double> dist(0.0, 3.0);
  std::vector<double> x(n), y(n);
  for (auto& v : x) v = dist(rng);
  for (auto& v : y) v = dist(rng);
  if (n > 10) {
    x[3] = std::numeric_limits<double>::quiet_NaN();
    x[4] = -std::numeric_limits<double>::infinity();
    y[5] = std::numeric_limits<double>::infinity();
  }
  return {JitInput::of(x), JitInput::of(y)};
}

void expect_matches_interpreter(const JitRegion& r, jit::RegionFn fn) {
  for (std::size_t n : {0, 1, 7, 1001, 65539}) {
    const auto inputs = where_inputs(n);
    expect_bitwise_equal(run_region<double>(r, fn, inputs, static_cast<std::int64_t>(n), 1000),
                         run_interpreter<double>(jit_regions::kWhereExpression, inputs), "native n=" + std::to_string(n));
  }
}

std::size_t count_files(const std::string& dir, const std::string& needle) {
  std::size_t k = 0;
  for (const auto& e : fs::recursive_directory_iterator(dir)) {
    if (e.path().filename().string().find(needle) != std::string::npos) ++k;
  }
  return k;
}

TEST(JitNative, CompilesInBackgroundCachesAndMatchesInterpreter) {
  if (!has_compiler()) GTEST_SKIP() << "no C++ compiler";
  const std::string root = scratch_root("cache");
  JitRegion r = optimized_region(jit_regions::kWhereExpression);
  ASSERT_TRUE(r.binding);
  {
    jit::NativeCache cache(options(root));
    ASSERT_FALSE(cache.directory().empty()) << ::testing::PrintToString(cache.warnings());
    EXPECT_EQ(cache.directory().rfind(root + "/fuseflow/", 0), 0u) << cache.directory();
    // The first lookup only queues the compile.
    const jit::NativeLookup first = cache.lookup(r.binding->key);
    EXPECT_EQ(first.status, jit::NativeStatus::kNotReady);
    EXPECT_EQ(first.fn, nullptr);
    const jit::NativeLookup ready = cache.wait(r.binding->key, kCompileSeconds);
    ASSERT_EQ(ready.status, jit::NativeStatus::kReady) << ::testing::PrintToString(cache.warnings());
    expect_matches_interpreter(r, ready.fn);
    EXPECT_TRUE(cache.warnings().empty()) << ::testing::PrintToString(cache.warnings());
  }
  EXPECT_EQ(count_files(root, ".so"), 1u);
  EXPECT_EQ(count_files(root, ".tmp."), 0u);
  // A new cache (a new process, say) loads the kernel from disk: still one library, no warning.
  jit::NativeCache again(options(root));
  const jit::NativeLookup loaded = again.wait(r.binding->key, kCompileSeconds);
  ASSERT_EQ(loaded.status, jit::NativeStatus::kReady);
  EXPECT_EQ(count_files(root, ".so"), 1u);
  EXPECT_TRUE(again.warnings().empty());
  // jit_cache.info() / clear() underneath.
  const jit::CacheInfo info = jit::cache_info(root);
  EXPECT_EQ(info.kernels, 1);
  EXPECT_GT(info.bytes, 0);
  EXPECT_GE(jit::clear_cache(root), 3);  // .so, .cpp, .log, .lock
  EXPECT_EQ(jit::cache_info(root).kernels, 0);
}

TEST(JitNative, MissingCompilerFallsBackWithOneWarning) {
  const std::string root = scratch_root("cache");
  jit::NativeOptions o = options(root);
  o.compiler = "/nonexistent";
  jit::NativeCache cache(o);
  JitRegion r = optimized_region(jit_regions::kWhereExpression);
  const jit::NativeLookup got = cache.wait(r.binding->key, kCompileSeconds);
  EXPECT_EQ(got.status, jit::NativeStatus::kFailed);
  EXPECT_EQ(got.fn, nullptr);
  ASSERT_EQ(cache.warnings().size(), 1u);
  EXPECT_NE(cache.warnings()[0].find("/nonexistent"), std::string::npos) << cache.warnings()[0];
  // Asking again neither retries nor warns again.
  EXPECT_EQ(cache.lookup(r.binding->key).status, jit::NativeStatus::kFailed);
  EXPECT_EQ(cache.warnings().size(), 1u);
}

TEST(JitNative, CorruptOrOtherVersionLibraryIsRebuilt) {
  if (!has_compiler()) GTEST_SKIP() << "no C++ compiler";
  JitRegion r = optimized_region(jit_regions::kWhereExpression);
  // A kernel built by "version 1" copied to where "version 2" looks: its query symbol answers
  // the wrong version, so it is removed and rebuilt (one warning), and the result is right.
  const std::string root1 = scratch_root("v1"), root2 = scratch_root("v2");
  jit::NativeCache v1(options(root1, "0.0.1-test"));
  ASSERT_EQ(v1.wait(r.binding->key, kCompileSeconds).status, jit::NativeStatus::kReady);
  {
    jit::NativeCache probe(options(root2, "0.0.2-test"));
    const std::string target = probe.kernel_path(r.binding->key);
    ASSERT_FALSE(target.empty());
    fs::copy_file(v1.kernel_path(r.binding->key), target);
  }
  jit::NativeCache v2(options(root2, "0.0.2-test"));
  const jit::NativeLookup got = v2.wait(r.binding->key, kCompileSeconds);
  ASSERT_EQ(got.status, jit::NativeStatus::kReady) << ::testing::PrintToString(v2.warnings());
  ASSERT_EQ(v2.warnings().size(), 1u);
  EXPECT_NE(v2.warnings()[0].find("query symbol"), std::string::npos) << v2.warnings()[0];
  expect_matches_interpreter(r, got.fn);

  // Garbage where the library should be: dlopen fails, rebuilt, one warning.
  const std::string root3 = scratch_root("corrupt");
  {
    jit::NativeCache probe(options(root3, "0.0.3-test"));
    std::ofstream(probe.kernel_path(r.binding->key), std::ios::binary) << "not an ELF file";
  }
  jit::NativeCache v3(options(root3, "0.0.3-test"));
  const jit::NativeLookup fixed = v3.wait(r.binding->key, kCompileSeconds);
  ASSERT_EQ(fixed.status, jit::NativeStatus::kReady) << ::testing::PrintToString(v3.warnings());
  ASSERT_EQ(v3.warnings().size(), 1u);
  EXPECT_NE(v3.warnings()[0].find("unusable"), std::string::npos) << v3.warnings()[0];
  expect_matches_interpreter(r, fixed.fn);
}

// A kernel compiled from an older template must never be reused: the cache key covers every
// header under the include folders, not only the generated source.
TEST(JitNative, KernelPathChangesWithTheTemplateHeaders) {
  if (!has_compiler()) GTEST_SKIP() << "no C++ compiler";
  JitRegion r = optimized_region(jit_regions::kWhereExpression);
  const std::string root = scratch_root("digest");
  const std::string inc = root + "/inc";
  fs::create_directories(inc + "/jit");
  auto path_with = [&](const std::string& text) {
    std::ofstream(inc + "/jit/region_kernel-inl.h", std::ios::binary) << text;
    jit::NativeOptions o = options(root + "/cache");
    o.include_dirs = {inc};
    fs::create_directories(root + "/cache");
    fs::permissions(root + "/cache", fs::perms::owner_all, fs::perm_options::replace);
    return jit::NativeCache(o).kernel_path(r.binding->key);
  };
  const std::string a = path_with("// template A\n");
  const std::string b = path_with("// template B\n");
  ASSERT_FALSE(a.empty());
  EXPECT_NE(a, b);
  EXPECT_EQ(path_with("// template A\n"), a);
}

TEST(JitNative, UnsafeCacheFolderIsRefused) {
  JitRegion r = optimized_region(jit_regions::kWhereExpression);
  const std::string root = scratch_root("unsafe");
  fs::create_directories(root + "/fuseflow");
  fs::permissions(root + "/fuseflow", fs::perms::owner_all | fs::perms::others_all, fs::perm_options::replace);
  jit::NativeCache cache(options(root));
  EXPECT_TRUE(cache.directory().empty());
  EXPECT_EQ(cache.lookup(r.binding->key).status, jit::NativeStatus::kFailed);
  ASSERT_EQ(cache.warnings().size(), 1u);
  EXPECT_NE(cache.warnings()[0].find("writable by group or others"), std::string::npos) << cache.warnings()[0];
  // A group-writable root is refused too.
  const std::string root2 = scratch_root("unsafe_root");
  fs::permissions(root2, fs::perms::owner_all | fs::perms::group_write, fs::perm_options::replace);
  jit::NativeCache cache2(options(root2));
  EXPECT_TRUE(cache2.directory().empty());
  // A symbolic link in place of a folder is refused.
  const std::string root3 = scratch_root("symlink");
  fs::create_directory_symlink(root2, root3 + "/fuseflow");
  jit::NativeCache cache3(options(root3));
  EXPECT_TRUE(cache3.directory().empty());
  ASSERT_EQ(cache3.warnings().size(), 1u);
  EXPECT_NE(cache3.warnings()[0].find("not a directory"), std::string::npos) << cache3.warnings()[0];
  // A folder owned by another user (needs one that exists: "/" when not running as root).
  if (geteuid() != 0) {
    jit::NativeCache cache4(options("/"));
    EXPECT_TRUE(cache4.directory().empty());
    ASSERT_EQ(cache4.warnings().size(), 1u);
    EXPECT_NE(cache4.warnings()[0].find("owned by another user"), std::string::npos) << cache4.warnings()[0];
  }
}

// The child half of TwoProcessesShareOneKey (skipped unless that test starts it).
TEST(JitNativeChild, CompileSharedKey) {
  const char* root = std::getenv("FUSEFLOW_JIT_TEST_CHILD_ROOT");
  if (!root) GTEST_SKIP() << "run by JitNative.TwoProcessesShareOneKey";
  JitRegion r = optimized_region(jit_regions::kWhereExpression);
  jit::NativeCache cache(options(root, "0.0.4-test"));
  const jit::NativeLookup got = cache.wait(r.binding->key, kCompileSeconds);
  ASSERT_EQ(got.status, jit::NativeStatus::kReady) << ::testing::PrintToString(cache.warnings());
  EXPECT_TRUE(cache.warnings().empty()) << ::testing::PrintToString(cache.warnings());
  expect_matches_interpreter(r, got.fn);
}

TEST(JitNative, TwoProcessesShareOneKey) {
  if (!has_compiler()) GTEST_SKIP() << "no C++ compiler";
  const std::string root = scratch_root("shared");
  const std::string env_root = "FUSEFLOW_JIT_TEST_CHILD_ROOT=" + root;
  std::vector<std::string> env_strings;
  for (char** e = environ; *e; ++e) env_strings.emplace_back(*e);
  env_strings.push_back(env_root);
  std::vector<char*> envp;
  for (auto& s : env_strings) envp.push_back(s.data());
  envp.push_back(nullptr);
  std::string exe = fs::read_symlink("/proc/self/exe").string();
  std::string filter = "--gtest_filter=JitNativeChild.CompileSharedKey";
  std::vector<char*> argv = {exe.data(), filter.data(), nullptr};
  pid_t pids[2];
  for (pid_t& pid : pids) {
    posix_spawn_file_actions_t fa;
    posix_spawn_file_actions_init(&fa);
    posix_spawn_file_actions_addopen(&fa, 1, "/dev/null", O_WRONLY, 0);
    ASSERT_EQ(posix_spawn(&pid, exe.c_str(), &fa, nullptr, argv.data(), envp.data()), 0);
    posix_spawn_file_actions_destroy(&fa);
  }
  for (pid_t pid : pids) {
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    EXPECT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "child status " << status;
  }
  EXPECT_EQ(count_files(root, ".so"), 1u);
  EXPECT_EQ(count_files(root, ".tmp."), 0u);
}

TEST(JitNative, CacheInfoAndClearRejectARelativeRoot) {
  for (auto call : {+[] { jit::cache_info("relative/dir"); }, +[] { jit::clear_cache("relative/dir"); }}) {
    try {
      call();
      ADD_FAILURE() << "no error for a relative root";
    } catch (const Error& e) {
      EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
      EXPECT_NE(std::string(e.what()).find("root"), std::string::npos) << e.what();
    }
  }
}

TEST(JitNative, GeneratedSourceNamesTheRegion) {
  JitRegion r = optimized_region(jit_regions::kWhereExpression);
  const std::string src = jit::generate_source(r.binding->key, "9.9.9");
  EXPECT_NE(src.find("\"9.9.9|" + r.binding->key.str() + "\""), std::string::npos) << src;
  EXPECT_NE(src.find("RegionKernel<fuseflow::jit::shape::Generated>"), std::string::npos);
  // The default cache is never a temporary folder: XDG_CACHE_HOME or ~/.cache.
  const std::string dir = jit::default_cache_directory();
  if (!dir.empty()) {
    EXPECT_NE(dir.find("/fuseflow/"), std::string::npos);
  }
}

}  // namespace
}  // namespace fuseflow::testing
