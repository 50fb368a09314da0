// choose_tier: prejit when the table has the shape, native once compiled (opt-in), else the
// interpreter, each with its explanation.
#include <gtest/gtest.h>

#include <cmath>
#include <filesystem>
#include <limits>

#include "fuseflow/jit/tier.h"
#include "jit_harness.h"
#include "jit_regions.h"
#include "temp_path.h"

namespace fuseflow::testing {
namespace {

const char* kUnlisted = R"(func @f(%0:f64[n0], %1:f64[n0]) {
  %2:f64[n0] = sub %0, %1
  %3:f64[n0] = tanh %2
  %4:f64[n0] = mul %3, %3
  return %4
}
)";

TEST(JitTier, PrejitHitNamesItsKey) {
  JitRegion r = optimized_region(jit_regions::kWhereExpression);
  const jit::TierChoice c = jit::choose_tier(r.program, *r.fused);
  EXPECT_EQ(c.tier, jit::Tier::kPrejit);
  EXPECT_NE(c.fn, nullptr);
  EXPECT_EQ(c.explanation, "prejit:" + r.binding->key.str());
}

TEST(JitTier, UnsupportedAndUnlistedRegionsRunTheInterpreter) {
  JitRegion r = optimized_region(R"(func @f(%0:i64[n0], %1:i64[n0]) {
  %2:i64[n0] = mul %0, %1
  %3:i64[n0] = add %2, %0
  return %3
}
)");
  jit::TierChoice c = jit::choose_tier(r.program, *r.fused);
  EXPECT_EQ(c.tier, jit::Tier::kInterp);
  EXPECT_EQ(c.fn, nullptr);
  EXPECT_FALSE(c.binding);
  EXPECT_EQ(c.explanation.rfind("interp: region outside", 0), 0u) << c.explanation;

  if (jit::native_enabled()) GTEST_SKIP() << "FUSEFLOW_JIT=on: the unlisted case would compile";
  JitRegion u = optimized_region(kUnlisted);
  c = jit::choose_tier(u.program, *u.fused);
  EXPECT_EQ(c.tier, jit::Tier::kInterp);
  EXPECT_NE(c.explanation.find("no prejit kernel"), std::string::npos) << c.explanation;
}

std::string scratch(const std::string& name) {
  const std::string root = temp_path(name);
  std::filesystem::remove_all(root);
  std::filesystem::create_directories(root);
  std::filesystem::permissions(root, std::filesystem::perms::owner_all, std::filesystem::perm_options::replace);
  return root;
}

TEST(JitTier, FailedNativeCompileLeavesTheInterpreter) {
  const std::string root = scratch("cache");
  jit::NativeOptions o;
  o.cache_root = root;
  o.compiler = "/nonexistent";  // the failure path: interpreter for good, one warning
  o.log_to_stderr = false;
  jit::NativeCache cache(o);
  JitRegion u = optimized_region(kUnlisted);
  jit::TierChoice c = jit::choose_tier(u.program, *u.fused, &cache);
  EXPECT_EQ(c.tier, jit::Tier::kInterp);
  EXPECT_NE(c.explanation.find("under way"), std::string::npos) << c.explanation;
  cache.wait(u.binding->key, 300.0);
  c = jit::choose_tier(u.program, *u.fused, &cache);
  EXPECT_EQ(c.tier, jit::Tier::kInterp);
  EXPECT_NE(c.explanation.find("failed"), std::string::npos) << c.explanation;
  EXPECT_EQ(cache.warnings().size(), 1u);
  std::filesystem::remove_all(root);
}

// A region no prejit shape covers: interpreter while compiling, then the native kernel, which
// matches the interpreter bitwise.
TEST(JitTier, NativeKernelTakesOverOnceLoaded) {
  const std::string root = scratch("cache");
  jit::NativeOptions o;
  o.cache_root = root;
  o.log_to_stderr = false;
  jit::NativeCache cache(o);
  JitRegion u = optimized_region(kUnlisted);
  jit::TierChoice c = jit::choose_tier(u.program, *u.fused, &cache);
  EXPECT_EQ(c.tier, jit::Tier::kInterp);
  if (cache.wait(u.binding->key, 300.0).status != jit::NativeStatus::kReady) {
    GTEST_SKIP() << "no working C++ compiler: " << ::testing::PrintToString(cache.warnings());
  }
  c = jit::choose_tier(u.program, *u.fused, &cache);
  ASSERT_EQ(c.tier, jit::Tier::kNative);
  EXPECT_EQ(c.explanation, "native:" + u.binding->key.str());
  std::vector<double> x(5003), y(5003);
  for (std::size_t i = 0; i < x.size(); ++i) {
    x[i] = std::sin(static_cast<double>(i)) * 30.0;
    y[i] = std::cos(static_cast<double>(i) * 0.37) * 5.0;
  }
  x[7] = std::numeric_limits<double>::quiet_NaN();
  const std::vector<JitInput> inputs = {JitInput::of(x), JitInput::of(y)};
  expect_bitwise_equal(run_region<double>(u, c.fn, inputs, 5003, 1024), run_interpreter<double>(kUnlisted, inputs),
                       "native tanh region");
  std::filesystem::remove_all(root);
}

}  // namespace
}  // namespace fuseflow::testing
