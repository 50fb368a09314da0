// Bjerksund-Stensland (1993), "Closed-form approximation of American options": one flat trigger
// I over the whole life, C = alpha S^beta - alpha phi(S,T,beta,I,I) + phi(S,T,1,I,I) - phi(S,T,1,K,I)
// - K phi(S,T,0,I,I) + K phi(S,T,0,K,I), alpha = (I - K) I^-beta, with
// I = B0 + (Binf - B0)(1 - exp(h(T))), h(T) = -(b T + 2 sigma sqrt(T)) B0 / (Binf - B0).
// Kept beside the 2002 form because it is the method of QuantLib's
// BjerksundStenslandApproximationEngine, which users compare against. Puts by the put-call
// transformation P(S, K, r, q) = C(K, S, q, r), regimes as in american.h.
#include <cmath>
#include <limits>

#include "fuseflow/finance/american.h"

namespace fuseflow::finance {
namespace {

double call_bs1993(double s, double k, double t, double r, double b, double sigma) noexcept {
  const double var = sigma * sigma;
  const double beta = (0.5 - b / var) + std::sqrt((b / var - 0.5) * (b / var - 0.5) + 2.0 * r / var);
  const double b_inf = beta / (beta - 1.0) * k;
  const double b_0 = std::fmax(k, r / (r - b) * k);
  const double h = -(b * t + 2.0 * sigma * std::sqrt(t)) * b_0 / (b_inf - b_0);
  const double trigger = b_0 + (b_inf - b_0) * (1.0 - std::exp(h));
  if (s >= trigger) return s - k;
  const double alpha = (trigger - k) * std::exp(-beta * std::log(trigger));
  const detail::Carry c{r, b, sigma};
  using detail::bs_phi;
  return alpha * std::exp(beta * std::log(s)) - alpha * bs_phi(s, t, beta, trigger, trigger, c) +
         bs_phi(s, t, 1.0, trigger, trigger, c) - bs_phi(s, t, 1.0, k, trigger, c) -
         k * bs_phi(s, t, 0.0, trigger, trigger, c) + k * bs_phi(s, t, 0.0, k, trigger, c);
}

}  // namespace

double american_bjerksund_stensland_1993(double s, double k, double t, double r, double q, double sigma,
    bool is_call) noexcept {
  return detail::closed_form_american(&call_bs1993, s, k, t, r, q, sigma, is_call);
}

}  // namespace fuseflow::finance
