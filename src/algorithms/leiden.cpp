#include "fuseflow/algorithms/leiden.h"

#include <algorithm>
#include <cmath>
#include <vector>

#include "fuseflow/algorithms/community_level.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"

namespace fuseflow {
namespace {

using community::Level;

using community::kMinGain;
constexpr double kRandomness = 0.01;   // the temperature of the refinement merges (igraph's beta)
constexpr int kMaxLevels = 64;         // per iteration; real graphs contract in a handful
constexpr std::int64_t kMaxPopsPerNode = 64;  // caps the queue of (1) at 64 visits per node
constexpr std::int64_t kMaxIterations = 1000;  // "until stable": every iteration that moves raises Q

// Phase (1): queue-based local moving. community[] holds ids in [0, n). Returns whether any
// node moved.
bool move_nodes_fast(const Level& l, double resolution, double two_m, std::uint64_t& rng,
                     std::vector<std::int64_t>& community) {
  const std::int64_t n = l.n;
  std::vector<double> total(static_cast<std::size_t>(n), 0.0);
  std::vector<std::int64_t> size(static_cast<std::size_t>(n), 0);
  for (std::int64_t i = 0; i < n; ++i) {
    total[community[i]] += l.degree[i];
    ++size[community[i]];
  }
  std::vector<std::int64_t> empty;  // community ids without members, to move a node out alone
  for (std::int64_t c = n - 1; c >= 0; --c) {
    if (size[c] == 0) empty.push_back(c);
  }
  // Ring buffer: every node is queued at most once at a time, so n slots suffice.
  std::vector<std::int64_t> queue = community::random_order(n, rng);
  std::vector<std::uint8_t> queued(static_cast<std::size_t>(n), 1);
  std::int64_t head = 0, length = n;
  std::vector<double> link(static_cast<std::size_t>(n), 0.0);
  std::vector<std::int64_t> touched;
  bool any_move = false;
  const std::int64_t max_pops = kMaxPopsPerNode * std::max<std::int64_t>(n, 1);
  for (std::int64_t pops = 0; length > 0 && pops < max_pops; ++pops) {
    if ((pops & 16383) == 0) check_interrupt();
    const std::int64_t i = queue[head];
    head = head + 1 == n ? 0 : head + 1;
    --length;
    queued[i] = 0;
    const std::int64_t own = community[i];
    const double k = l.degree[i];
    total[own] -= k;
    --size[own];
    const community::MoveChoice m =
        community::best_move(l, i, community.data(), total.data(), total[own], resolution, two_m, link.data(), touched);
    std::int64_t best = m.best;
    // Alone (gain 0) when every community, its own included, costs more than it links.
    if (size[own] > 0 && m.best_gain < -kMinGain * std::max(k, 1.0) && !empty.empty()) {
      best = empty.back();
      empty.pop_back();
    }
    total[best] += k;
    ++size[best];
    if (best == own) continue;
    if (size[own] == 0) empty.push_back(own);
    community[i] = best;
    any_move = true;
    for (std::int64_t e = l.offsets[i]; e < l.offsets[i + 1]; ++e) {
      const std::int64_t j = l.targets[e];
      if (!queued[j] && community[j] != best) {
        queued[j] = 1;
        std::int64_t tail = head + length;
        if (tail >= n) tail -= n;
        queue[tail] = j;
        ++length;
      }
    }
  }
  return any_move;
}

// Phase (2): refined[] gets the refined partition (ids in [0, n)), each refined community
// inside one community of `community` and connected. Returns the number of refined
// communities.
std::int64_t refine(const Level& l, double resolution, double two_m, std::uint64_t& rng,
                    const std::vector<std::int64_t>& community, std::vector<std::int64_t>& refined) {
  const std::int64_t n = l.n;
  std::vector<double> community_total(static_cast<std::size_t>(n), 0.0);
  for (std::int64_t i = 0; i < n; ++i) community_total[community[i]] += l.degree[i];
  refined.resize(static_cast<std::size_t>(n));
  std::vector<double> total(l.degree);                             // K_T of each refined community
  std::vector<std::int64_t> size(static_cast<std::size_t>(n), 1);
  std::vector<double> outside(static_cast<std::size_t>(n), 0.0);  // w(T, C - T)
  for (std::int64_t i = 0; i < n; ++i) {
    refined[i] = i;
    for (std::int64_t e = l.offsets[i]; e < l.offsets[i + 1]; ++e) {
      if (community[l.targets[e]] == community[i]) outside[i] += l.weights[e];
    }
  }
  std::int64_t count = n;
  std::vector<double> link(static_cast<std::size_t>(n), 0.0);
  std::vector<std::int64_t> touched;
  std::vector<double> chance;
  const std::vector<std::int64_t> order = community::random_order(n, rng);
  for (std::int64_t step = 0; step < n; ++step) {
    if ((step & 16383) == 0) check_interrupt();
    const std::int64_t v = order[step];
    if (refined[v] != v || size[v] != 1) continue;  // only singletons move
    const double k = l.degree[v];
    const double big = community_total[community[v]];
    if (outside[v] < resolution * k * (big - k) / two_m) continue;  // not well connected to C
    touched.clear();
    for (std::int64_t e = l.offsets[v]; e < l.offsets[v + 1]; ++e) {
      const std::int64_t u = l.targets[e];
      if (community[u] != community[v]) continue;
      const std::int64_t t = refined[u];
      if (link[t] == 0.0) touched.push_back(t);
      link[t] += l.weights[e];
    }
    // Candidates: well-connected refined communities with gain >= 0, and staying alone.
    double max_gain = 0.0;
    std::size_t kept = 0;
    for (const std::int64_t t : touched) {
      const double gain = link[t] - resolution * k * total[t] / two_m;
      if (gain >= 0.0 && outside[t] >= resolution * total[t] * (big - total[t]) / two_m) {
        touched[kept++] = t;
        max_gain = std::max(max_gain, gain);
      } else {
        link[t] = 0.0;
      }
    }
    touched.resize(kept);
    if (kept == 0) continue;
    // Sampling proportional to exp(gain / randomness); staying alone has gain 0.
    double sum = std::exp(-max_gain / kRandomness);
    chance.assign(1, sum);
    for (const std::int64_t t : touched) {
      sum += std::exp((link[t] - resolution * k * total[t] / two_m - max_gain) / kRandomness);
      chance.push_back(sum);
    }
    const double r = community::uniform(rng) * sum;
    std::size_t pick = 0;
    while (pick + 1 < chance.size() && chance[pick] <= r) ++pick;
    if (pick > 0) {
      const std::int64_t t = touched[pick - 1];
      refined[v] = t;
      outside[t] += outside[v] - 2.0 * link[t];
      total[t] += k;
      ++size[t];
      size[v] = 0;
      --count;
    }
    for (const std::int64_t t : touched) link[t] = 0.0;
  }
  return count;
}

// Renumbers labels by first appearance; returns the count.
std::int64_t renumber(std::vector<std::int64_t>& label, std::int64_t range) {
  std::vector<std::int64_t> id(static_cast<std::size_t>(range), -1);
  std::int64_t count = 0;
  for (auto& c : label) {
    if (id[c] < 0) id[c] = count++;
    c = id[c];
  }
  return count;
}

// One Leiden iteration on the input level from `label` (ids in [0, n)). Returns whether any
// node moved at any level.
bool iterate(const Level& input, double resolution, double two_m, std::uint64_t& rng, std::vector<std::int64_t>& label,
             std::int64_t& levels) {
  const std::int64_t n = input.n;
  std::vector<std::int64_t> node_to_agg(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) node_to_agg[i] = i;
  std::vector<std::int64_t> part = label, refined;
  Level contracted;
  const Level* level = &input;
  bool moved = false;
  for (int depth = 0; depth < kMaxLevels; ++depth) {
    check_interrupt();
    moved = move_nodes_fast(*level, resolution, two_m, rng, part) || moved;
    std::vector<std::int64_t> renumbered = part;
    const std::int64_t parts = renumber(renumbered, level->n);
    if (parts == level->n) break;
    if (refine(*level, resolution, two_m, rng, part, refined) == level->n) refined = part;
    std::int64_t count = 0;
    Level next = community::contract(*level, refined, count);  // renumbers refined to [0, count)
    std::vector<std::int64_t> next_part(static_cast<std::size_t>(count));
    for (std::int64_t i = 0; i < level->n; ++i) next_part[refined[i]] = renumbered[i];
    for (std::int64_t i = 0; i < n; ++i) node_to_agg[i] = refined[node_to_agg[i]];
    contracted = std::move(next);
    level = &contracted;
    part = std::move(next_part);
    ++levels;
  }
  for (std::int64_t i = 0; i < n; ++i) label[i] = part[node_to_agg[i]];
  return moved;
}

// Splits every community into its connected components (breadth-first over same-label edges).
void split_disconnected(const Level& l, std::vector<std::int64_t>& label) {
  std::vector<std::int64_t> out(static_cast<std::size_t>(l.n), -1), frontier;
  std::int64_t next = 0;
  for (std::int64_t s = 0; s < l.n; ++s) {
    if (out[s] >= 0) continue;
    out[s] = next;
    frontier.assign(1, s);
    while (!frontier.empty()) {
      const std::int64_t u = frontier.back();
      frontier.pop_back();
      for (std::int64_t e = l.offsets[u]; e < l.offsets[u + 1]; ++e) {
        const std::int64_t v = l.targets[e];
        if (out[v] < 0 && label[v] == label[s]) {
          out[v] = next;
          frontier.push_back(v);
        }
      }
    }
    ++next;
  }
  label = std::move(out);
}

}  // namespace

LouvainResult leiden(const Graph& g, double resolution, std::uint64_t seed, bool use_weights, std::int64_t iterations) {
  community::check_arguments(g, resolution, use_weights, "leiden");
  if (iterations == 0) throw_value_error("iterations", "must be >= 1, or negative for until stable; got 0");
  const std::int64_t n = g.num_nodes();
  LouvainResult result;
  const Level input = community::input_level(g, use_weights);
  double two_m = 0.0;
  for (const double k : input.degree) two_m += k;
  std::vector<std::int64_t> label(static_cast<std::size_t>(n));
  for (std::int64_t i = 0; i < n; ++i) label[i] = i;
  if (two_m > 0.0) {
    std::uint64_t rng = seed;
    for (std::int64_t it = 0; it < (iterations < 0 ? kMaxIterations : iterations); ++it) {
      if (!iterate(input, resolution, two_m, rng, label, result.levels)) break;
    }
    split_disconnected(input, label);  // numbers by smallest member, too
  }
  const std::int64_t count = n == 0 ? 0 : *std::max_element(label.begin(), label.end()) + 1;
  result.labels = Buffer<std::int64_t>(static_cast<std::size_t>(n));
  std::copy(label.begin(), label.end(), result.labels.begin());
  result.modularity = two_m > 0.0 ? community::modularity(input, label, count, resolution, two_m) : 0.0;
  return result;
}

}  // namespace fuseflow
