// American option kernels (src/finance/american_*.cpp): limits and identities that hold exactly
// or to a stated tolerance, independent of the Python-side comparisons against QuantLib.
#include <gtest/gtest.h>

#include <cmath>
#include <limits>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/finance/american.h"
#include "test_interrupts.h"

namespace fuseflow::finance {
namespace {

constexpr double kNaN = std::numeric_limits<double>::quiet_NaN();

struct Case {
  double s, k, t, r, q, sigma;
};

std::vector<Case> grid() {
  std::vector<Case> cases;
  for (double m : {0.6, 0.9, 1.0, 1.1, 1.4})
    for (double t : {0.1, 1.0, 3.0})
      for (double sigma : {0.15, 0.4})
        for (auto rq : {std::pair{0.05, 0.0}, std::pair{0.02, 0.08}, std::pair{0.08, 0.03}})
          cases.push_back({100.0 * m, 100.0, t, rq.first, rq.second, sigma});
  return cases;
}

double binomial(const Case& c, bool is_call, std::int64_t steps) {
  std::vector<double> work(static_cast<std::size_t>(steps) + 1);
  return american_binomial(c.s, c.k, c.t, c.r, c.q, c.sigma, is_call, steps, work.data());
}

TEST(AmericanBinomial, NoDividendCallConvergesToEuropean) {
  // An American call on a stock without dividends (r >= 0) is never exercised early: the tree
  // must approach the Black-Scholes price at CRR's O(1/steps) rate.
  for (const Case& base : grid()) {
    Case c = base;
    c.q = 0.0;
    const double european = european_price(c.s, c.k, c.t, c.r, 0.0, c.sigma, true);
    EXPECT_LT(std::fabs(binomial(c, true, 2000) - european), 6e-3) << c.s << " " << c.t << " " << c.sigma;
  }
}

TEST(AmericanBinomial, RejectsBadStepsAndInputsWithNaN) {
  double work[8];
  EXPECT_TRUE(std::isnan(american_binomial(100, 100, 1, 0.05, 0, 0.2, false, 0, work)));
  EXPECT_TRUE(std::isnan(american_binomial(100, 100, 1, 0.05, 0, -0.2, false, 4, work)));
  EXPECT_TRUE(std::isnan(american_binomial(kNaN, 100, 1, 0.05, 0, 0.2, false, 4, work)));
  EXPECT_DOUBLE_EQ(american_binomial(90, 100, 0, 0.05, 0, 0.2, false, 4, work), 10.0);
}

TEST(AmericanQdFp, CallWithoutDividendsIsExactlyEuropean) {
  for (const Case& c : grid()) {
    EXPECT_EQ(american_qdfp(c.s, c.k, c.t, c.r, 0.0, c.sigma, true),
              european_price(c.s, c.k, c.t, c.r, 0.0, c.sigma, true));
    EXPECT_EQ(american_bjerksund_stensland(c.s, c.k, c.t, c.r, -0.01, c.sigma, true),
              european_price(c.s, c.k, c.t, c.r, -0.01, c.sigma, true));
  }
}

TEST(AmericanQdFp, PutCallSymmetry) {
  for (const Case& c : grid()) {
    const double call = american_qdfp(c.s, c.k, c.t, c.r, c.q, c.sigma, true);
    const double put = american_qdfp(c.k, c.s, c.t, c.q, c.r, c.sigma, false);
    EXPECT_NEAR(call, put, 1e-12 * c.k);
  }
}

TEST(AmericanQdFp, BoundedByEuropeanAndIntrinsic) {
  for (const Case& c : grid()) {
    for (bool is_call : {false, true}) {
      const double v = american_qdfp(c.s, c.k, c.t, c.r, c.q, c.sigma, is_call);
      EXPECT_GE(v, european_price(c.s, c.k, c.t, c.r, c.q, c.sigma, is_call) - 1e-12);
      EXPECT_GE(v, (is_call ? c.s - c.k : c.k - c.s) - 1e-12);
    }
  }
}

TEST(AmericanQdFp, AgreesWithAFineTree) {
  // Trees of 1500 and 1501 steps averaged are within ~2e-3 of the exact price here; QD-FP's own
  // error is ~1e-3 on this grid (tests/python compares it with QuantLib at 1e-4 K); bound 1e-4 K.
  for (const Case& c : grid()) {
    if (c.t > 1.0) continue;  // keep the test fast: the long-dated ones are in the Python suite
    for (bool is_call : {false, true}) {
      const double tree = 0.5 * (binomial(c, is_call, 1500) + binomial(c, is_call, 1501));
      EXPECT_NEAR(american_qdfp(c.s, c.k, c.t, c.r, c.q, c.sigma, is_call), tree, 1e-2)
          << c.s << " " << c.t << " " << c.r << " " << c.q << " " << c.sigma << " call=" << is_call;
    }
  }
}

TEST(AmericanQdFp, RegimesWithoutOneBoundary) {
  // r <= 0 <= q... (q >= r): never exercised, the European put.
  EXPECT_EQ(american_qdfp(90, 100, 1, -0.01, 0.02, 0.3, false), european_price(90, 100, 1, -0.01, 0.02, 0.3, false));
  EXPECT_EQ(american_qdfp(90, 100, 1, 0.0, 0.0, 0.3, false), european_price(90, 100, 1, 0.0, 0.0, 0.3, false));
  // q < r <= 0: two boundaries, the averaged tree fallback; compare with a finer tree.
  const Case c{70, 100, 1.0, -0.01, -0.06, 0.2};
  const double fine = 0.5 * (binomial(c, false, 8000) + binomial(c, false, 8001));
  const double v = american_qdfp(c.s, c.k, c.t, c.r, c.q, c.sigma, false);
  EXPECT_NEAR(v, fine, 2e-3);
  EXPECT_GT(v, european_price(c.s, c.k, c.t, c.r, c.q, c.sigma, false) + 0.01);  // early exercise pays here
}

TEST(AmericanQdFp, InvalidInputsGiveNaNAndZeroTimeGivesIntrinsic) {
  for (AmericanMethod m : {AmericanMethod::kQdFp, AmericanMethod::kBjerksundStensland,
                           AmericanMethod::kBjerksundStensland1993, AmericanMethod::kQdPlus}) {
    EXPECT_TRUE(std::isnan(american_price(m, kNaN, 100, 1, 0.05, 0, 0.2, false)));
    EXPECT_TRUE(std::isnan(american_price(m, 100, 100, 1, 0.05, 0, -0.2, false)));
    EXPECT_TRUE(std::isnan(american_price(m, 100, 100, 1, 0.05, 0, 0.0, true)));
    EXPECT_TRUE(std::isnan(american_price(m, 100, 100, -1, 0.05, 0, 0.2, true)));
    EXPECT_TRUE(std::isnan(american_price(m, 100, 100, 1, std::numeric_limits<double>::infinity(), 0, 0.2, true)));
    EXPECT_TRUE(std::isnan(american_price(m, 0, 100, 1, 0.05, 0, 0.2, true)));
    EXPECT_EQ(american_price(m, 90, 100, 0, 0.05, 0, 0.2, false), 10.0);
    EXPECT_EQ(american_price(m, 90, 100, 0, 0.05, 0, 0.2, true), 0.0);
  }
}

TEST(AmericanQdFp, ExtremeButValidInputsStayFinite) {
  for (double sigma : {1e-4, 0.01, 3.0, 10.0})
    for (double t : {1e-6, 1e-3, 30.0})
      for (double m : {0.01, 1.0, 100.0})
        for (bool is_call : {false, true}) {
          const double v = american_qdfp(100 * m, 100, t, 0.05, 0.03, sigma, is_call);
          EXPECT_TRUE(std::isfinite(v)) << sigma << " " << t << " " << m;
          EXPECT_GE(v, 0.0);
        }
}

TEST(AmericanBoundary, MonotoneInTimeAndBelowStrikeForPuts) {
  const int n = 50;
  std::vector<double> times(n), put(n), call(n);
  for (int i = 0; i < n; ++i) times[i] = 2.0 * i / (n - 1);
  american_exercise_boundary(100, 2.0, 0.06, 0.02, 0.3, false, times.data(), put.data(), n);
  american_exercise_boundary(100, 2.0, 0.02, 0.06, 0.3, true, times.data(), call.data(), n);
  EXPECT_DOUBLE_EQ(put[0], 100.0);   // put: B(0+) = K min(1, r/q)
  EXPECT_DOUBLE_EQ(call[0], 100.0);  // call: B(0+) = K max(1, r/q)
  for (int i = 1; i < n; ++i) {
    EXPECT_LT(put[i], put[i - 1]);   // a put is exercised at lower spots the longer it has to run
    EXPECT_GT(call[i], call[i - 1]);
    EXPECT_GT(put[i], 0.0);
  }
  // The price is the exercise value at and below the put boundary, and above it beyond.
  const double b = put[n - 1];
  EXPECT_DOUBLE_EQ(american_qdfp(b * 0.999, 100, 2.0, 0.06, 0.02, 0.3, false), 100 - b * 0.999);
  EXPECT_GT(american_qdfp(b * 1.01, 100, 2.0, 0.06, 0.02, 0.3, false), 100 - b * 1.01);
}

TEST(AmericanBatch, MatchesScalarAndRejectsBadSteps) {
  std::vector<double> s, k, t, r, q, sigma;
  std::vector<std::uint8_t> is_call;
  for (const Case& c : grid()) {
    for (std::uint8_t call : {0, 1}) {
      s.push_back(c.s), k.push_back(c.k), t.push_back(c.t), r.push_back(c.r), q.push_back(c.q);
      sigma.push_back(c.sigma), is_call.push_back(call);
    }
  }
  s[3] = kNaN;
  sigma[5] = -1.0;
  const std::size_t n = s.size();
  std::vector<double> out(n);
  for (AmericanMethod m : {AmericanMethod::kQdFp, AmericanMethod::kBjerksundStensland}) {
    american_price_batch(m, s.data(), k.data(), t.data(), r.data(), q.data(), sigma.data(), is_call.data(),
                         out.data(), n);
    for (std::size_t i = 0; i < n; ++i) {
      const double want = american_price(m, s[i], k[i], t[i], r[i], q[i], sigma[i], is_call[i] != 0);
      if (std::isnan(want)) {
        EXPECT_TRUE(std::isnan(out[i]));
      } else {
        EXPECT_EQ(out[i], want);
      }
    }
  }
  american_binomial_batch(s.data(), k.data(), t.data(), r.data(), q.data(), sigma.data(), is_call.data(), 64,
                          out.data(), n);
  std::vector<double> work(65);
  EXPECT_EQ(out[0], american_binomial(s[0], k[0], t[0], r[0], q[0], sigma[0], is_call[0] != 0, 64, work.data()));
  EXPECT_TRUE(std::isnan(out[3]) && std::isnan(out[5]));
  try {
    american_binomial_batch(s.data(), k.data(), t.data(), r.data(), q.data(), sigma.data(), is_call.data(), 0,
                            out.data(), n);
    ADD_FAILURE() << "steps = 0 accepted";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    EXPECT_NE(std::string(e.what()).find("steps"), std::string::npos);
  }
}

TEST(AmericanBatch, StopsOnInterrupt) {
  const std::size_t n = 200000;
  std::vector<double> s(n, 100.0), k(n, 100.0), t(n, 1.0), r(n, 0.05), q(n, 0.02), sigma(n, 0.3), out(n);
  std::vector<std::uint8_t> is_call(n, 0);
  testing::expect_interrupted([&] {
    american_price_batch(AmericanMethod::kQdFp, s.data(), k.data(), t.data(), r.data(), q.data(), sigma.data(),
                         is_call.data(), out.data(), n);
  });
}

}  // namespace
}  // namespace fuseflow::finance
