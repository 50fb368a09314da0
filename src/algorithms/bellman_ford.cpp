#include "fuseflow/algorithms/bellman_ford.h"

#include <algorithm>
#include <cmath>
#include <limits>
#include <string>
#include <vector>

#include "fuseflow/algorithms/search_inputs.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"

namespace fuseflow {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();
constexpr std::size_t kCycleNodesShown = 20;

// A path of n or more edges proves a negative cycle is reachable; the parent pointers then
// usually already form one (every cycle of parent pointers is negative). Walks up from `from`
// marking nodes: returns the cycle in edge order, or empty when the walk reached the source
// (the pointers changed since; relaxation goes on and the check runs again later).
std::vector<std::int64_t> parent_cycle(const Buffer<std::int64_t>& parent, std::int64_t from,
                                       std::vector<std::int64_t>& mark, std::int64_t stamp) {
  std::int64_t v = from;
  while (v >= 0 && mark[v] != stamp) {
    mark[v] = stamp;
    v = parent[v];
  }
  if (v < 0) return {};
  std::vector<std::int64_t> cycle{v};
  for (std::int64_t u = parent[v]; u != v; u = parent[u]) cycle.push_back(u);
  std::reverse(cycle.begin(), cycle.end());  // parents point backwards: reverse into edge order
  return cycle;
}

[[noreturn]] void report_cycle(const std::vector<std::int64_t>& cycle, std::int64_t source) {
  std::string text;
  for (std::size_t i = 0; i < cycle.size() && i < kCycleNodesShown; ++i) text += std::to_string(cycle[i]) + " -> ";
  text += cycle.size() > kCycleNodesShown ? "... (" + std::to_string(cycle.size()) + " nodes)" : std::to_string(cycle[0]);
  throw_value_error("g", "negative cycle reachable from source " + std::to_string(source) + ": " + text);
}

}  // namespace

ShortestPaths bellman_ford(const Graph& g, std::int64_t source) {
  const std::int64_t n = g.num_nodes();
  check_node_id("source", source, n);
  if (!g.has_weights() && g.num_edges() > 0) {
    throw_value_error("g", "bellman_ford needs edge weights; build the graph with weights=");
  }
  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const auto w = g.out_weights();
  for (std::size_t e = 0; e < w.size(); ++e) {
    if (std::isnan(w[e])) throw_value_error("g", "bellman_ford needs weights that are not NaN");
  }
  ShortestPaths r;
  r.dist = Buffer<double>(static_cast<std::size_t>(n), kInf);
  r.parent = Buffer<std::int64_t>(static_cast<std::size_t>(n), -1);
  std::vector<std::int64_t> hops(static_cast<std::size_t>(n), 0);  // edges on the current best path
  std::vector<std::uint8_t> queued(static_cast<std::size_t>(n), 0);
  std::vector<std::int64_t> mark(static_cast<std::size_t>(n), 0);
  std::int64_t stamp = 0;
  std::vector<NodeId> queue;  // FIFO as a ring over a vector: each node is in it at most once
  queue.reserve(static_cast<std::size_t>(n));
  std::size_t head = 0;
  r.dist[source] = 0.0;
  queue.push_back(static_cast<NodeId>(source));
  queued[source] = 1;
  std::int64_t steps = 0;
  while (head < queue.size()) {
    if ((++steps & 4095) == 0) check_interrupt();
    const NodeId u = queue[head++];
    if (head == queue.size()) {
      queue.clear();
      head = 0;
    } else if (head > queue.size() / 2 && head > 4096) {
      queue.erase(queue.begin(), queue.begin() + static_cast<std::ptrdiff_t>(head));
      head = 0;
    }
    queued[u] = 0;
    for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
      const NodeId v = tgt[e];
      const double nd = r.dist[u] + w[e];
      if (nd < r.dist[v]) {
        r.dist[v] = nd;
        r.parent[v] = u;
        hops[v] = hops[u] + 1;
        if (hops[v] >= n) {
          const auto cycle = parent_cycle(r.parent, v, mark, ++stamp);
          if (!cycle.empty()) report_cycle(cycle, source);
        }
        if (!queued[v]) {
          queued[v] = 1;
          queue.push_back(v);
        }
      }
    }
  }
  return r;
}

}  // namespace fuseflow
