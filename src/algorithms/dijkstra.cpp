#include "fuseflow/algorithms/dijkstra.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/graph/graph_mask.h"

namespace fuseflow {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_node(const char* name, std::int64_t v, std::int64_t n) {
  if (v < 0 || v >= n) {
    throw_value_error(name, "must be a node id in [0, num_nodes) = [0, " + std::to_string(n) + "), got " +
                                std::to_string(v));
  }
}

// ValueError naming g for an edge at CSR position e (< E) with a negative or NaN weight; `base`
// says the ids named are the base graph's (a masked search).
void check_weights(const Graph& g, std::int64_t e, const char* base) {
  if (!g.has_weights() && g.num_edges() > 0) {
    throw_value_error("g", "dijkstra needs edge weights; build the graph with weights= (bfs counts hops)");
  }
  if (e >= g.num_edges()) return;
  const auto off = g.out_offsets();
  const auto u = std::upper_bound(off.begin(), off.end(), e) - off.begin() - 1;
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", g.out_weights()[e]);
  throw_value_error("g", std::string("dijkstra needs non-negative edge weights, but edge ") + base + std::to_string(u) +
                             " -> " + std::to_string(g.out_targets()[e]) + " has weight " + buf + " (use bellman_ford)");
}

struct AllEdges {
  static bool out_kept(EdgeOffset) { return true; }
};

// Settles nodes from `source` until `target` (-1: all) over the edges `edges` keeps. r.dist holds
// +inf, or -inf at nodes outside a masked subgraph (never relaxed: no candidate is below it).
// Returns the base out-degree sum of the settled nodes.
template <class Edges>
std::int64_t settle(const Graph& g, const Edges& edges, ShortestPaths& r, NodeId source, NodeId target) {
  const std::int64_t n = g.num_nodes();
  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const auto w = g.out_weights();
  std::vector<std::uint8_t> settled(static_cast<std::size_t>(n), 0);
  using Entry = std::pair<double, NodeId>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
  r.dist[source] = 0.0;
  queue.emplace(0.0, source);
  std::int64_t steps = 0, settled_edges = 0;
  while (!queue.empty()) {
    if ((++steps & 65535) == 0) check_interrupt();
    const auto [d, u] = queue.top();
    queue.pop();
    if (settled[u] || d > r.dist[u]) continue;
    settled[u] = 1;
    settled_edges += off[u + 1] - off[u];
    if (u == target) break;
    for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
      if (!edges.out_kept(e)) continue;
      const NodeId v = tgt[e];
      const double nd = d + w[e];
      if (nd < r.dist[v]) {
        r.dist[v] = nd;
        r.parent[v] = u;
        queue.emplace(nd, v);
      }
    }
  }
  if (target != -1) {
    for (std::int64_t v = 0; v < n; ++v) {
      if (!settled[v] && r.dist[v] != -kInf) {
        r.dist[v] = kInf;
        r.parent[v] = -1;
      }
    }
  }
  return settled_edges;
}

}  // namespace

ShortestPaths dijkstra(const Graph& g, std::int64_t source, std::int64_t target) {
  const std::int64_t n = g.num_nodes();
  check_node("source", source, n);
  if (target != -1) check_node("target", target, n);
  // Found once per graph (Graph::first_invalid_weight): a query that settles a few nodes costs
  // no pass over every weight.
  check_weights(g, g.first_invalid_weight(), "");
  ShortestPaths r;
  r.dist = Buffer<double>(static_cast<std::size_t>(n), kInf);
  r.parent = Buffer<std::int64_t>(static_cast<std::size_t>(n), -1);
  settle(g, AllEdges{}, r, static_cast<NodeId>(source), static_cast<NodeId>(target));
  return r;
}

MaskedShortestPaths dijkstra(const Graph& g, const GraphMask& mask, std::int64_t source, std::int64_t target) {
  mask.check_sizes(g);
  const std::int64_t n = g.num_nodes();
  ShortestPaths r;
  r.dist = Buffer<double>(static_cast<std::size_t>(n), kInf);
  r.parent = Buffer<std::int64_t>(static_cast<std::size_t>(n), -1);
  const KeptNodes kept = number_kept_nodes(mask, n, source, [&](std::int64_t v, bool keep) {
    if (!keep) r.dist[v] = -kInf;
  });
  check_node("source", source, kept.count);
  NodeId base_target = -1;
  if (target != -1) {
    check_node("target", target, kept.count);
    base_target = static_cast<NodeId>(target);
    if (!kept.view_id.empty()) {  // the target-th kept node
      for (std::int64_t v = 0; v < n; ++v) {
        if (kept.view_id[v] == target) {
          base_target = static_cast<NodeId>(v);
          break;
        }
      }
    }
  }
  // An unweighted base is refused only when the subgraph has an edge: the cut of one without
  // edges is a graph without edges, which needs no weights.
  if (g.has_weights() || has_kept_edge(g, mask)) check_weights(g, first_invalid_kept_weight(g, mask), "(base ids) ");
  const EdgeMaskReader edges(g, mask);  // out-edges only: no CSC map is built
  MaskedShortestPaths result;
  if (!g.has_weights()) {
    r.dist[kept.base_source] = 0.0;  // the subgraph has no edge (else check_weights threw): nothing to settle
  } else if (edges.empty()) {
    result.settled_out_edges = settle(g, AllEdges{}, r, kept.base_source, base_target);
  } else {
    result.settled_out_edges = settle(g, edges, r, kept.base_source, base_target);
  }
  if (kept.view_id.empty()) {
    result.paths = std::move(r);
    return result;
  }
  // Results in view ids (parents too), as on the cut subgraph.
  const std::int64_t k = kept.count;
  result.paths.dist = Buffer<double>(static_cast<std::size_t>(k));
  result.paths.parent = Buffer<std::int64_t>(static_cast<std::size_t>(k));
  for (std::int64_t v = 0; v < n; ++v) {
    const NodeId at = kept.view_id[v];
    if (at < 0) continue;
    result.paths.dist[at] = r.dist[v];
    result.paths.parent[at] = r.parent[v] < 0 ? -1 : kept.view_id[r.parent[v]];
  }
  return result;
}

}  // namespace fuseflow
