#include "fuseflow/algorithms/betweenness_centrality.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <queue>
#include <string>
#include <vector>

#include "fuseflow/algorithms/simple_view.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr double kInf = std::numeric_limits<double>::infinity();

std::string show(double x) {
  char buf[32];
  std::snprintf(buf, sizeof buf, "%g", x);
  return buf;
}

void validate(const Graph& g, const BetweennessOptions& o) {
  const std::int64_t n = g.num_nodes();
  if (o.use_sources) {
    if (o.sources.empty()) throw_value_error("sources", "must name at least one node");
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(n), 0);
    for (const std::int64_t s : o.sources) {
      if (s < 0 || s >= n) {
        throw_value_error("sources", "must hold node ids in [0, num_nodes) = [0, " + std::to_string(n) + "), got " +
                                         std::to_string(s));
      }
      if (seen[s]++) throw_value_error("sources", "must not repeat a node, but " + std::to_string(s) + " appears twice");
    }
  }
  if (!o.weighted) return;
  if (!g.has_weights() && g.num_edges() > 0) {
    throw_value_error("g", "weighted betweenness needs edge weights; build the graph with weights=");
  }
  const auto w = g.out_weights();
  const auto off = g.out_offsets();
  for (std::int64_t u = 0; u < n; ++u) {
    for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
      if (!(w[e] > 0.0 && std::isfinite(w[e]))) {
        throw_value_error("g", "weighted betweenness needs positive finite edge weights, but edge " + std::to_string(u) +
                                   " -> " + std::to_string(g.out_targets()[e]) + " has weight " + show(w[e]));
      }
    }
  }
}

// Scratch arrays of one thread, reset only where a search touched them.
struct Scratch {
  std::vector<double> sigma, delta, dist;
  std::vector<std::int32_t> level;
  std::vector<NodeId> order;  // nodes in the order they were settled
  explicit Scratch(std::int64_t n)
      : sigma(static_cast<std::size_t>(n), 0.0),
        delta(static_cast<std::size_t>(n), 0.0),
        dist(static_cast<std::size_t>(n), kInf),
        level(static_cast<std::size_t>(n), -1) {}
};

void bfs_source(const SimpleAdjacency& adj, NodeId s, Scratch& t, double* bc) {
  t.order.clear();
  t.order.push_back(s);
  t.level[s] = 0;
  t.sigma[s] = 1.0;
  for (std::size_t head = 0; head < t.order.size(); ++head) {
    const NodeId v = t.order[head];
    for (EdgeOffset e = adj.offsets[v]; e < adj.offsets[v + 1]; ++e) {
      const NodeId w = adj.targets[e];
      if (t.level[w] < 0) {
        t.level[w] = t.level[v] + 1;
        t.order.push_back(w);
      }
      if (t.level[w] == t.level[v] + 1) t.sigma[w] += t.sigma[v];
    }
  }
  // Dependencies pulled from successors, in reverse BFS order (no predecessor lists needed).
  for (std::size_t i = t.order.size(); i-- > 0;) {
    const NodeId v = t.order[i];
    double d = 0.0;
    for (EdgeOffset e = adj.offsets[v]; e < adj.offsets[v + 1]; ++e) {
      const NodeId w = adj.targets[e];
      if (t.level[w] == t.level[v] + 1) d += (1.0 + t.delta[w]) / t.sigma[w];
    }
    t.delta[v] = t.sigma[v] * d;
    if (v != s) bc[v] += t.delta[v];
  }
  for (const NodeId v : t.order) {
    t.level[v] = -1;
    t.sigma[v] = 0.0;
    t.delta[v] = 0.0;
  }
}

void dijkstra_source(const SimpleAdjacency& adj, NodeId s, Scratch& t, double* bc) {
  using Entry = std::pair<double, NodeId>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
  std::vector<NodeId> touched{s};
  t.order.clear();
  t.dist[s] = 0.0;
  t.sigma[s] = 1.0;
  queue.emplace(0.0, s);
  while (!queue.empty()) {
    const auto [d, v] = queue.top();
    queue.pop();
    if (d > t.dist[v] || t.level[v] >= 0) continue;  // stale entry, or settled already
    t.level[v] = 0;                                  // settled
    t.order.push_back(v);
    for (EdgeOffset e = adj.offsets[v]; e < adj.offsets[v + 1]; ++e) {
      const NodeId w = adj.targets[e];
      if (t.level[w] >= 0) continue;
      const double nd = d + adj.weights[e];  // the same sum NetworkX compares
      if (nd < t.dist[w]) {
        if (t.dist[w] == kInf) touched.push_back(w);
        t.dist[w] = nd;
        t.sigma[w] = t.sigma[v];
        queue.emplace(nd, w);
      } else if (nd == t.dist[w]) {
        t.sigma[w] += t.sigma[v];
      }
    }
  }
  for (std::size_t i = t.order.size(); i-- > 0;) {
    const NodeId v = t.order[i];
    double dep = 0.0;
    for (EdgeOffset e = adj.offsets[v]; e < adj.offsets[v + 1]; ++e) {
      const NodeId w = adj.targets[e];
      if (t.dist[v] + adj.weights[e] == t.dist[w] && t.dist[w] < kInf) dep += (1.0 + t.delta[w]) / t.sigma[w];
    }
    t.delta[v] = t.sigma[v] * dep;
    if (v != s) bc[v] += t.delta[v];
  }
  for (const NodeId v : touched) {
    t.dist[v] = kInf;
    t.level[v] = -1;
    t.sigma[v] = 0.0;
    t.delta[v] = 0.0;
  }
}

void rescale(Buffer<double>& bc, std::int64_t n, std::int64_t k, const BetweennessOptions& o) {
  const double big_n = static_cast<double>(n - 1);  // endpoints excluded
  if (n - 1 < 2) return;
  const double kk = static_cast<double>(k);
  double scale_source, scale_other;
  if (o.normalized) {
    scale_source = k > 1 ? 1.0 / ((kk - 1.0) * (big_n - 1.0)) : std::nan("");
    scale_other = 1.0 / (kk * (big_n - 1.0));
  } else {
    scale_source = k > 1 ? big_n / (kk - 1.0) : std::nan("");
    scale_other = big_n / kk;
  }
  if (!o.use_sources) {
    for (std::int64_t v = 0; v < n; ++v) bc[v] *= scale_source;  // k = n: every node is a source
    return;
  }
  std::vector<std::uint8_t> is_source(static_cast<std::size_t>(n), 0);
  for (const std::int64_t s : o.sources) is_source[s] = 1;
  for (std::int64_t v = 0; v < n; ++v) bc[v] *= is_source[v] ? scale_source : scale_other;
}

}  // namespace

Buffer<double> betweenness_centrality(const Graph& g, const BetweennessOptions& options) {
  validate(g, options);
  const std::int64_t n = g.num_nodes();
  Buffer<double> bc(static_cast<std::size_t>(n), 0.0);
  if (n == 0) return bc;
  const SimpleAdjacency adj = simple_directed(g, options.weighted);
  const std::int64_t k = options.use_sources ? static_cast<std::int64_t>(options.sources.size()) : n;
  // A source costs O(n + m): worth a thread each once the graph is not tiny.
  const int threads = static_cast<int>(std::min<std::int64_t>(threads_for(k * (n + adj.offsets[n]), 1 << 16), k));
  // Allocated before the region: an allocation failure must not throw inside it.
  std::vector<Buffer<double>> partial;
  std::vector<Scratch> scratches;
  for (int t = 0; t < threads; ++t) {
    partial.emplace_back(static_cast<std::size_t>(n), 0.0);
    scratches.emplace_back(n);
    scratches.back().order.reserve(static_cast<std::size_t>(n));
  }
  ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads)
  {
    const int me = omp_get_thread_num();
    Scratch& scratch = scratches[me];
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t i = 0; i < k; ++i) {
      if (interrupt.poll()) continue;
      const NodeId s = static_cast<NodeId>(options.use_sources ? options.sources[i] : i);
      if (options.weighted) {
        dijkstra_source(adj, s, scratch, partial[me].data());
      } else {
        bfs_source(adj, s, scratch, partial[me].data());
      }
    }
  }
  interrupt.rethrow();
  for (const auto& p : partial) {
    for (std::int64_t v = 0; v < n; ++v) bc[v] += p[v];
  }
  rescale(bc, n, k, options);
  return bc;
}

}  // namespace fuseflow
