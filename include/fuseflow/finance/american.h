// American options under Black-Scholes with a continuous dividend yield q (src/finance/american_*.cpp).
//
// Methods
// - QD-FP (default, american_qdfp.cpp): the fixed-point scheme of Andersen, Lake and Offengenden
//   ("High-performance American option pricing", 2016). The put exercise boundary B(tau) solves
//   B = K exp(-(r-q) tau) N(tau, B) / D(tau, B) (their system FP-A, Jacobi sweeps);
//   it starts from Li's QD+ boundary (american_qdplus.cpp), lives on Chebyshev nodes in sqrt(tau)
//   as H = ln(B/X)^2, and the integrals use Gauss-Legendre after the substitution u = tau sin^2(phi),
//   which makes both the 1/sqrt(tau-u) kernel and the sqrt(u) shape of the boundary smooth.
//   The price is the European price plus the early-exercise premium integral over that boundary.
// - Bjerksund-Stensland 2002 (american_bjerksund_stensland.cpp): the two-step closed form; and
//   the 1993 one-step form (american_bjerksund_stensland_1993.cpp), which is what QuantLib's
//   BjerksundStenslandApproximationEngine computes (checked to 1e-10 in the tests).
// - Cox-Ross-Rubinstein binomial tree (american_binomial.cpp): O(steps) memory, exact in the limit.
//
// Calls come from puts by put-call symmetry, C(S, K, r, q) = P(K, S, q, r).
//
// Regimes (put; a call maps to the put with r and q swapped):
// - r > 0: one exercise boundary, QD-FP.
// - r <= 0 and q >= r: early exercise is never optimal; the European price, exactly. For a call
//   this is q <= 0 with r >= q (every call without dividends and a non-negative rate).
// - q < r <= 0: the exercise region is an interval between two boundaries, which the one-boundary
//   scheme does not cover; a CRR tree of kFallbackSteps steps (two trees, N and N+1 steps, averaged
//   to cancel the odd/even oscillation) prices it.
// - t == 0: the intrinsic value. sigma <= 0, s <= 0, k <= 0, t < 0 or any NaN input: NaN (the
//   Python front end rejects these before the kernels see them; the kernels never fail on them).
//
// Every scalar function is noexcept and allocation-free; the batch functions throw only before
// their parallel region (bad steps count, Ctrl-C rethrown after the region).
#pragma once

#include <cstddef>
#include <cstdint>

#include "fuseflow/finance/european.h"  // Operand, ErrorMode, InvalidInput: the front end's calling convention

namespace fuseflow::finance {

enum class AmericanMethod : int {
  kQdFp = 0,                // default, accurate
  kBjerksundStensland = 1,  // 2002 closed form, fast
  // Li's QD+ alone (the fixed point's start; not offered in Python: up to 0.21 off QuantLib's
  // QdPlusAmericanEngine at K = 100)
  kQdPlus = 2,
  kBjerksundStensland1993 = 3,  // the 1993 one-trigger form (what QuantLib's engine implements)
};

// Node and iteration counts of the QD-FP scheme (see american_qdfp.cpp for how they were chosen).
// Node and iteration counts of the QD-FP scheme. Measured worst errors against QuantLib's QdFp
// high-precision engine (K = 100; a 900-case grid S/K 0.5..1.5, T 1/12..5, sigma 0.1..0.6, r, q in
// [0, 0.1], and 1000 random cases of the same ranges), as (nodes, sweeps, fp_points, price_points):
//   (4,3,6,10) 8.4e-3   (5,2,8,12) 1.0e-2   (5,3,8,12) 3.3e-3   (6,4,8,16) 1.4e-3   (8,5,10,16) 3.7e-4
// The bar is 1e-4 K = 1e-2. The default is the cheapest count with a margin of ~7x under it
// (cheaper ones reach 1/3 or all of the bar on these sets, and the worst cases sit at the edge
// of the ranges: T = 5, sigma = 0.6); ~10 us per option on one core here.
struct QdFpScheme {
  int nodes = 6;          // Chebyshev intervals in sqrt(tau): nodes + 1 boundary points (one is tau = 0)
  int iterations = 4;     // fixed-point sweeps (Jacobi: every node from the previous sweep's boundary)
  int fp_points = 8;      // Gauss-Legendre points of each fixed-point integral
  int price_points = 16;  // Gauss-Legendre points of the premium integral of the price
};
inline constexpr int kQdFpMaxNodes = 32;
inline constexpr int kQdFpMaxPoints = 64;
// Steps of the binomial fallback of the double-boundary regime (q < r <= 0 for a put).
inline constexpr int kFallbackSteps = 2000;
// Largest steps count american_binomial accepts (O(steps^2) work: ~10 s per option at the cap).
inline constexpr std::int64_t kMaxBinomialSteps = 100000;

// --- scalar prices (NaN for inputs outside the rules above) ---
double american_qdfp(double s, double k, double t, double r, double q, double sigma, bool is_call,
                     const QdFpScheme& scheme = {}) noexcept;
double american_qdplus(double s, double k, double t, double r, double q, double sigma, bool is_call) noexcept;
double american_bjerksund_stensland(double s, double k, double t, double r, double q, double sigma,
                                    bool is_call) noexcept;
double american_bjerksund_stensland_1993(double s, double k, double t, double r, double q, double sigma,
                                         bool is_call) noexcept;
// `work` must hold steps + 1 doubles.
double american_binomial(double s, double k, double t, double r, double q, double sigma, bool is_call,
                         std::int64_t steps, double* work) noexcept;

// European price with a dividend yield (used for the never-exercise regimes and by the tests).
double european_price(double s, double k, double t, double r, double q, double sigma, bool is_call) noexcept;

// Price by `method` (dispatch for the batch loop).
double american_price(AmericanMethod method, double s, double k, double t, double r, double q, double sigma,
                      bool is_call) noexcept;

// Exercise boundary from the QD-FP solution at times to maturity times[i] in [0, t] (values
// outside give NaN): the spot below which a put (above which a call) is exercised. A boundary
// that does not exist (never-exercise regime) is 0 for a put and +inf for a call; the
// double-boundary regime (q < r <= 0 for a put) gives NaN.
void american_exercise_boundary(double k, double t, double r, double q, double sigma, bool is_call,
                                const double* times, double* out, std::size_t n,
                                const QdFpScheme& scheme = {}) noexcept;

// --- batches: contiguous arrays of length n, is_call as 0/1 bytes; OpenMP (dynamic schedule)
// above a size threshold, Ctrl-C polled per block (fuseflow::Error kInterrupted after the region).
void american_price_batch(AmericanMethod method, const double* s, const double* k, const double* t, const double* r,
                          const double* q, const double* sigma, const std::uint8_t* is_call, double* out,
                          std::size_t n);
// steps outside [1, kMaxBinomialSteps]: ValueError-class fuseflow::Error ("steps").
void american_binomial_batch(const double* s, const double* k, const double* t, const double* r, const double* q,
                             const double* sigma, const std::uint8_t* is_call, std::int64_t steps, double* out,
                             std::size_t n);

// The front end's path (python/fuseflow/finance/_common.py prepare): operands strided or shared
// (stride 0), in.model ignored (the rules are Black-Scholes': s, k, sigma > 0, t >= 0, finite).
// ErrorMode::kRaise checks every option first and prices nothing when one is invalid (its first
// offender is returned); kNan and kUnchecked price every slot (invalid ones come out NaN either
// way: the kernels return NaN for them).
InvalidInput american_price_checked(AmericanMethod method, const EuropeanInputs& in, ErrorMode mode, double* out);
InvalidInput american_binomial_checked(const EuropeanInputs& in, std::int64_t steps, ErrorMode mode, double* out);

namespace detail {
// Unit-strike put pieces shared by the method files (x = S/K, all rates per year).
double european_put_unit(double x, double t, double r, double q, double sigma) noexcept;
// QD+ critical price of the unit-strike put at time to maturity tau (r > 0), starting the
// root search from `guess`; returns a value in (0, X], X = min(1, r/q).
double qdplus_boundary_unit(double tau, double r, double q, double sigma, double guess) noexcept;
double qdplus_put_unit(double x, double t, double r, double q, double sigma) noexcept;
// Which regime a put (r, q) falls in.
enum class PutRegime { kNeverExercise, kOneBoundary, kDoubleBoundary };
PutRegime put_regime(double r, double q) noexcept;
// Gauss-Legendre rule of n points (1 <= n <= kQdFpMaxPoints) mapped to phi in [0, pi/2]: sin(phi),
// cos(phi) and the weight (pi/4 w). Computed once, on first use (thread-safe static).
struct PhiRule {
  const double* node;          // the plain rule on [-1, 1]: nodes and weights
  const double* node_weight;
  const double* sin_phi;
  const double* cos_phi;
  const double* weight;
};
PhiRule phi_rule(int n) noexcept;
// Bjerksund-Stensland's phi(S, t, gamma, H, I) = E[e^{-rt} S_t^gamma; S_t <= H, no hit of I before t]
// (shared by the 1993 and 2002 forms), b the cost of carry r - q.
struct Carry {
  double r, b, sigma;
};
double bs_phi(double s, double t, double gamma, double h, double i, const Carry& c) noexcept;
// True when every input is finite and s, k, sigma > 0, t >= 0.
bool valid_inputs(double s, double k, double t, double r, double q, double sigma) noexcept;

// The American call closed form `call(s, k, t, r, b, sigma)` (cost of carry b = r - q) applied
// to either side through put-call symmetry, with the regimes it does not model (never-exercise:
// the European price; two boundaries, or a non-finite closed form: QD-FP) and the floor at the
// European and intrinsic values. Shared by the Bjerksund-Stensland 1993 and 2002 forms.
using CallClosedForm = double (*)(double s, double k, double t, double r, double b, double sigma);
double closed_form_american(CallClosedForm call, double s, double k, double t, double r, double q, double sigma,
                            bool is_call) noexcept;
}  // namespace detail

}  // namespace fuseflow::finance
