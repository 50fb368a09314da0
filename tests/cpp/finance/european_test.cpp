// The European pricing kernels in C++: reference values, operand layouts (contiguous, strided,
// shared), the three error modes, thread-count invariance, the one-option entry, and extreme
// inputs that must give numbers (or NaN) but never a crash.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <random>
#include <vector>

#include "fuseflow/core/threads.h"
#include "fuseflow/finance/european.h"
#include "../test_interrupts.h"

namespace fuseflow::finance {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();
constexpr double kInf = std::numeric_limits<double>::infinity();

// Owns the six argument arrays (and flags) of a batch.
struct Batch {
  std::vector<double> args[kNumArguments];
  std::vector<std::uint8_t> flags;

  EuropeanInputs inputs(Model model) const {
    EuropeanInputs in;
    in.model = model;
    for (int j = 0; j < kNumArguments; ++j) in.args[j] = {args[j].data(), 1};
    in.is_call = {flags.data(), 1};
    in.size = static_cast<std::int64_t>(flags.size());
    return in;
  }
};

Batch random_batch(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 gen(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  Batch b;
  for (auto& a : b.args) a.resize(n);
  b.flags.resize(n);
  for (std::size_t i = 0; i < n; ++i) {
    b.args[kStrike][i] = 50 + 100 * u(gen);
    b.args[kSpot][i] = b.args[kStrike][i] * std::exp(-1 + 2 * u(gen));
    b.args[kTime][i] = std::exp(std::log(1e-3) + u(gen) * std::log(3e4));
    b.args[kRate][i] = -0.05 + 0.25 * u(gen);
    b.args[kDividend][i] = -0.05 + 0.25 * u(gen);
    b.args[kVol][i] = std::exp(std::log(0.01) + u(gen) * std::log(300.0));
    b.flags[i] = u(gen) < 0.5;
  }
  return b;
}

double price_one(Model model, double s, double k, double t, double r, double q, double sigma, bool call) {
  const double values[kNumArguments] = {s, k, t, r, q, sigma};
  InvalidInput bad;
  const double p = european_price_one(model, values, call, bad);
  EXPECT_LT(bad.index, 0);
  return p;
}

TEST(FinanceEuropean, ReferenceValues) {
  // Textbook case and references computed with mpmath at 40 digits.
  EXPECT_NEAR(price_one(Model::kBlackScholes, 100, 100, 1, 0.05, 0, 0.2, true), 10.450583572185565, 1e-13);
  EXPECT_NEAR(price_one(Model::kBlackScholes, 100, 100, 1, 0.05, 0, 0.2, false), 5.573526022256971, 1e-13);
  EXPECT_NEAR(price_one(Model::kBachelier, 0, 0, 1, 0, 0, 0.01, false), 0.01 * 0.3989422804014327, 1e-17);
  EXPECT_NEAR(price_one(Model::kDigitalCash, 100, 100, 1, 0.05, 0, 0.2, true), 0.5323248154537634, 1e-15);
  EXPECT_EQ(price_one(Model::kBlackScholes, 120, 100, 0, 0.05, 0, 0.2, true), 20.0);  // expiry: intrinsic
}

TEST(FinanceEuropean, SharedAndStridedOperandsMatchContiguous) {
  const std::size_t n = 1001;  // not a multiple of any vector width
  Batch b = random_batch(n, 1);
  for (auto& v : b.args[kRate]) v = 0.03;
  std::vector<double> expected(n), got(n);
  EuropeanInputs in = b.inputs(Model::kBlackScholes);
  ASSERT_LT(european_price(in, ErrorMode::kRaise, expected.data()).index, 0);
  const double rate = 0.03;
  in.args[kRate] = {&rate, 0};  // one value for every option
  std::vector<double> strided(2 * n);
  for (std::size_t i = 0; i < n; ++i) strided[2 * i] = b.args[kSpot][i];
  in.args[kSpot] = {strided.data(), 2};
  ASSERT_LT(european_price(in, ErrorMode::kRaise, got.data()).index, 0);
  for (std::size_t i = 0; i < n; ++i) EXPECT_EQ(got[i], expected[i]) << i;
}

TEST(FinanceEuropean, OneOptionEqualsBatchBitwise) {
  Batch b = random_batch(257, 2);
  for (Model model : {Model::kBlackScholes, Model::kBlack76, Model::kBachelier, Model::kDigitalCash,
                      Model::kDigitalAsset}) {
    std::vector<double> out(257);
    ASSERT_LT(european_price(b.inputs(model), ErrorMode::kRaise, out.data()).index, 0);
    for (std::size_t i = 0; i < out.size(); ++i) {
      const double values[kNumArguments] = {b.args[0][i], b.args[1][i], b.args[2][i],
                                            b.args[3][i], b.args[4][i], b.args[5][i]};
      InvalidInput bad;
      EXPECT_EQ(european_price_one(model, values, b.flags[i], bad), out[i]);
    }
  }
}

TEST(FinanceEuropean, RaiseReportsTheFirstOffender) {
  Batch b = random_batch(5000, 3);
  b.args[kVol][4321] = -1.0;
  b.args[kTime][777] = -0.5;
  b.args[kSpot][4000] = kNaN;
  std::vector<double> out(5000);
  const InvalidInput bad = european_price(b.inputs(Model::kBlackScholes), ErrorMode::kRaise, out.data());
  EXPECT_EQ(bad.index, 777);
  EXPECT_EQ(bad.argument, kTime);
  EXPECT_STREQ(bad.rule, "must be >= 0");
  EXPECT_EQ(bad.value, -0.5);
}

TEST(FinanceEuropean, NanModeMarksOnlyTheOffenders) {
  Batch b = random_batch(300, 4);
  b.args[kStrike][10] = 0.0;
  b.args[kRate][299] = kInf;
  std::vector<double> out(300);
  EXPECT_LT(european_price(b.inputs(Model::kBlackScholes), ErrorMode::kNan, out.data()).index, 0);
  for (std::size_t i = 0; i < out.size(); ++i) {
    if (i == 10 || i == 299) {
      EXPECT_TRUE(std::isnan(out[i]));
    } else {
      EXPECT_TRUE(std::isfinite(out[i])) << i;
    }
  }
}

TEST(FinanceEuropean, BachelierAcceptsNonPositiveForwardsAndStrikes) {
  const double values[kNumArguments] = {-0.01, 0.0, 1.0, 0.0, 0.0, 0.01};
  EXPECT_LT(check_option(Model::kBachelier, values, 0).index, 0);
  EXPECT_EQ(check_option(Model::kBlack76, values, 0).argument, kSpot);
}

TEST(FinanceEuropean, ThreadCountDoesNotChangeResults) {
  Batch b = random_batch(200000, 5);
  std::vector<double> one(200000), many(200000);
  std::vector<double> greeks_one(9 * 200000), greeks_many(9 * 200000);
  auto outputs = [](std::vector<double>& g) {
    const std::size_t n = g.size() / 9;
    return GreekOutputs{&g[0], &g[n], &g[2 * n], &g[3 * n], &g[4 * n], &g[5 * n], &g[6 * n], &g[7 * n], &g[8 * n]};
  };
  set_num_threads(1);
  european_price(b.inputs(Model::kBlackScholes), ErrorMode::kRaise, one.data());
  european_greeks(b.inputs(Model::kBlackScholes), ErrorMode::kRaise, outputs(greeks_one));
  set_num_threads(4);
  european_price(b.inputs(Model::kBlackScholes), ErrorMode::kRaise, many.data());
  european_greeks(b.inputs(Model::kBlackScholes), ErrorMode::kRaise, outputs(greeks_many));
  set_num_threads(0);
  EXPECT_EQ(one, many);
  EXPECT_EQ(greeks_one, greeks_many);
}

TEST(FinanceEuropean, ExtremeValidInputsGiveFiniteNonNegativePrices) {
  const double spots[] = {1e-300, 1e-8, 1.0, 1e8, 1e300};
  const double times[] = {0.0, 1e-300, 1e-12, 1.0, 1e4};
  const double vols[] = {1e-300, 1e-10, 0.2, 50.0, 1e10};
  for (double s : spots) {
    for (double t : times) {
      for (double v : vols) {
        for (bool call : {true, false}) {
          for (Model model : {Model::kBlackScholes, Model::kBlack76, Model::kDigitalCash, Model::kDigitalAsset}) {
            const double p = price_one(model, s, 1.0, t, 0.01, 0.0, v, call);
            EXPECT_TRUE(std::isfinite(p) && p >= 0) << s << " " << t << " " << v << " " << call << " " << p;
          }
          const double p = price_one(Model::kBachelier, s, 1.0, t, 0.01, 0.0, v, call);
          EXPECT_FALSE(std::isnan(p)) << s << " " << t << " " << v;
        }
      }
    }
  }
}

TEST(FinanceEuropean, UncheckedGarbageDoesNotCrash) {
  Batch b = random_batch(64, 6);
  const double garbage[] = {kNaN, kInf, -kInf, -1.0, 0.0, 1e308, -1e308};
  for (std::size_t i = 0; i < 64; ++i) {
    for (auto& a : b.args) a[i] = garbage[(i + static_cast<std::size_t>(&a - b.args)) % 7];
  }
  std::vector<double> out(64);
  std::vector<double> g(9 * 64);
  for (Model model : {Model::kBlackScholes, Model::kBlack76, Model::kBachelier, Model::kDigitalCash,
                      Model::kDigitalAsset}) {
    EXPECT_LT(european_price(b.inputs(model), ErrorMode::kUnchecked, out.data()).index, 0);
    GreekOutputs outs{&g[0], &g[64], &g[128], &g[192], &g[256], &g[320], &g[384], &g[448], &g[512]};
    EXPECT_LT(european_greeks(b.inputs(model), ErrorMode::kUnchecked, outs).index, 0);
  }
}

TEST(FinanceEuropean, CtrlCStopsABatchSerialAndThreaded) {
  // check_interrupt asks the hook at most every 20 ms and one batch may take less: batches are
  // repeated until one is interrupted (a run that never polls fails after 4,000 of them).
  Batch b = random_batch(1 << 18, 7);
  std::vector<double> out(b.flags.size());
  for (int threads : {1, 2}) {
    set_num_threads(threads);
    fuseflow::testing::expect_interrupted([&] {
      for (int i = 0; i < 4000; ++i) european_price(b.inputs(Model::kBlackScholes), ErrorMode::kRaise, out.data());
    });
  }
  set_num_threads(0);
}

}  // namespace
}  // namespace fuseflow::finance
