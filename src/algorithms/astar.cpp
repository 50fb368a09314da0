#include "fuseflow/algorithms/astar.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <tuple>
#include <vector>

#include "fuseflow/algorithms/search_inputs.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::int64_t kMinEdgesPerThread = 1 << 16;
// Consistency is checked with this relative slack: Euclidean distances carry rounding error,
// and a violation this small changes a path length by no more than it.
constexpr double kSlack = 1e-9;

std::string num(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%.17g", x);
  return buf;
}

// h(v) for either form of the heuristic.
struct Estimate {
  const AstarHeuristic& h;
  std::int64_t target;
  double operator()(std::int64_t v) const {
    if (h.kind == AstarHeuristic::Kind::kLowerBound) return h.lower_bound[v];
    if (h.kind == AstarHeuristic::Kind::kNone) return 0.0;
    const double* a = h.coordinates.data() + v * h.dim;
    const double* b = h.coordinates.data() + target * h.dim;
    double s = 0.0;
    for (std::int64_t d = 0; d < h.dim; ++d) s += (a[d] - b[d]) * (a[d] - b[d]);
    return std::sqrt(s);
  }
};

void check_heuristic_values(const AstarHeuristic& h, std::int64_t n, std::int64_t target) {
  using Kind = AstarHeuristic::Kind;
  if (h.kind == Kind::kNone) return;
  if (h.kind == Kind::kLowerBound) {
    if (static_cast<std::int64_t>(h.lower_bound.size()) != n) {
      throw_value_error("heuristic", "must have num_nodes = " + std::to_string(n) + " entries, got " +
                                         std::to_string(h.lower_bound.size()));
    }
    for (std::int64_t v = 0; v < n; ++v) {
      if (!(h.lower_bound[v] >= 0.0 && h.lower_bound[v] < kInf)) {
        throw_value_error("heuristic", "entries must be finite and >= 0 (lower bounds on the distance to target), "
                                       "node " + std::to_string(v) + " has " + num(h.lower_bound[v]));
      }
    }
    if (h.lower_bound[target] != 0.0) {
      throw_value_error("heuristic", "must be 0 at the target (node " + std::to_string(target) + "), got " +
                                         num(h.lower_bound[target]));
    }
    return;
  }
  if (h.dim < 1) throw_value_error("coordinates", "need at least one column, got " + std::to_string(h.dim));
  if (static_cast<std::int64_t>(h.coordinates.size()) != n * h.dim) {
    throw_value_error("coordinates", "must have num_nodes = " + std::to_string(n) + " rows of " +
                                         std::to_string(h.dim) + ", got " + std::to_string(h.coordinates.size()) +
                                         " values");
  }
  for (std::size_t i = 0; i < h.coordinates.size(); ++i) {
    if (!std::isfinite(h.coordinates[i])) {
      throw_value_error("coordinates", "entries must be finite, node " + std::to_string(static_cast<std::int64_t>(i) / h.dim) +
                                           " has " + num(h.coordinates[i]));
    }
  }
}

// One parallel pass over the edges: weights >= 0, and (when asked) h[u] <= w + h[v]. Reports
// the edge of smallest source that breaks a rule, so the message does not depend on threads.
void check_edges(const Graph& g, const Estimate& h, bool consistency) {
  const std::int64_t n = g.num_nodes();
  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const auto w = g.out_weights();
  const bool weighted = g.has_weights();
  if (!weighted && !consistency) return;
  std::int64_t bad_weight = n, bad_h = n;
  const int threads = threads_for(g.num_edges() + n, kMinEdgesPerThread);
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 4096) reduction(min : bad_weight, bad_h)
  for (std::int64_t u = 0; u < n; ++u) {
    if ((u & 4095) == 0 && interrupt.poll()) continue;
    const double hu = consistency ? h(u) : 0.0;
    for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
      const double weight = weighted ? w[e] : 1.0;
      if (!(weight >= 0.0)) bad_weight = std::min(bad_weight, u);
      if (consistency && hu > weight + h(tgt[e]) + kSlack * std::max(hu, 1.0)) bad_h = std::min(bad_h, u);
    }
  }
  interrupt.rethrow();
  if (bad_weight < n) {
    for (EdgeOffset e = off[bad_weight]; e < off[bad_weight + 1]; ++e) {
      if (!(w[e] >= 0.0)) {
        throw_value_error("g", "astar needs non-negative edge weights, but edge " + std::to_string(bad_weight) + " -> " +
                                   std::to_string(tgt[e]) + " has weight " + num(w[e]));
      }
    }
  }
  if (bad_h < n) {
    const char* name = h.h.kind == AstarHeuristic::Kind::kCoordinates ? "coordinates" : "heuristic";
    const double hu = h(bad_h);
    for (EdgeOffset e = off[bad_h]; e < off[bad_h + 1]; ++e) {
      const double weight = weighted ? w[e] : 1.0;
      if (hu > weight + h(tgt[e]) + kSlack * std::max(hu, 1.0)) {
        throw_value_error(name, "not consistent on edge " + std::to_string(bad_h) + " -> " + std::to_string(tgt[e]) +
                                    ": h = " + num(hu) + " > weight " + num(weight) + " + h = " + num(h(tgt[e])) +
                                    " (an admissible but inconsistent heuristic needs check_heuristic=False)");
      }
    }
  }
}

}  // namespace

AstarResult astar(const Graph& g, std::int64_t source, std::int64_t target, const AstarHeuristic& heuristic) {
  const std::int64_t n = g.num_nodes();
  check_node_id("source", source, n);
  check_node_id("target", target, n);
  check_heuristic_values(heuristic, n, target);
  const Estimate h{heuristic, target};
  check_edges(g, h, heuristic.check && heuristic.kind != AstarHeuristic::Kind::kNone);

  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const auto w = g.out_weights();
  const bool weighted = g.has_weights();
  std::vector<double> dist(static_cast<std::size_t>(n), kInf);
  std::vector<std::int64_t> parent(static_cast<std::size_t>(n), -1);
  // (f, h, node): of equal f, the node nearer the target (smaller h) first, which on grids
  // cuts the plateau of equal-f nodes A* would otherwise expand.
  using Entry = std::tuple<double, double, NodeId>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
  AstarResult r;
  dist[source] = 0.0;
  queue.emplace(h(source), h(source), static_cast<NodeId>(source));
  while (!queue.empty()) {
    const auto [f, hu, u] = queue.top();
    queue.pop();
    if (f > dist[u] + hu) continue;  // a stale entry: u was reached by a lighter path since
    if (u == target) break;
    if ((++r.expanded & 65535) == 0) check_interrupt();
    for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
      const NodeId v = tgt[e];
      const double nd = dist[u] + (weighted ? w[e] : 1.0);
      if (nd < dist[v]) {
        dist[v] = nd;
        parent[v] = u;
        const double hv = h(v);
        queue.emplace(nd + hv, hv, v);
      }
    }
  }
  r.length = dist[target];
  if (r.length < kInf) {
    std::vector<std::int64_t> path;
    for (std::int64_t v = target; v != -1; v = parent[v]) path.push_back(v);
    r.path = Buffer<std::int64_t>(path.size());
    std::copy(path.rbegin(), path.rend(), r.path.begin());
  }
  return r;
}

}  // namespace fuseflow
