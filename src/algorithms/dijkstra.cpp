#include "fuseflow/algorithms/dijkstra.h"

#include <algorithm>
#include <cstdio>
#include <functional>
#include <limits>
#include <queue>
#include <string>
#include <vector>

#include "fuseflow/algorithms/search_inputs.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/graph/graph_mask.h"

namespace fuseflow {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

constexpr const char* kWeightHint = "use bellman_ford";

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
  check_node_id("source", source, n);
  if (target != -1) check_node_id("target", target, n);
  // Found once per graph (Graph::first_invalid_weight): a query that settles a few nodes costs
  // no pass over every weight.
  check_search_weights(g, g.first_invalid_weight(), "dijkstra", kWeightHint);
  ShortestPaths r;
  r.dist = Buffer<double>(static_cast<std::size_t>(n), kInf);
  r.parent = Buffer<std::int64_t>(static_cast<std::size_t>(n), -1);
  settle(g, EveryEdge{}, r, static_cast<NodeId>(source), static_cast<NodeId>(target));
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
  check_node_id("source", source, kept.count);
  NodeId base_target = -1;
  if (target != -1) {
    check_node_id("target", target, kept.count);
    base_target = static_cast<NodeId>(target);
    if (!kept.view_id.empty()) {  // the target-th kept node
      base_target = static_cast<NodeId>(std::find(kept.view_id.begin(), kept.view_id.end(), target) - kept.view_id.begin());
    }
  }
  // An unweighted base is refused only when the subgraph has an edge: the cut of one without
  // edges is a graph without edges, which needs no weights.
  if (g.has_weights() || has_kept_edge(g, mask)) check_search_weights(g, first_invalid_kept_weight(g, mask), "dijkstra", kWeightHint, "(base ids) ");
  const EdgeMaskReader edges(g, mask);  // out-edges only: no CSC map is built
  MaskedShortestPaths result;
  if (!g.has_weights()) {
    r.dist[kept.base_source] = 0.0;  // the subgraph has no edge (else check_weights threw): nothing to settle
  } else if (edges.empty()) {
    result.settled_out_edges = settle(g, EveryEdge{}, r, kept.base_source, base_target);
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
