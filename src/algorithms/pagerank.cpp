#include "fuseflow/algorithms/pagerank.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/progress.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/core/parallel_interrupt.h"

namespace fuseflow {
namespace {

std::string show(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

void validate(const Graph& g, const PageRankOptions& o) {
  if (!(o.damping > 0.0 && o.damping < 1.0)) {
    throw_value_error("damping", "must be in the open interval (0, 1), got " + show(o.damping));
  }
  if (!(o.tol >= 0.0 && std::isfinite(o.tol))) {
    throw_value_error("tol", "must be a finite number >= 0 (0 runs exactly max_iter iterations), got " + show(o.tol));
  }
  if (o.max_iter < 0) throw_value_error("max_iter", "must be >= 0, got " + std::to_string(o.max_iter));
  if (!o.personalization.empty()) {
    if (static_cast<std::int64_t>(o.personalization.size()) != g.num_nodes()) {
      throw_value_error("personalization", "must have one value per node (" + std::to_string(g.num_nodes()) +
                                               "), got " + std::to_string(o.personalization.size()));
    }
    bool any_positive = false;
    for (std::size_t i = 0; i < o.personalization.size(); ++i) {
      const double p = o.personalization[i];
      if (!std::isfinite(p) || p < 0.0) {
        throw_value_error("personalization", "values must be finite and >= 0, but personalization[" +
                                                 std::to_string(i) + "] = " + show(p));
      }
      any_positive = any_positive || p > 0.0;
    }
    if (!any_positive) throw_value_error("personalization", "must have a positive sum (got all zeros)");
  }
}

// The teleport distribution from a validated personalization vector, in the relabelled order.
// Values are divided by their maximum before summing, so the sum is at most num_nodes and
// cannot overflow however large the (finite) values are: [1e308, 1e308] gives [0.5, 0.5].
Buffer<double> normalised_teleport(std::span<const double> p, std::span<const NodeId> order) {
  const std::int64_t n = static_cast<std::int64_t>(p.size());
  double largest = 0.0;  // > 0: validate() saw a positive value
  for (double x : p) largest = std::max(largest, x);
  double total = 0.0;
  for (std::int64_t i = 0; i < n; ++i) total += p[i] / largest;
  Buffer<double> teleport(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) teleport[i] = (p[order[i]] / largest) / total;
  return teleport;
}

// Sum of values[idx[e]] for e in [begin, end): the gather that bounds every iteration.
inline double pull_sum(const double* values, const NodeId* idx, EdgeOffset begin, EdgeOffset end) {
  double sum = 0.0;
  for (EdgeOffset e = begin; e < end; ++e) sum += values[idx[e]];
  return sum;
}

}  // namespace

PageRankResult pagerank(const Graph& g, const PageRankOptions& o) {
  validate(g, o);
  const std::int64_t n = g.num_nodes();
  PageRankResult result;
  result.rank = Buffer<double>(static_cast<std::size_t>(n), n > 0 ? 1.0 / static_cast<double>(n) : 0.0);
  if (n == 0) {  // the empty ranking is exact: nothing to iterate
    result.last_delta = 0.0;
    result.converged = true;
    return result;
  }

  // All iterations run over nodes relabelled by out-degree (see DegreeOrderedInEdges); the
  // result is mapped back to the original ids at the end.
  const DegreeOrderedInEdges& ordered = g.degree_ordered_in_edges();
  const auto order = ordered.order.span();
  const double d = o.damping;
  const bool personalized = !o.personalization.empty();
  Buffer<double> teleport;
  if (personalized) teleport = normalised_teleport(o.personalization, order);
  const double uniform = 1.0 / static_cast<double>(n);

  const auto in_off = ordered.offsets.span();
  const auto in_src = ordered.sources.span();
  const auto out_deg = g.out_degree();
  const auto chunks = ordered.chunks.span();
  const std::int64_t nchunks = static_cast<std::int64_t>(chunks.size()) - 1;
  const int threads = threads_for(n + g.num_edges(), 1 << 15);

  // inv_out[u] = 1/outdeg(u), 0 for dangling nodes; contrib = rank * inv_out is what each
  // in-edge pulls, so the edge loop is one load and one add.
  Buffer<double> inv_out(static_cast<std::size_t>(n));
  Buffer<double> contrib(static_cast<std::size_t>(n)), contrib_next(static_cast<std::size_t>(n));
  Buffer<double> next(static_cast<std::size_t>(n));
  std::vector<double> chunk_delta(static_cast<std::size_t>(nchunks)), chunk_dangling(static_cast<std::size_t>(nchunks));
  Buffer<double> rank(static_cast<std::size_t>(n), uniform);
  double dangling = 0.0;
  for (std::int64_t i = 0; i < n; ++i) {
    const std::int64_t deg = out_deg[order[i]];
    inv_out[i] = deg > 0 ? 1.0 / static_cast<double>(deg) : 0.0;
    contrib[i] = rank[i] * inv_out[i];
    if (deg == 0) dangling += rank[i];
  }

  // Progress: iterations out of max_iter, with the L1 change as residual.
  progress_begin_stage(0, o.max_iter);
  for (std::int64_t iter = 0; iter < o.max_iter; ++iter) {
    check_interrupt();
    // Teleport plus the dangling mass, both spread by the teleport vector.
    const double spread = (1.0 - d) + d * dangling;
    // One pass over nodes: pull, write the new rank, its contribution for the next
    // iteration, and per-chunk partial sums (combined in chunk order: deterministic).
    ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::int64_t c = 0; c < nchunks; ++c) {
      if (interrupt.poll()) continue;
      double delta = 0.0;
      for (std::int64_t v = chunks[c]; v < chunks[c + 1]; ++v) {
        const double sum = pull_sum(contrib.data(), in_src.data(), in_off[v], in_off[v + 1]);
        const double base = personalized ? teleport[v] : uniform;
        const double r = base * spread + d * sum;
        delta += std::fabs(r - rank[v]);
        next[v] = r;
      }
      chunk_delta[c] = delta;
    }
    interrupt.rethrow();
    // Contributions for the next iteration in a separate streaming pass: keeping the pull
    // pass down to one written stream measured faster than fusing them (fewer streams compete
    // with the random gathers).
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t c = 0; c < nchunks; ++c) {
      double dang = 0.0;
      for (std::int64_t v = chunks[c]; v < chunks[c + 1]; ++v) {
        contrib_next[v] = next[v] * inv_out[v];
        dang += inv_out[v] == 0.0 ? next[v] : 0.0;
      }
      chunk_dangling[c] = dang;
    }
    double delta = 0.0;
    dangling = 0.0;
    for (std::int64_t c = 0; c < nchunks; ++c) {
      delta += chunk_delta[c];
      dangling += chunk_dangling[c];
    }
    std::swap(rank, next);
    std::swap(contrib, contrib_next);
    result.iterations = iter + 1;
    result.last_delta = delta;
    progress_iteration(iter + 1, delta);
    // NaN (from a corrupted graph) is never convergence; tol = 0 never stops early.
    result.converged = delta <= o.tol;
    if (o.tol > 0.0 && result.converged) break;
  }
  for (std::int64_t i = 0; i < n; ++i) result.rank[order[i]] = rank[i];
  return result;
}

}  // namespace fuseflow
