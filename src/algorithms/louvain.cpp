#include "fuseflow/algorithms/louvain.h"

#include <algorithm>
#include <vector>

#include "fuseflow/algorithms/community_level.h"
#include "fuseflow/core/interrupt.h"

namespace fuseflow {
namespace {

constexpr int kMaxSweeps = 64;          // per level; real graphs settle in a handful
// A level stops sweeping once a whole sweep raised modularity by less than this: the long tail
// of sweeps that move a few nodes for a negligible gain costs time and no quality.
constexpr double kMinSweepGain = 1e-7;

using community::Level;

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
  const std::vector<std::int64_t> order = community::random_order(n, rng);
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
      total[own] -= k;
      const community::MoveChoice m =
          community::best_move(l, i, community.data(), total.data(), total[own], resolution, two_m, link.data(), touched);
      total[m.best] += k;
      if (m.best != own) {
        sweep_gain += m.best_gain - m.own_gain;
        community[i] = m.best;
        ++moves;
      }
    }
    if (moves == 0) break;
    any_move = true;
    if (2.0 * sweep_gain / two_m < kMinSweepGain) break;
  }
  return any_move;
}

}  // namespace

LouvainResult louvain(const Graph& g, double resolution, std::uint64_t seed, bool use_weights) {
  community::check_arguments(g, resolution, use_weights, "louvain");
  const std::int64_t n = g.num_nodes();
  LouvainResult result;
  result.labels = Buffer<std::int64_t>(static_cast<std::size_t>(n));
  const Level input = community::input_level(g, use_weights);
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
      Level next = community::contract(level, community, count);
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
  result.modularity = two_m > 0.0 ? community::modularity(input, label, next_id, resolution, two_m) : 0.0;
  return result;
}

}  // namespace fuseflow
