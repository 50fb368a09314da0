// Implied volatility round trips against an independent Black / Bachelier price in long double
// (64-bit mantissa), over the grid of issue 10: ln(K/F) in [-5, 5], t in [1/365, 30], sigma in
// [0.01, 3], calls and puts.
#include <gtest/gtest.h>

#include <algorithm>
#include <cfloat>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>
#include <thread>
#include <vector>

#include "fuseflow/finance/implied_vol.h"
#include "test_interrupts.h"

namespace fuseflow::finance {
namespace {

using ld = long double;

ld cdf(ld x) { return 0.5L * std::erfc(-x / std::sqrt(2.0L)); }
ld pdf(ld x) { return std::exp(-0.5L * x * x) / std::sqrt(2.0L * 3.141592653589793238462643383279503L); }

struct Quote {
  ld price;
  ld vega;  // d price / d sigma
};

// Textbook undiscounted Black price (independent of the solver's normalised form).
Quote black(ld f, ld k, ld t, ld sigma, bool call) {
  const ld sd = sigma * std::sqrt(t);
  const ld d1 = std::log(f / k) / sd + 0.5L * sd;
  const ld d2 = d1 - sd;
  const ld p = call ? f * cdf(d1) - k * cdf(d2) : k * cdf(-d2) - f * cdf(-d1);
  return {p, f * pdf(d1) * std::sqrt(t)};
}

Quote bachelier(ld f, ld k, ld t, ld sigma, bool call) {
  const ld sd = sigma * std::sqrt(t);
  const ld d = (f - k) / sd;
  const ld p = call ? (f - k) * cdf(d) + sd * pdf(d) : (k - f) * cdf(-d) + sd * pdf(d);
  return {p, pdf(d) * std::sqrt(t)};
}

std::vector<double> grid(double lo, double hi, int n, bool log_spaced) {
  std::vector<double> v(static_cast<std::size_t>(n));
  for (int i = 0; i < n; ++i) {
    const double u = static_cast<double>(i) / (n - 1);
    v[static_cast<std::size_t>(i)] =
        log_spaced ? std::exp(std::log(lo) + u * (std::log(hi) - std::log(lo))) : lo + u * (hi - lo);
  }
  return v;
}

// The round trip is meaningful where one ulp of the price moves sigma by well under 1e-12:
// vega * 1e-12 > 4 ulp(price) (i.e. the price determines sigma to better than 1e-12).
bool representable(double price, ld vega) {
  if (!(price >= DBL_MIN)) return false;
  const double ulp = std::nextafter(price, HUGE_VAL) - price;
  return vega * 1e-12L > 4.0L * ulp;
}

TEST(ImpliedVolBlack, RoundTripOnTheIssueGrid) {
  const double f = 100.0;
  int checked = 0, skipped = 0, max_iterations = 0, nan_inside = 0;
  double worst = 0.0;
  std::vector<int> histogram(70, 0);
  for (const double m : grid(-5.0, 5.0, 41, false)) {
    for (const double t : grid(1.0 / 365.0, 30.0, 25, true)) {
      for (const double sigma : grid(0.01, 3.0, 41, true)) {
        for (const bool call : {true, false}) {
          const double k = f * std::exp(m);
          const Quote q = black(f, k, t, sigma, call);
          const double price = static_cast<double>(q.price);
          const double intrinsic = call ? std::max(f - k, 0.0) : std::max(k - f, 0.0);
          const double upper = call ? f : k;
          int iterations = 0;
          const double iv = detail::black_implied_volatility_counted(price, f, k, t, call, &iterations);
          if (price > intrinsic && price < upper) {
            nan_inside += std::isnan(iv);
            EXPECT_TRUE(iv >= 0.0) << "m=" << m << " t=" << t << " sigma=" << sigma << " call=" << call;
          }
          if (!representable(price, q.vega) || !(price > intrinsic && price < upper)) {
            ++skipped;
            continue;
          }
          ++checked;
          ++histogram[static_cast<std::size_t>(iterations)];
          max_iterations = std::max(max_iterations, iterations);
          const double err = std::fabs(iv - sigma);
          worst = std::max(worst, err);
          EXPECT_LE(err, 1e-12) << "m=" << m << " t=" << t << " sigma=" << sigma << " call=" << call
                                << " price=" << price << " iv=" << iv;
        }
      }
    }
  }
  EXPECT_EQ(nan_inside, 0);
  std::printf("black: %d round trips, %d skipped (not representable), worst |dsigma| %.3g, max iterations %d\n",
              checked, skipped, worst, max_iterations);
  std::printf("iterations histogram:");
  for (std::size_t i = 0; i < histogram.size(); ++i)
    if (histogram[i] > 0) std::printf(" %zu:%d", i, histogram[i]);
  std::printf("\n");
}


// Random points over the same ranges (and past them: ln(K/F) in [-8, 8], t up to 50, sigma to 5),
// fixed seed: the grid above cannot hide a bad corner between its nodes.
TEST(ImpliedVolBlack, RoundTripOnRandomPoints) {
  std::uint64_t state = 0x243F6A8885A308D3ull;
  const auto uniform = [&]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  int checked = 0, max_iterations = 0, nan_inside = 0;
  double worst = 0.0;
  for (int i = 0; i < 200000; ++i) {
    const double f = std::exp(-3.0 + 9.0 * uniform());
    const double k = f * std::exp(-8.0 + 16.0 * uniform());
    const double t = std::exp(std::log(1.0 / 365.0) + uniform() * (std::log(50.0) - std::log(1.0 / 365.0)));
    const double sigma = std::exp(std::log(0.005) + uniform() * (std::log(5.0) - std::log(0.005)));
    const bool call = uniform() < 0.5;
    const Quote q = black(f, k, t, sigma, call);
    const double price = static_cast<double>(q.price);
    const double intrinsic = call ? std::max(f - k, 0.0) : std::max(k - f, 0.0);
    if (!(price > intrinsic && price < (call ? f : k))) continue;
    int iterations = 0;
    const double iv = detail::black_implied_volatility_counted(price, f, k, t, call, &iterations);
    nan_inside += !(iv >= 0.0);
    if (!representable(price, q.vega)) continue;
    ++checked;
    max_iterations = std::max(max_iterations, iterations);
    const double err = std::fabs(iv - sigma);
    worst = std::max(worst, err);
    ASSERT_LE(err, 1e-12) << "f=" << f << " k=" << k << " t=" << t << " sigma=" << sigma << " call=" << call;
  }
  EXPECT_EQ(nan_inside, 0);
  EXPECT_GT(checked, 50000);
  std::printf("black random: %d round trips, worst |dsigma| %.3g, max iterations %d\n", checked, worst, max_iterations);
}

TEST(ImpliedVolBlack, BoundsAndInvalidInputs) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  // Exactly at intrinsic -> 0; exactly at the upper bound -> +inf; outside -> NaN.
  EXPECT_EQ(black_implied_volatility(0.0, 100.0, 120.0, 1.0, true), 0.0);
  EXPECT_EQ(black_implied_volatility(20.0, 120.0, 100.0, 1.0, true), 0.0);
  EXPECT_EQ(black_implied_volatility(20.0, 100.0, 120.0, 1.0, false), 0.0);
  EXPECT_EQ(black_implied_volatility(100.0, 100.0, 120.0, 1.0, true), inf);
  EXPECT_EQ(black_implied_volatility(120.0, 100.0, 120.0, 1.0, false), inf);
  EXPECT_TRUE(std::isnan(black_implied_volatility(19.999, 120.0, 100.0, 1.0, true)));   // below intrinsic
  EXPECT_TRUE(std::isnan(black_implied_volatility(-1e-300, 100.0, 120.0, 1.0, true)));  // negative price
  EXPECT_TRUE(std::isnan(black_implied_volatility(100.001, 100.0, 120.0, 1.0, true)));  // above F
  EXPECT_TRUE(std::isnan(black_implied_volatility(120.001, 100.0, 120.0, 1.0, false))); // above K
  // Invalid inputs.
  for (const double bad : {nan, inf, -inf}) {
    EXPECT_TRUE(std::isnan(black_implied_volatility(bad, 100.0, 100.0, 1.0, true)));
    EXPECT_TRUE(std::isnan(black_implied_volatility(5.0, bad, 100.0, 1.0, true)));
    EXPECT_TRUE(std::isnan(black_implied_volatility(5.0, 100.0, bad, 1.0, true)));
    EXPECT_TRUE(std::isnan(black_implied_volatility(5.0, 100.0, 100.0, bad, true)));
  }
  for (const double bad : {0.0, -1.0}) {
    EXPECT_TRUE(std::isnan(black_implied_volatility(5.0, bad, 100.0, 1.0, true)));
    EXPECT_TRUE(std::isnan(black_implied_volatility(5.0, 100.0, bad, 1.0, true)));
    EXPECT_TRUE(std::isnan(black_implied_volatility(5.0, 100.0, 100.0, bad, true)));
  }
  // Strictly inside but one ulp from a bound: a finite, non-negative answer, never NaN.
  const double just_above_intrinsic = std::nextafter(20.0, inf);
  EXPECT_GE(black_implied_volatility(just_above_intrinsic, 120.0, 100.0, 1.0, true), 0.0);
  const double just_below_f = std::nextafter(100.0, 0.0);
  const double high = black_implied_volatility(just_below_f, 100.0, 120.0, 1.0, true);
  EXPECT_TRUE(std::isfinite(high) && high > 10.0) << high;
  EXPECT_GT(black_implied_volatility(DBL_MIN, 100.0, 120.0, 1.0, true), 0.0);
  EXPECT_GT(black_implied_volatility(std::numeric_limits<double>::denorm_min(), 100.0, 120.0, 1.0, true), 0.0);
}

TEST(ImpliedVolBlack, ParityGivesTheSameVolatilityForCallAndPut) {
  for (const double k : {50.0, 90.0, 100.0, 110.0, 200.0}) {
    const Quote c = black(100.0, k, 0.5, 0.3, true);
    const double call = static_cast<double>(c.price);
    const double put = static_cast<double>(c.price - (100.0L - k));  // parity on the undiscounted prices
    EXPECT_NEAR(black_implied_volatility(call, 100.0, k, 0.5, true), 0.3, 1e-13);
    EXPECT_NEAR(black_implied_volatility(put, 100.0, k, 0.5, false), 0.3, 1e-12);
  }
}

TEST(ImpliedVolNormal, RoundTripOnAGrid) {
  int checked = 0, max_iterations = 0, nan_inside = 0;
  double worst = 0.0;
  for (const double f : {-0.01, 0.0, 0.02, 100.0}) {
    const double scale = f == 100.0 ? 100.0 : 0.01;  // a rate-like and a price-like forward
    for (const double m : grid(-5.0, 5.0, 41, false)) {
      for (const double t : grid(1.0 / 365.0, 30.0, 25, true)) {
        for (const double sigma_rel : grid(0.01, 3.0, 41, true)) {
          for (const bool call : {true, false}) {
            // Moneyness in standard deviations of one year at sigma = scale: K = F + m scale.
            const double k = f + m * scale;
            const double sigma = sigma_rel * scale;
            const Quote q = bachelier(f, k, t, sigma, call);
            const double price = static_cast<double>(q.price);
            const double intrinsic = call ? std::max(f - k, 0.0) : std::max(k - f, 0.0);
            int iterations = 0;
            const double iv = detail::normal_implied_volatility_counted(price, f, k, t, call, &iterations);
            if (price > intrinsic) nan_inside += !(iv >= 0.0);
            if (!(price > intrinsic) || !representable(price, q.vega * sigma)) continue;  // relative: vega sigma
            ++checked;
            max_iterations = std::max(max_iterations, iterations);
            const double err = std::fabs(iv / sigma - 1.0);
            worst = std::max(worst, err);
            EXPECT_LE(err, 1e-12) << "f=" << f << " k=" << k << " t=" << t << " sigma=" << sigma << " call=" << call;
          }
        }
      }
    }
  }
  EXPECT_EQ(nan_inside, 0);
  std::printf("normal: %d round trips, worst relative error %.3g, max iterations %d\n", checked, worst, max_iterations);
}

TEST(ImpliedVolNormal, BoundsAndInvalidInputs) {
  const double nan = std::numeric_limits<double>::quiet_NaN();
  const double inf = std::numeric_limits<double>::infinity();
  EXPECT_EQ(normal_implied_volatility(0.0, 0.01, 0.02, 1.0, true), 0.0);
  EXPECT_EQ(normal_implied_volatility(0.01, 0.02, 0.01, 1.0, true), 0.0);
  EXPECT_TRUE(std::isnan(normal_implied_volatility(0.009, 0.02, 0.01, 1.0, true)));
  EXPECT_TRUE(std::isnan(normal_implied_volatility(-1e-9, 0.01, 0.02, 1.0, true)));
  // At the money: exact closed form nu = sqrt(2 pi) price.
  EXPECT_NEAR(normal_implied_volatility(0.004, -0.01, -0.01, 4.0, false), 0.004 * std::sqrt(2 * M_PI) / 2.0, 1e-18);
  // No upper bound: a huge price still has a volatility.
  EXPECT_TRUE(std::isfinite(normal_implied_volatility(1e6, 0.0, 0.01, 1.0, true)));
  for (const double bad : {nan, inf, -inf}) {
    EXPECT_TRUE(std::isnan(normal_implied_volatility(bad, 0.0, 0.0, 1.0, true)));
    EXPECT_TRUE(std::isnan(normal_implied_volatility(0.01, bad, 0.0, 1.0, true)));
    EXPECT_TRUE(std::isnan(normal_implied_volatility(0.01, 0.0, bad, 1.0, true)));
    EXPECT_TRUE(std::isnan(normal_implied_volatility(0.01, 0.0, 0.0, bad, true)));
  }
  EXPECT_TRUE(std::isnan(normal_implied_volatility(0.01, 0.0, 0.0, 0.0, true)));
  EXPECT_TRUE(std::isnan(normal_implied_volatility(0.01, 0.0, 0.0, -1.0, true)));
}

// "Concurrency" in the suite name: CI runs it under ThreadSanitizer.
TEST(ImpliedVolConcurrency, BatchMatchesTheScalarSolverOnSeveralThreads) {
  const std::int64_t n = 2 * kMinImpliedVolsPerThread + 1000;  // two threads wherever two exist
  std::vector<double> price(n), f(n), k(n), t(n), out(n), out_normal(n);
  std::vector<std::uint8_t> call(n);
  for (std::int64_t i = 0; i < n; ++i) {
    f[i] = 100.0;
    k[i] = 100.0 * std::exp(-3.0 + 6.0 * static_cast<double>(i % 97) / 96.0);
    t[i] = 0.01 + static_cast<double>(i % 13);
    call[i] = static_cast<std::uint8_t>(i % 3 == 0 ? 0 : 7);  // any non-zero byte is a call
    const double sigma = 0.05 + 0.01 * static_cast<double>(i % 101);
    price[i] = static_cast<double>(black(f[i], k[i], t[i], sigma, call[i] != 0).price);
    if (i % 1000 == 5) price[i] = -1.0;  // no answer: NaN in its slot, the rest computed
  }
  black_implied_volatility(price.data(), f.data(), k.data(), t.data(), call.data(), out.data(), n);
  normal_implied_volatility(price.data(), f.data(), k.data(), t.data(), call.data(), out_normal.data(), n);
  for (std::int64_t i = 0; i < n; ++i) {
    const double expected = black_implied_volatility(price[i], f[i], k[i], t[i], call[i] != 0);
    const double expected_normal = normal_implied_volatility(price[i], f[i], k[i], t[i], call[i] != 0);
    ASSERT_TRUE(expected == out[i] || (std::isnan(expected) && std::isnan(out[i]))) << i;
    ASSERT_TRUE(expected_normal == out_normal[i] || (std::isnan(expected_normal) && std::isnan(out_normal[i]))) << i;
  }
  EXPECT_TRUE(std::isnan(out[5]));
  black_implied_volatility(price.data(), f.data(), k.data(), t.data(), call.data(), out.data(), 0);  // n = 0: no-op
}

TEST(ImpliedVolMath, MillsRatioAgreesWithLongDoubleAndAcrossItsBranches) {
  for (double z = -40.0; z <= 0.0; z += 0.0625) {
    const ld reference = cdf(z) / pdf(z);  // long double: no underflow before z ~ -150
    EXPECT_NEAR(detail::mills_ratio(z) / static_cast<double>(reference), 1.0, 6e-15) << z;
  }
}

TEST(ImpliedVolMath, InverseNormalCdfIsAStartingGuessToOnePartInTenToTheNine) {
  for (double lp = -700.0; lp < -0.0001; lp += 0.37) {
    const double p = std::exp(lp);
    const double z = detail::inverse_norm_cdf_approx(p);
    const ld exact = z - (cdf(z) - p) / pdf(z);  // one long-double Newton step: error ~1e-18
    EXPECT_NEAR(z / static_cast<double>(exact), 1.0, 1.2e-9) << p;
  }
  EXPECT_EQ(detail::inverse_norm_cdf_approx(0.5), 0.0);
}

TEST(ImpliedVolMath, LogNormalisedBlackHasNoUnderflow) {
  // b(x, s) far below the smallest double still has a finite logarithm, matching the asymptote
  // ln b ~ -x^2/(2 s^2) - s^2/8 + ln(s^3 / x^2) - ln sqrt(2 pi) to the order of its next term.
  const double x = -5.0, s = 0.05;
  const double lb = detail::log_normalised_black_call(x, s);
  const double asym = -x * x / (2 * s * s) - s * s / 8 + std::log(s * s * s / (x * x)) - 0.9189385332046727;
  EXPECT_TRUE(std::isfinite(lb));
  EXPECT_NEAR(lb, asym, 3.0 * s * s / (x * x) * 2);
}

TEST(ImpliedVolBatch, SharedOperandsAndTheFirstOffenderInRaiseMode) {
  const std::int64_t n = 5000;
  std::vector<double> price(n), out(n);
  std::vector<std::uint8_t> call(n, 1);
  const double f = 100.0, k = 110.0, t = 0.75;
  for (std::int64_t i = 0; i < n; ++i) {
    price[static_cast<std::size_t>(i)] = static_cast<double>(black(f, k, t, 0.1 + 1e-4 * static_cast<double>(i), true).price);
  }
  price[3001] = 101.0;  // above F
  price[4000] = -1.0;   // below intrinsic
  ImpliedVolInputs in;
  in.price = {price.data(), 1};
  in.f = {&f, 0};
  in.k = {&k, 0};
  in.t = {&t, 0};
  in.is_call = {call.data(), 1};
  in.size = n;
  InvalidInput bad = black_implied_volatility(in, ErrorMode::kNan, out.data());
  EXPECT_LT(bad.index, 0);
  EXPECT_TRUE(std::isnan(out[3001]) && std::isnan(out[4000]));
  for (std::int64_t i = 0; i < n; ++i) {
    if (i == 3001 || i == 4000) continue;
    ASSERT_NEAR(out[static_cast<std::size_t>(i)], 0.1 + 1e-4 * static_cast<double>(i), 1e-12) << i;
  }
  bad = black_implied_volatility(in, ErrorMode::kRaise, out.data());
  EXPECT_EQ(bad.index, 3001);
  EXPECT_EQ(bad.argument, kIvPrice);
  EXPECT_NE(std::string(bad.rule).find("above the upper bound F"), std::string::npos) << bad.rule;
  EXPECT_EQ(bad.value, 101.0);
  price[3001] = 5.0;
  bad = black_implied_volatility(in, ErrorMode::kRaise, out.data());
  EXPECT_EQ(bad.index, 4000);
  EXPECT_NE(std::string(bad.rule).find("below the intrinsic value"), std::string::npos) << bad.rule;
  const double bad_t = 0.0;
  in.t = {&bad_t, 0};
  bad = black_implied_volatility(in, ErrorMode::kRaise, out.data());
  EXPECT_EQ(bad.index, 0);
  EXPECT_EQ(bad.argument, kIvTime);
  bad = normal_implied_volatility(in, ErrorMode::kRaise, out.data());
  EXPECT_EQ(bad.index, 0);
  EXPECT_EQ(bad.argument, kIvTime);
}

TEST(ImpliedVolBatch, ChecksNameTheArgumentInOrder) {
  EXPECT_EQ(black_implied_volatility_check(5.0, -1.0, 100.0, 1.0, true).argument, kIvForward);
  EXPECT_EQ(black_implied_volatility_check(5.0, 100.0, 0.0, 1.0, true).argument, kIvStrike);
  EXPECT_EQ(black_implied_volatility_check(5.0, 100.0, 100.0, -1.0, true).argument, kIvTime);
  EXPECT_EQ(black_implied_volatility_check(NAN, 100.0, 100.0, 1.0, true).argument, kIvPrice);
  EXPECT_EQ(black_implied_volatility_check(5.0, 100.0, 100.0, 1.0, true).index, -1);
  EXPECT_EQ(black_implied_volatility_check(0.0, 100.0, 110.0, 1.0, true).index, -1);   // at intrinsic: 0
  EXPECT_EQ(black_implied_volatility_check(100.0, 100.0, 110.0, 1.0, true).index, -1); // at the bound: inf
  EXPECT_EQ(normal_implied_volatility_check(5.0, -1.0, -2.0, 1.0, true).index, -1);    // negative rates fine
  EXPECT_EQ(normal_implied_volatility_check(0.5, 1.0, -2.0, 1.0, true).argument, kIvPrice);
  EXPECT_EQ(normal_implied_volatility_check(0.5, INFINITY, -2.0, 1.0, true).argument, kIvForward);
}

// Extreme but valid inputs: forwards and strikes over 1e-150..1e150 (|ln(F/K)| up to ~690), t over
// 1e-6..1e6, prices anywhere strictly inside the bounds down to 1e-300 of them. Every one must get a
// finite volatility, in few steps (the round-trip accuracy is checked on the grids above).
TEST(ImpliedVolBlack, ExtremeInputsStillGetAVolatility) {
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  const auto uniform = [&]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  int max_iterations = 0, failures = 0;
  for (int i = 0; i < 200000; ++i) {
    const double f = std::pow(10.0, -150.0 + 300.0 * uniform());
    const double k = std::pow(10.0, -150.0 + 300.0 * uniform());
    const double t = std::pow(10.0, -6.0 + 12.0 * uniform());
    const bool call = uniform() < 0.5;
    const double intrinsic = call ? std::max(f - k, 0.0) : std::max(k - f, 0.0);
    const double upper = call ? f : k;
    // The time value as a fraction of its range, log-uniform down to 1e-300 (and up to 1 - 1e-16).
    const double u = uniform() < 0.5 ? std::pow(10.0, -300.0 * uniform()) : 1.0 - std::pow(10.0, -16.0 * uniform());
    const double price = intrinsic + u * (upper - intrinsic);
    if (!(price > intrinsic && price < upper)) continue;
    int iterations = 0;
    const double iv = detail::black_implied_volatility_counted(price, f, k, t, call, &iterations);
    max_iterations = std::max(max_iterations, iterations);
    if (!(iv >= 0.0) || !std::isfinite(iv)) {
      if (++failures <= 5) ADD_FAILURE() << "f=" << f << " k=" << k << " t=" << t << " call=" << call << " price=" << price << " iv=" << iv;
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_LE(max_iterations, 8);
  std::printf("black extreme inputs: max iterations %d\n", max_iterations);
}

TEST(ImpliedVolNormal, ExtremeInputsStillGetAVolatility) {
  std::uint64_t state = 0xD1B54A32D192ED03ull;
  const auto uniform = [&]() {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    return static_cast<double>(state >> 11) * 0x1.0p-53;
  };
  int max_iterations = 0, failures = 0;
  for (int i = 0; i < 200000; ++i) {
    const double scale = std::pow(10.0, -100.0 + 200.0 * uniform());
    const double f = scale * (uniform() - 0.5);
    const double k = scale * (uniform() - 0.5) * std::pow(10.0, -3.0 + 6.0 * uniform());
    const double t = std::pow(10.0, -6.0 + 12.0 * uniform());
    const bool call = uniform() < 0.5;
    const double intrinsic = call ? std::max(f - k, 0.0) : std::max(k - f, 0.0);
    const double time_value = std::fabs(f - k) * std::pow(10.0, -250.0 + 270.0 * uniform()) + 1e-300;
    const double price = intrinsic + time_value;
    if (!(price > intrinsic) || !std::isfinite(price)) continue;
    int iterations = 0;
    const double iv = detail::normal_implied_volatility_counted(price, f, k, t, call, &iterations);
    max_iterations = std::max(max_iterations, iterations);
    if (!(iv >= 0.0) || !std::isfinite(iv)) {
      if (++failures <= 5) ADD_FAILURE() << "f=" << f << " k=" << k << " t=" << t << " call=" << call << " price=" << price << " iv=" << iv;
    }
  }
  EXPECT_EQ(failures, 0);
  EXPECT_LE(max_iterations, 8);
  std::printf("normal extreme inputs: max iterations %d\n", max_iterations);
}

TEST(ImpliedVolBatch, CtrlCStopsTheBatchSerialAndThreaded) {
  // Threaded: enough work that the other thread cannot finish it all while thread 0 is in the hook.
  for (const std::int64_t n : {std::int64_t{1000}, 64 * kMinImpliedVolsPerThread}) {
    SCOPED_TRACE(n);
    std::vector<double> price(static_cast<std::size_t>(n), 10.0), out(static_cast<std::size_t>(n));
    std::vector<std::uint8_t> call(static_cast<std::size_t>(n), 1);
    const double f = 100.0, k = 110.0, t = 1.0;  // not at the money: Bachelier has a closed form there
    ImpliedVolInputs in;
    in.price = {price.data(), 1};
    in.f = {&f, 0};
    in.k = {&k, 0};
    in.t = {&t, 0};
    in.is_call = {call.data(), 1};
    in.size = n;
    // second_poll: the hook says "go on" at the first poll and "stop" at the next, so this proves
    // a poll per block (the whole batch takes less than check_interrupt's 20 ms rate limit).
    testing::expect_interrupted([&] { black_implied_volatility(in, ErrorMode::kNan, out.data()); }, true);
    testing::expect_interrupted([&] { normal_implied_volatility(in, ErrorMode::kNan, out.data()); }, true);
  }
}

// Several callers at once (the first use builds the solver's edge table: a thread-safe static).
TEST(ImpliedVolConcurrency, ManyCallersGetTheSameAnswers) {
  const std::int64_t n = 3000;
  std::vector<double> price(n), f(n, 100.0), k(n), t(n, 0.5);
  std::vector<std::uint8_t> call(n);
  for (std::int64_t i = 0; i < n; ++i) {
    k[i] = 100.0 * std::exp(-2.0 + 4.0 * static_cast<double>(i) / n);
    call[i] = static_cast<std::uint8_t>(i % 2);
    price[i] = static_cast<double>(black(f[i], k[i], t[i], 0.25, call[i] != 0).price);
  }
  std::vector<std::vector<double>> out(6, std::vector<double>(n));
  std::vector<std::thread> callers;
  for (std::size_t c = 0; c < out.size(); ++c) {
    callers.emplace_back([&, c] {
      if (c % 2 == 0) {
        black_implied_volatility(price.data(), f.data(), k.data(), t.data(), call.data(), out[c].data(), n);
      } else {
        for (std::int64_t i = 0; i < n; ++i) out[c][i] = black_implied_volatility(price[i], f[i], k[i], t[i], call[i] != 0);
      }
    });
  }
  for (auto& caller : callers) caller.join();
  for (std::size_t c = 1; c < out.size(); ++c) EXPECT_EQ(out[c], out[0]) << c;
  for (std::int64_t i = 0; i < n; ++i) {
    if (!representable(price[i], black(f[i], k[i], t[i], 0.25, call[i] != 0).vega)) continue;
    EXPECT_NEAR(out[0][i], 0.25, 1e-12) << i;
  }
}

}  // namespace
}  // namespace fuseflow::finance
