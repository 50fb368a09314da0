#include "fuseflow/algorithms/community_level.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <utility>

#include "fuseflow/core/error.h"

namespace fuseflow::community {
namespace {

using AdjacencyLists = std::vector<std::vector<std::pair<std::int64_t, double>>>;

// Builds a level from neighbour lists (u != v, each pair listed from both ends) plus loops.
Level from_lists(std::int64_t n, AdjacencyLists& adj, std::vector<double> loop) {
  Level l;
  l.n = n;
  l.offsets.assign(static_cast<std::size_t>(n + 1), 0);
  l.loop = std::move(loop);
  l.degree.assign(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t u = 0; u < n; ++u) {
    auto& list = adj[u];
    std::sort(list.begin(), list.end());
    std::size_t kept = 0;
    for (std::size_t i = 0; i < list.size(); ++i) {
      if (kept > 0 && list[kept - 1].first == list[i].first) {
        list[kept - 1].second += list[i].second;
      } else {
        list[kept++] = list[i];
      }
    }
    list.resize(kept);
    l.offsets[u + 1] = l.offsets[u] + static_cast<std::int64_t>(kept);
  }
  l.targets.resize(static_cast<std::size_t>(l.offsets[n]));
  l.weights.resize(static_cast<std::size_t>(l.offsets[n]));
  for (std::int64_t u = 0; u < n; ++u) {
    double k = l.loop[u];
    std::int64_t at = l.offsets[u];
    for (const auto& [v, w] : adj[u]) {
      l.targets[at] = v;
      l.weights[at++] = w;
      k += w;
    }
    l.degree[u] = k;
    std::vector<std::pair<std::int64_t, double>>().swap(adj[u]);
  }
  return l;
}

}  // namespace

std::vector<std::int64_t> random_order(std::int64_t n, std::uint64_t& rng) {
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[i] = i;
  for (std::int64_t i = n - 1; i > 0; --i) {
    std::swap(order[i], order[splitmix(rng) % static_cast<std::uint64_t>(i + 1)]);
  }
  return order;
}

MoveChoice best_move(const Level& l, std::int64_t i, const std::int64_t* community, const double* total,
                     double own_total, double resolution, double two_m, double* link,
                     std::vector<std::int64_t>& touched) {
  const std::int64_t own = community[i];
  const double k = l.degree[i];
  touched.clear();
  touched.push_back(own);
  for (std::int64_t e = l.offsets[i]; e < l.offsets[i + 1]; ++e) {
    const std::int64_t c = community[l.targets[e]];
    if (link[c] == 0.0 && c != own) touched.push_back(c);
    link[c] += l.weights[e];
  }
  MoveChoice m{own, link[own] - resolution * own_total * k / two_m, 0.0};
  m.own_gain = m.best_gain;
  const double tol = kMinGain * std::max(k, 1.0);
  for (const std::int64_t c : touched) {
    if (c == own) continue;
    const double gain = link[c] - resolution * total[c] * k / two_m;
    if (gain > m.best_gain + tol || (m.best != own && gain >= m.best_gain - tol && c < m.best)) {
      m.best = c;
      m.best_gain = std::max(gain, m.best_gain);
    }
  }
  for (const std::int64_t c : touched) link[c] = 0.0;
  return m;
}

Level input_level(const Graph& g, bool use_weights) {
  const std::int64_t n = g.num_nodes();
  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const auto w = g.out_weights();
  AdjacencyLists adj(static_cast<std::size_t>(n));
  std::vector<double> loop(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t u = 0; u < n; ++u) {
    for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
      const double weight = use_weights ? w[e] : 1.0;
      const std::int64_t v = tgt[e];
      if (v == u) {
        loop[u] += 2.0 * weight;
      } else {
        adj[u].emplace_back(v, weight);
        adj[v].emplace_back(u, weight);
      }
    }
  }
  return from_lists(n, adj, std::move(loop));
}

Level contract(const Level& l, std::vector<std::int64_t>& community, std::int64_t& count) {
  std::vector<std::int64_t> id(static_cast<std::size_t>(l.n), -1);
  count = 0;
  for (std::int64_t i = 0; i < l.n; ++i) {
    if (id[community[i]] < 0) id[community[i]] = count++;
    community[i] = id[community[i]];
  }
  AdjacencyLists adj(static_cast<std::size_t>(count));
  std::vector<double> loop(static_cast<std::size_t>(count), 0.0);
  for (std::int64_t i = 0; i < l.n; ++i) {
    const std::int64_t a = community[i];
    loop[a] += l.loop[i];
    for (std::int64_t e = l.offsets[i]; e < l.offsets[i + 1]; ++e) {
      const std::int64_t b = community[l.targets[e]];
      if (a == b) {
        loop[a] += l.weights[e];  // each inner edge is seen from both ends: 2w in total
      } else {
        adj[a].emplace_back(b, l.weights[e]);
      }
    }
  }
  return from_lists(count, adj, std::move(loop));
}

double modularity(const Level& l, const std::vector<std::int64_t>& label, std::int64_t count, double resolution,
                  double two_m) {
  std::vector<double> inside(static_cast<std::size_t>(count), 0.0), total(static_cast<std::size_t>(count), 0.0);
  for (std::int64_t i = 0; i < l.n; ++i) {
    const std::int64_t c = label[i];
    total[c] += l.degree[i];
    inside[c] += l.loop[i];
    for (std::int64_t e = l.offsets[i]; e < l.offsets[i + 1]; ++e) {
      if (label[l.targets[e]] == c) inside[c] += l.weights[e];
    }
  }
  double q = 0.0;
  for (std::int64_t c = 0; c < count; ++c) q += inside[c] / two_m - resolution * (total[c] / two_m) * (total[c] / two_m);
  return q;
}

void check_arguments(const Graph& g, double resolution, bool use_weights, const char* who) {
  if (!(resolution > 0.0 && std::isfinite(resolution))) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", resolution);
    throw_value_error("resolution", std::string("must be finite and > 0, got ") + buf);
  }
  if (use_weights) {
    if (!g.has_weights() && g.num_edges() > 0) {
      throw_value_error("g", std::string(who) + " with weights needs edge weights; build the graph with weights=");
    }
    for (const double w : g.out_weights()) {
      if (!(w >= 0.0)) throw_value_error("g", std::string(who) + " needs non-negative edge weights");
    }
  }
}

}  // namespace fuseflow::community
