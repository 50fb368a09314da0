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

namespace fuseflow {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

void check_node(const char* name, std::int64_t v, std::int64_t n) {
  if (v < 0 || v >= n) {
    throw_value_error(name, "must be a node id in [0, num_nodes) = [0, " + std::to_string(n) + "), got " +
                                std::to_string(v));
  }
}

}  // namespace

ShortestPaths dijkstra(const Graph& g, std::int64_t source, std::int64_t target) {
  const std::int64_t n = g.num_nodes();
  check_node("source", source, n);
  if (target != -1) check_node("target", target, n);
  if (!g.has_weights() && g.num_edges() > 0) {
    throw_value_error("g", "dijkstra needs edge weights; build the graph with weights= (bfs counts hops)");
  }
  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const auto w = g.out_weights();
  // Found once per graph (Graph::first_invalid_weight): a query that settles a few nodes costs
  // no pass over every weight.
  if (const std::int64_t e = g.first_invalid_weight(); e < g.num_edges()) {
    const auto u = std::upper_bound(off.begin(), off.end(), e) - off.begin() - 1;
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", w[e]);
    throw_value_error("g", "dijkstra needs non-negative edge weights, but edge " + std::to_string(u) + " -> " +
                               std::to_string(tgt[e]) + " has weight " + buf + " (use bellman_ford)");
  }
  ShortestPaths r;
  r.dist = Buffer<double>(static_cast<std::size_t>(n), kInf);
  r.parent = Buffer<std::int64_t>(static_cast<std::size_t>(n), -1);
  std::vector<std::uint8_t> settled(static_cast<std::size_t>(n), 0);
  using Entry = std::pair<double, NodeId>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
  r.dist[source] = 0.0;
  queue.emplace(0.0, static_cast<NodeId>(source));
  std::int64_t steps = 0;
  while (!queue.empty()) {
    if ((++steps & 65535) == 0) check_interrupt();
    const auto [d, u] = queue.top();
    queue.pop();
    if (settled[u] || d > r.dist[u]) continue;
    settled[u] = 1;
    if (u == target) break;
    for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
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
      if (!settled[v]) {
        r.dist[v] = kInf;
        r.parent[v] = -1;
      }
    }
  }
  return r;
}

}  // namespace fuseflow
