#include "fuseflow/algorithms/sssp.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "fuseflow/algorithms/delta_stepping.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr std::int64_t kMinEdgesPerThread = 1 << 15;

std::string show(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

void validate(const Graph& g, std::int64_t source) {
  const std::int64_t n = g.num_nodes();
  if (source < 0 || source >= n) {
    throw_value_error("source", "must be a node id in [0, num_nodes) = [0, " + std::to_string(n) + "), got " +
                                    std::to_string(source));
  }
  if (!g.has_weights() && g.num_edges() > 0) {
    throw_value_error("g", "sssp needs edge weights; build the graph with weights= (bfs counts hops)");
  }
  const auto w = g.out_weights();
  const std::int64_t m = static_cast<std::int64_t>(w.size());
  std::int64_t first_negative = m;
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) reduction(min : first_negative)
  for (std::int64_t e = 0; e < m; ++e) {
    if (!(w[e] >= 0.0)) first_negative = std::min(first_negative, e);  // negative or NaN
  }
  if (first_negative < m) {
    const auto off = g.out_offsets();
    const auto u = std::upper_bound(off.begin(), off.end(), first_negative) - off.begin() - 1;
    throw_value_error("g", "sssp needs non-negative edge weights, but edge " + std::to_string(u) + " -> " +
                               std::to_string(g.out_targets()[first_negative]) + " has weight " +
                               show(w[first_negative]) +
                               " (weights must be >= 0 and not NaN; +inf is an unusable edge)");
  }
}

double choose_delta(const Graph& g) {
  const auto w = g.out_weights();
  const std::int64_t m = static_cast<std::int64_t>(w.size());
  double max_weight = 0.0;
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) reduction(max : max_weight) schedule(static)
  for (std::int64_t e = 0; e < m; ++e) {
    if (std::isfinite(w[e])) max_weight = std::max(max_weight, w[e]);
  }
  return delta_for(max_weight, std::max<std::int64_t>(1, g.max_degree(false)));
}

}  // namespace

Buffer<double> sssp(const Graph& g, std::int64_t source, double delta) {
  validate(g, source);
  const std::int64_t n = g.num_nodes();
  if (!(delta > 0.0)) delta = choose_delta(g);
  Buffer<double> dist(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
  dist[static_cast<std::size_t>(source)] = 0.0;
  RelaxEdges edges;
  edges.offsets = g.out_offsets().data();
  edges.neighbours = g.out_targets().data();
  edges.weights = g.out_weights().data();
  edges.num_nodes = n;
  edges.num_edges = g.num_edges();
  delta_stepping(edges, dist.data(), {static_cast<NodeId>(source)}, delta);
  return dist;
}

}  // namespace fuseflow
