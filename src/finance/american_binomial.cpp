// Cox-Ross-Rubinstein binomial tree for American options: up factor exp(sigma sqrt(dt)), early
// exercise tested at every node, one row of steps + 1 values (O(steps) memory, O(steps^2) work).
// Converges to the exact price as steps grows (error O(1/steps), oscillating between odd and even
// step counts). When (r - q) dt is large against sigma sqrt(dt) the risk-neutral probability
// leaves [0, 1]; the tree is then still evaluated (CRR's known limit: use more steps).
#include <cmath>
#include <limits>

#include "fuseflow/finance/american.h"

namespace fuseflow::finance {

double american_binomial(double s, double k, double t, double r, double q, double sigma, bool is_call,
                         std::int64_t steps, double* work) noexcept {
  if (!detail::valid_inputs(s, k, t, r, q, sigma) || steps < 1 || steps > kMaxBinomialSteps)
    return std::numeric_limits<double>::quiet_NaN();
  if (t == 0.0) return std::fmax(is_call ? s - k : k - s, 0.0);
  const double sign = is_call ? 1.0 : -1.0;  // payoff = max(sign (S - K), 0)
  const double dt = t / static_cast<double>(steps);
  const double jump = sigma * std::sqrt(dt);
  const double up2 = std::exp(2.0 * jump);
  const double growth = std::exp((r - q) * dt);
  const double down = std::exp(-jump), up = std::exp(jump);
  const double p_up = (growth - down) / (up - down);
  const double disc = std::exp(-r * dt);
  const double a = disc * p_up, b = disc * (1.0 - p_up);
  // Terminal row: node j has j up moves, S = s u^(2j - steps).
  double spot = s * std::exp(-jump * static_cast<double>(steps));
  for (std::int64_t j = 0; j <= steps; ++j) {
    work[j] = std::fmax(sign * (spot - k), 0.0);
    spot *= up2;
  }
  for (std::int64_t i = steps - 1; i >= 0; --i) {
    spot = s * std::exp(-jump * static_cast<double>(i));
    for (std::int64_t j = 0; j <= i; ++j) {
      const double held = a * work[j + 1] + b * work[j];
      work[j] = std::fmax(held, sign * (spot - k));
      spot *= up2;
    }
  }
  return work[0];
}

}  // namespace fuseflow::finance
