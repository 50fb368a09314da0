#include "fuseflow/algorithms/community_level.h"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstring>
#include <string>
#include <utility>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::community {
namespace {

constexpr std::int64_t kNodesPerTask = 1024;
constexpr std::int64_t kMinWorkPerThread = 1 << 16;  // small levels stay serial

// Builds a level of `count` nodes from gather(a, add, add_loop): add(b, w) for each entry of a
// towards b != a (repeats add up), add_loop(w) for A_aa. bound[a] .. bound[a+1] bounds a's
// distinct neighbours. Each thread merges repeats with a dense scratch array over the node ids
// and a list of the ids it touched (no per-node maps, no sort), writes a's list at bound[a] of
// the level's own (uninitialised) arrays, and the lists are then moved down in place to their
// prefix-sum offsets (one array per list kind instead of a loose copy: at R-MAT 20 the copy was
// 512 MB of fresh pages, the kernel's page clearing the largest single cost of Louvain). A node's entries keep their first-appearance order and
// add up in gather order, so the level is the same at any thread count.
template <class Gather>
Level build(std::int64_t count, const std::vector<std::int64_t>& bound, Gather gather) {
  Level l;
  l.n = count;
  l.offsets.assign(static_cast<std::size_t>(count + 1), 0);
  l.loop.assign(static_cast<std::size_t>(count), 0.0);
  l.degree.assign(static_cast<std::size_t>(count), 0.0);
  const std::int64_t total = bound[count];
  l.targets.resize(static_cast<std::size_t>(total));
  l.weights.resize(static_cast<std::size_t>(total));
  NodeId* loose_target = l.targets.data();
  double* loose_weight = l.weights.data();
  const std::int64_t tasks = (count + kNodesPerTask - 1) / kNodesPerTask;
  const int threads = threads_for(count + total, kMinWorkPerThread);
  ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads)
  {
    std::vector<double> link(static_cast<std::size_t>(count), 0.0);
    std::vector<std::uint8_t> seen(static_cast<std::size_t>(count), 0);
    std::vector<std::int64_t> touched;
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t t = 0; t < tasks; ++t) {
      if (interrupt.poll()) continue;
      for (std::int64_t a = t * kNodesPerTask; a < std::min(count, (t + 1) * kNodesPerTask); ++a) {
        double loop = 0.0;
        touched.clear();
        gather(
            a,
            [&](std::int64_t b, double w) {
              if (!seen[b]) {
                seen[b] = 1;
                touched.push_back(b);
              }
              link[b] += w;
            },
            [&](double w) { loop += w; });
        double k = loop;
        std::int64_t at = bound[a];
        for (const std::int64_t b : touched) {
          loose_target[at] = static_cast<NodeId>(b);
          loose_weight[at++] = link[b];
          k += link[b];
          link[b] = 0.0;
          seen[b] = 0;
        }
        l.offsets[a + 1] = static_cast<std::int64_t>(touched.size());
        l.loop[a] = loop;
        l.degree[a] = k;
      }
    }
  }
  interrupt.rethrow();
  for (std::int64_t a = 0; a < count; ++a) l.offsets[a + 1] += l.offsets[a];
  // In place and in node order: a's list moves down from bound[a] to offsets[a] <= bound[a],
  // past the end of every list already moved, so nothing unread is overwritten.
  for (std::int64_t a = 0; a < count; ++a) {
    const std::int64_t len = l.offsets[a + 1] - l.offsets[a];
    if (l.offsets[a] == bound[a]) continue;
    std::memmove(loose_target + l.offsets[a], loose_target + bound[a], static_cast<std::size_t>(len) * sizeof(NodeId));
    std::memmove(loose_weight + l.offsets[a], loose_weight + bound[a], static_cast<std::size_t>(len) * sizeof(double));
  }
  l.targets.resize(static_cast<std::size_t>(l.offsets[count]));
  l.weights.resize(static_cast<std::size_t>(l.offsets[count]));
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
  const auto in_off = g.in_offsets();
  const auto in_src = g.in_sources();
  const auto in_w = g.in_weights();
  std::vector<std::int64_t> bound(static_cast<std::size_t>(n + 1));
  for (std::int64_t v = 0; v <= n; ++v) bound[v] = off[v] + in_off[v];
  return build(n, bound, [&](std::int64_t v, auto&& add, auto&& add_loop) {
    for (EdgeOffset e = off[v]; e < off[v + 1]; ++e) {
      const double weight = use_weights ? w[e] : 1.0;
      if (tgt[e] == v) {
        add_loop(2.0 * weight);  // a self-loop adds 2w to A_vv; its in-edge copy is skipped below
      } else {
        add(tgt[e], weight);
      }
    }
    for (EdgeOffset e = in_off[v]; e < in_off[v + 1]; ++e) {
      if (in_src[e] != v) add(in_src[e], use_weights ? in_w[e] : 1.0);
    }
  });
}

Level contract(const Level& l, std::vector<std::int64_t>& community, std::int64_t& count) {
  std::vector<std::int64_t> id(static_cast<std::size_t>(l.n), -1);
  count = 0;
  for (std::int64_t i = 0; i < l.n; ++i) {
    if (id[community[i]] < 0) id[community[i]] = count++;
    community[i] = id[community[i]];
  }
  // Members of each community in id order (a counting sort), and a bound on its neighbours.
  std::vector<std::int64_t> first(static_cast<std::size_t>(count + 1), 0), bound(static_cast<std::size_t>(count + 1), 0);
  for (std::int64_t i = 0; i < l.n; ++i) {
    ++first[community[i] + 1];
    bound[community[i] + 1] += l.offsets[i + 1] - l.offsets[i];
  }
  for (std::int64_t c = 0; c < count; ++c) {
    first[c + 1] += first[c];
    bound[c + 1] += bound[c];
  }
  std::vector<std::int64_t> members(static_cast<std::size_t>(l.n));
  {
    std::vector<std::int64_t> fill(first.begin(), first.end() - 1);
    for (std::int64_t i = 0; i < l.n; ++i) members[fill[community[i]]++] = i;
  }
  return build(count, bound, [&](std::int64_t a, auto&& add, auto&& add_loop) {
    for (std::int64_t p = first[a]; p < first[a + 1]; ++p) {
      const std::int64_t i = members[p];
      add_loop(l.loop[i]);
      for (std::int64_t e = l.offsets[i]; e < l.offsets[i + 1]; ++e) {
        const std::int64_t b = community[l.targets[e]];
        if (b == a) {
          add_loop(l.weights[e]);  // each inner edge is seen from both ends: 2w in total
        } else {
          add(b, l.weights[e]);
        }
      }
    }
  });
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
