// Pieces every American method shares: input rule, regimes, the European price, the quadrature
// rule of the QD-FP integrals and the per-method dispatch.
#include <array>
#include <cmath>
#include <limits>

#include "fuseflow/finance/american.h"
#include "fuseflow/finance/normal.h"

namespace fuseflow::finance {
namespace detail {

bool valid_inputs(double s, double k, double t, double r, double q, double sigma) noexcept {
  return std::isfinite(s) && std::isfinite(k) && std::isfinite(t) && std::isfinite(r) && std::isfinite(q) &&
         std::isfinite(sigma) && s > 0.0 && k > 0.0 && t >= 0.0 && sigma > 0.0;
}

PutRegime put_regime(double r, double q) noexcept {
  if (r > 0.0) return PutRegime::kOneBoundary;
  // r <= 0: holding the strike in cash never earns interest, so exercising early can pay only
  // through the short stock position's dividend (-q S), which is positive only when q < 0 and
  // outweighs the lost interest only when q < r.
  return q >= r ? PutRegime::kNeverExercise : PutRegime::kDoubleBoundary;
}

double european_put_unit(double x, double t, double r, double q, double sigma) noexcept {
  const double vol = sigma * std::sqrt(t);
  const double d_plus = (std::log(x) + (r - q) * t) / vol + 0.5 * vol;
  const double d_minus = d_plus - vol;
  return std::exp(-r * t) * norm_cdf(-d_minus) - x * std::exp(-q * t) * norm_cdf(-d_plus);
}

namespace {

// Gauss-Legendre nodes by Newton on P_n from the Chebyshev-like first guess; 1e-15 accurate.
struct PhiTables {
  // Rule n occupies [offset(n), offset(n) + n): offset(n) = n (n - 1) / 2.
  static constexpr int kTotal = kQdFpMaxPoints * (kQdFpMaxPoints + 1) / 2;
  std::array<double, kTotal> node{}, node_weight{}, sin_phi{}, cos_phi{}, weight{};

  PhiTables() {
    constexpr double kPi = 3.14159265358979323846;
    for (int n = 1; n <= kQdFpMaxPoints; ++n) {
      const int base = n * (n - 1) / 2;
      for (int i = 0; i < n; ++i) {
        double x = std::cos(kPi * (i + 0.75) / (n + 0.5));
        double dp = 1.0;
        for (int it = 0; it < 100; ++it) {
          double p0 = 1.0, p1 = x;
          for (int j = 2; j <= n; ++j) {
            const double p2 = ((2.0 * j - 1.0) * x * p1 - (j - 1.0) * p0) / j;
            p0 = p1;
            p1 = p2;
          }
          dp = n * (x * p1 - p0) / (x * x - 1.0);
          const double dx = p1 / dp;
          x -= dx;
          if (std::fabs(dx) < 1e-16) break;
        }
        // Recompute the derivative at the converged node for the weight.
        double p0 = 1.0, p1 = x;
        for (int j = 2; j <= n; ++j) {
          const double p2 = ((2.0 * j - 1.0) * x * p1 - (j - 1.0) * p0) / j;
          p0 = p1;
          p1 = p2;
        }
        dp = n * (x * p1 - p0) / (x * x - 1.0);
        const double w = 2.0 / ((1.0 - x * x) * dp * dp);
        const double phi = 0.25 * kPi * (1.0 + x);
        node[base + i] = x;
        node_weight[base + i] = w;
        sin_phi[base + i] = std::sin(phi);
        cos_phi[base + i] = std::cos(phi);
        weight[base + i] = 0.25 * kPi * w;
      }
    }
  }
};

}  // namespace

PhiRule phi_rule(int n) noexcept {
  static const PhiTables tables;
  const int base = n * (n - 1) / 2;
  return {tables.node.data() + base, tables.node_weight.data() + base, tables.sin_phi.data() + base,
          tables.cos_phi.data() + base, tables.weight.data() + base};
}

}  // namespace detail

double european_price(double s, double k, double t, double r, double q, double sigma, bool is_call) noexcept {
  if (!detail::valid_inputs(s, k, t, r, q, sigma)) return std::numeric_limits<double>::quiet_NaN();
  if (t == 0.0) return std::fmax(is_call ? s - k : k - s, 0.0);
  // A call is the put of the symmetric problem: C(S, K, r, q) = P(K, S, q, r).
  return is_call ? s * detail::european_put_unit(k / s, t, q, r, sigma)
                 : k * detail::european_put_unit(s / k, t, r, q, sigma);
}

double american_price(AmericanMethod method, double s, double k, double t, double r, double q, double sigma,
                      bool is_call) noexcept {
  switch (method) {
    case AmericanMethod::kBjerksundStensland:
      return american_bjerksund_stensland(s, k, t, r, q, sigma, is_call);
    case AmericanMethod::kBjerksundStensland1993:
      return american_bjerksund_stensland_1993(s, k, t, r, q, sigma, is_call);
    case AmericanMethod::kQdPlus:
      return american_qdplus(s, k, t, r, q, sigma, is_call);
    case AmericanMethod::kQdFp:
      break;
  }
  return american_qdfp(s, k, t, r, q, sigma, is_call);
}

double detail::closed_form_american(CallClosedForm call, double s, double k, double t, double r, double q,
                                    double sigma, bool is_call) noexcept {
  if (!valid_inputs(s, k, t, r, q, sigma)) return std::numeric_limits<double>::quiet_NaN();
  if (t == 0.0) return std::fmax(is_call ? s - k : k - s, 0.0);
  // Call arguments of the transformed problem (a put is the call with spot K, strike S, r <-> q).
  const double cs = is_call ? s : k, ck = is_call ? k : s;
  const double cr = is_call ? r : q, cq = is_call ? q : r;
  // Never-exercise regime (the put regime of the symmetric problem): the European price.
  const PutRegime regime = put_regime(cq, cr);
  if (regime == PutRegime::kNeverExercise) return european_price(s, k, t, r, q, sigma, is_call);
  // Two exercise boundaries: outside the closed form's model; QD-FP's binomial fallback.
  if (regime == PutRegime::kDoubleBoundary) return american_qdfp(s, k, t, r, q, sigma, is_call);
  const double value = call(cs, ck, t, cr, cr - cq, sigma);
  // Guard: a non-finite closed form (overflow of S^beta for extreme inputs) falls back to QD-FP.
  if (!std::isfinite(value)) return american_qdfp(s, k, t, r, q, sigma, is_call);
  // Both the closed form and the European price are values of feasible exercise strategies
  // (lower bounds of the American price): the larger is the better approximation. Short-dated
  // deep in-the-money cases put the closed form below the European value (QuantLib's engine
  // takes the same maximum).
  return std::fmax(value, std::fmax(european_price(s, k, t, r, q, sigma, is_call), std::fmax(cs - ck, 0.0)));
}

}  // namespace fuseflow::finance
