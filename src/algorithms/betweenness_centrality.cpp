#include "fuseflow/algorithms/betweenness_centrality.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
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

// Scratch arrays of one thread, reset only where a search touched them. Path counts (sigma)
// grow like binomial coefficients on grids and road networks and pass 1e308 on a 600 x 600
// grid, so a source whose double counts overflow is run again with long double counts
// (x87 extended range, up to ~1e4932: grids of about 8000 x 8000).
struct Scratch {
  std::vector<double> sigma, delta, dist;
  std::vector<long double> wide_sigma;
  std::vector<std::int32_t> level;
  std::vector<NodeId> order;    // nodes in the order they were settled
  std::vector<NodeId> touched;  // nodes given a tentative distance (weighted searches)
  bool wide = false;            // a source overflowed double: later sources start in long double
  explicit Scratch(std::int64_t n)
      : sigma(static_cast<std::size_t>(n), 0.0),
        delta(static_cast<std::size_t>(n), 0.0),
        dist(static_cast<std::size_t>(n), kInf),
        wide_sigma(static_cast<std::size_t>(n), 0.0L),
        level(static_cast<std::size_t>(n), -1) {}
};

template <class Real>
bool counts_overflowed(const Scratch& t, const std::vector<Real>& sigma) {
  for (const NodeId v : t.order) {
    if (!std::isfinite(sigma[v])) return true;
  }
  return false;
}

// One source by BFS; false (and nothing added) when the path counts overflowed Real.
template <class Real>
bool bfs_source(const SimpleAdjacency& adj, NodeId s, Scratch& t, std::vector<Real>& sigma, double* bc) {
  t.order.clear();
  t.order.push_back(s);
  t.level[s] = 0;
  sigma[s] = 1;
  for (std::size_t head = 0; head < t.order.size(); ++head) {
    const NodeId v = t.order[head];
    for (EdgeOffset e = adj.offsets[v]; e < adj.offsets[v + 1]; ++e) {
      const NodeId w = adj.targets[e];
      if (t.level[w] < 0) {
        t.level[w] = t.level[v] + 1;
        t.order.push_back(w);
      }
      if (t.level[w] == t.level[v] + 1) sigma[w] += sigma[v];
    }
  }
  const bool ok = !counts_overflowed(t, sigma);
  // Dependencies pulled from successors, in reverse BFS order (no predecessor lists needed).
  for (std::size_t i = t.order.size(); ok && i-- > 0;) {
    const NodeId v = t.order[i];
    Real d = 0;
    for (EdgeOffset e = adj.offsets[v]; e < adj.offsets[v + 1]; ++e) {
      const NodeId w = adj.targets[e];
      if (t.level[w] == t.level[v] + 1) d += (1 + static_cast<Real>(t.delta[w])) / sigma[w];
    }
    t.delta[v] = static_cast<double>(sigma[v] * d);
    if (v != s) bc[v] += t.delta[v];
  }
  for (const NodeId v : t.order) {
    t.level[v] = -1;
    sigma[v] = 0;
    t.delta[v] = 0.0;
  }
  return ok;
}

template <class Real>
bool dijkstra_source(const SimpleAdjacency& adj, NodeId s, Scratch& t, std::vector<Real>& sigma, double* bc) {
  using Entry = std::pair<double, NodeId>;
  std::priority_queue<Entry, std::vector<Entry>, std::greater<Entry>> queue;
  t.touched.clear();
  t.touched.push_back(s);
  t.order.clear();
  t.dist[s] = 0.0;
  sigma[s] = 1;
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
        if (t.dist[w] == kInf) t.touched.push_back(w);
        t.dist[w] = nd;
        sigma[w] = sigma[v];
        queue.emplace(nd, w);
      } else if (nd == t.dist[w]) {
        sigma[w] += sigma[v];
      }
    }
  }
  const bool ok = !counts_overflowed(t, sigma);
  for (std::size_t i = t.order.size(); ok && i-- > 0;) {
    const NodeId v = t.order[i];
    Real dep = 0;
    for (EdgeOffset e = adj.offsets[v]; e < adj.offsets[v + 1]; ++e) {
      const NodeId w = adj.targets[e];
      if (t.dist[v] + adj.weights[e] == t.dist[w] && t.dist[w] < kInf) {
        dep += (1 + static_cast<Real>(t.delta[w])) / sigma[w];
      }
    }
    t.delta[v] = static_cast<double>(sigma[v] * dep);
    if (v != s) bc[v] += t.delta[v];
  }
  for (const NodeId v : t.touched) {
    t.dist[v] = kInf;
    t.level[v] = -1;
    sigma[v] = 0;
    t.delta[v] = 0.0;
  }
  return ok;
}

// Returns false when even long double path counts overflowed (nothing added then).
// On a graph where one source overflowed, the others mostly do too: this thread then skips the
// double attempt (results are the same either way, only the wasted pass is saved).
bool one_source(const SimpleAdjacency& adj, NodeId s, bool weighted, Scratch& t, double* bc) {
  if (!t.wide) {
    if (weighted ? dijkstra_source(adj, s, t, t.sigma, bc) : bfs_source(adj, s, t, t.sigma, bc)) return true;
    t.wide = true;
  }
  return weighted ? dijkstra_source(adj, s, t, t.wide_sigma, bc) : bfs_source(adj, s, t, t.wide_sigma, bc);
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
  std::atomic<bool> overflow{false};
#pragma omp parallel num_threads(threads)
  {
    const int me = omp_get_thread_num();
    Scratch& scratch = scratches[me];
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t i = 0; i < k; ++i) {
      if (interrupt.poll()) continue;
      const NodeId s = static_cast<NodeId>(options.use_sources ? options.sources[i] : i);
      if (!one_source(adj, s, options.weighted, scratch, partial[me].data())) {
        overflow.store(true, std::memory_order_relaxed);
      }
    }
  }
  interrupt.rethrow();
  if (overflow.load()) {
    throw Error(ErrorCode::kOverflow,
                "betweenness_centrality: shortest-path counts exceed the long double range (> 1e4932 "
                "equally short paths between two nodes); the scores cannot be represented");
  }
  for (const auto& p : partial) {
    for (std::int64_t v = 0; v < n; ++v) bc[v] += p[v];
  }
  rescale(bc, n, k, options);
  return bc;
}

}  // namespace fuseflow
