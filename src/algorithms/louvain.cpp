#include "fuseflow/algorithms/louvain.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"

namespace fuseflow {
namespace {

constexpr int kMaxSweeps = 64;          // per level; real graphs settle in a handful
constexpr double kMinGain = 1e-12;      // a move must gain this much (times the node's degree)
// A level stops sweeping once a whole sweep raised modularity by less than this: the long tail
// of sweeps that move a few nodes for a negligible gain costs time and no quality.
constexpr double kMinSweepGain = 1e-7;

// Weighted undirected graph of one level: merged neighbour lists (no self entries) and the
// self-loop weight A_ii of each node separately.
struct Level {
  std::int64_t n = 0;
  std::vector<std::int64_t> offsets;
  std::vector<std::int64_t> targets;
  std::vector<double> weights;
  std::vector<double> loop;    // A_ii
  std::vector<double> degree;  // k_i = sum_j A_ij (A_ii included)
};

std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// Builds a level from (u, v, w) triples with u != v listed once per direction, plus loops.
Level from_lists(std::int64_t n, std::vector<std::vector<std::pair<std::int64_t, double>>>& adj,
                 std::vector<double> loop) {
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

Level input_level(const Graph& g, bool use_weights) {
  const std::int64_t n = g.num_nodes();
  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const auto w = g.out_weights();
  std::vector<std::vector<std::pair<std::int64_t, double>>> adj(static_cast<std::size_t>(n));
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

// One round of local moving on `l`. community[i] starts as i, or as given when `keep` (ids
// in [0, n)). Returns whether any node moved.
bool local_moving(const Level& l, double resolution, double two_m, std::uint64_t& rng,
                  std::vector<std::int64_t>& community, bool keep = false) {
  const std::int64_t n = l.n;
  community.resize(static_cast<std::size_t>(n));
  std::vector<double> total(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t i = 0; i < n; ++i) {
    if (!keep) community[i] = i;
    total[community[i]] += l.degree[i];
  }
  std::vector<std::int64_t> order(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) order[i] = i;
  for (std::int64_t i = n - 1; i > 0; --i) {
    std::swap(order[i], order[splitmix(rng) % static_cast<std::uint64_t>(i + 1)]);
  }
  std::vector<double> link(static_cast<std::size_t>(n), 0.0);  // weight from the node to each community
  std::vector<std::int64_t> touched;
  bool any_move = false;
  for (int sweep = 0; sweep < kMaxSweeps; ++sweep) {
    std::int64_t moves = 0;
    double sweep_gain = 0.0;  // sum of (best - own) gains; the modularity rise is 2 x this / 2m
    for (std::int64_t step = 0; step < n; ++step) {
      if ((step & 16383) == 0) check_interrupt();
      const std::int64_t i = order[step];
      const std::int64_t own = community[i];
      const double k = l.degree[i];
      touched.clear();
      touched.push_back(own);
      for (std::int64_t e = l.offsets[i]; e < l.offsets[i + 1]; ++e) {
        const std::int64_t c = community[l.targets[e]];
        if (link[c] == 0.0 && c != own) touched.push_back(c);
        link[c] += l.weights[e];
      }
      total[own] -= k;
      // Gain of joining c (up to the common factor 1/m): link(c) - resolution * total(c) k / 2m.
      std::int64_t best = own;
      double best_gain = link[own] - resolution * total[own] * k / two_m;
      const double tol = kMinGain * std::max(k, 1.0);
      for (const std::int64_t c : touched) {
        if (c == own) continue;
        const double gain = link[c] - resolution * total[c] * k / two_m;
        // Leaving needs a real gain (no oscillation between equal choices); among equal
        // destinations the lowest community id wins.
        if (gain > best_gain + tol || (best != own && gain >= best_gain - tol && c < best)) {
          best = c;
          best_gain = std::max(gain, best_gain);
        }
      }
      total[best] += k;
      if (best != own) {
        sweep_gain += best_gain - (link[own] - resolution * total[own] * k / two_m);
        community[i] = best;
        ++moves;
      }
      for (const std::int64_t c : touched) link[c] = 0.0;
    }
    if (moves == 0) break;
    any_move = true;
    if (2.0 * sweep_gain / two_m < kMinSweepGain) break;
  }
  return any_move;
}

// Renumbers communities 0..C-1 by first appearance and contracts `l` along them.
Level contract(const Level& l, std::vector<std::int64_t>& community, std::int64_t& count) {
  std::vector<std::int64_t> id(static_cast<std::size_t>(l.n), -1);
  count = 0;
  for (std::int64_t i = 0; i < l.n; ++i) {
    if (id[community[i]] < 0) id[community[i]] = count++;
    community[i] = id[community[i]];
  }
  std::vector<std::vector<std::pair<std::int64_t, double>>> adj(static_cast<std::size_t>(count));
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

}  // namespace

LouvainResult louvain(const Graph& g, double resolution, std::uint64_t seed, bool use_weights) {
  if (!(resolution > 0.0 && std::isfinite(resolution))) {
    char buf[32];
    std::snprintf(buf, sizeof buf, "%g", resolution);
    throw_value_error("resolution", std::string("must be finite and > 0, got ") + buf);
  }
  if (use_weights) {
    if (!g.has_weights() && g.num_edges() > 0) {
      throw_value_error("g", "louvain with weights needs edge weights; build the graph with weights=");
    }
    for (const double w : g.out_weights()) {
      if (!(w >= 0.0)) throw_value_error("g", "louvain needs non-negative edge weights");
    }
  }
  const std::int64_t n = g.num_nodes();
  LouvainResult result;
  result.labels = Buffer<std::int64_t>(static_cast<std::size_t>(n));
  const Level input = input_level(g, use_weights);
  double two_m = 0.0;
  for (const double k : input.degree) two_m += k;
  std::vector<std::int64_t> label(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) label[i] = i;
  std::int64_t count = n;
  if (two_m > 0.0) {
    std::uint64_t rng = seed;
    Level level = input;
    std::vector<std::int64_t> community;
    while (true) {
      check_interrupt();
      if (!local_moving(level, resolution, two_m, rng, community)) break;
      Level next = contract(level, community, count);
      for (std::int64_t i = 0; i < n; ++i) label[i] = community[label[i]];
      ++result.levels;
      if (next.n == level.n) break;
      level = std::move(next);
    }
    // Refinement: single nodes of the input graph may still gain by moving between the final
    // communities (contraction froze them inside their first choice); one more local-moving
    // round on the input graph, from the final partition, lets them.
    local_moving(input, resolution, two_m, rng, label, /*keep=*/true);
  }
  // Final numbering by smallest member, and the modularity on the input graph.
  std::vector<std::int64_t> id(static_cast<std::size_t>(n), -1);
  std::int64_t next_id = 0;
  for (std::int64_t i = 0; i < n; ++i) {
    if (id[label[i]] < 0) id[label[i]] = next_id++;
    result.labels[i] = id[label[i]];
    label[i] = result.labels[i];
  }
  result.modularity = two_m > 0.0 ? modularity(input, label, next_id, resolution, two_m) : 0.0;
  return result;
}

}  // namespace fuseflow
