// Min-plus fixpoint loops (plan.h LoopStep::frontier_min_plus; found by lower_frontier.cpp): a
// Bellman-Ford written in the DSL,
//
//   while any(mask): agg = neighbor_agg(g, d, "min", combine="add", active=mask)
//                    d, mask = minimum(d, agg), minimum(d, agg) < d
//
// relaxes the edges of every node whose distance dropped, one synchronous round per iteration.
// On a road grid that is thousands of rounds, each re-relaxing nodes whose distance will drop
// again (about 13 relaxations per node on road_grid(2048), against ~1 for delta-stepping).
//
// The loop's final d does not depend on the order of relaxations: it is the fixed point
// d[v] = min(d0[v], d[u] + w(u, v) over the u that relax), the u being the first frontier and
// every node whose distance dropped. Each value it holds is a path's left-to-right sum from a
// seed, and rounding is monotone (a <= b implies a + w <= b + w), so any fair order reaches the
// same values bit for bit. The final mask is all false. So the loop runs as delta-stepping
// (include/fuseflow/algorithms/delta_stepping.h, the engine of ff.algorithms.sssp) seeded with
// the first frontier -- when the run's values keep that argument exact:
// - weights >= 0, not NaN, no -0.0 (a negative weight breaks delta-stepping; a negative cycle
//   makes the loop itself run forever, as written);
// - d without NaN (minimum would propagate it), -inf (-inf + inf is NaN) or -0.0 (signed zeros
//   compare equal but min keeps the first).
// Otherwise the loop runs as written (frontier_loop.cpp).
#include "exec/min_plus_loop.h"

#include <algorithm>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "exec/semiring_fold.h"
#include "fuseflow/algorithms/delta_stepping.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::exec {

namespace {

constexpr std::int64_t kMinPerThread = 1 << 15;

// The largest finite weight, or -1 when a weight is negative, NaN or -0.0.
double checked_max_weight(const double* w, std::int64_t m) {
  double max_weight = 0.0;
  bool bad = false;
#pragma omp parallel for num_threads(threads_for(m, kMinPerThread)) reduction(max : max_weight) reduction(|| : bad)
  for (std::int64_t e = 0; e < m; ++e) {
    const double x = w[e];
    bad = bad || !(x >= 0.0) || std::signbit(x);
    if (x < std::numeric_limits<double>::infinity()) max_weight = std::max(max_weight, x);
  }
  return bad ? -1.0 : max_weight;
}

bool usable_distances(const double* d, std::int64_t n) {
  bool bad = false;
#pragma omp parallel for num_threads(threads_for(n, kMinPerThread)) reduction(|| : bad)
  for (std::int64_t v = 0; v < n; ++v) {
    const double x = d[v];
    bad = bad || x != x || x == -std::numeric_limits<double>::infinity() || (x == 0.0 && std::signbit(x));
  }
  return !bad;
}

}  // namespace

bool run_min_plus_loop(const LoopStep& loop, RunState& state) {
  std::vector<Value>& slots = state.slots;
  const NeighborAggStep& agg = loop.body.at(0).agg;
  const Graph& g = *slots[static_cast<std::size_t>(agg.graph_slot)].graph;
  const std::int64_t n = g.num_nodes(), m = g.num_edges();
  Value& d = slots[static_cast<std::size_t>(loop.carry_slots.at(static_cast<std::size_t>(loop.frontier_min_plus)))];
  Value& mask = slots[static_cast<std::size_t>(loop.carry_slots.at(static_cast<std::size_t>(loop.frontier_mask)))];
  if (agg.weights_slot < 0) return false;
  const Value& weights = slots[static_cast<std::size_t>(agg.weights_slot)];
  // Wrong lengths and types are the loop's own errors to raise, as written.
  if (d.length != n || mask.length != n || weights.length != m || d.type != DType::kFloat64 ||
      mask.type != DType::kBool || weights.type != DType::kFloat64) {
    return false;
  }
  const double* w = weights.template data<double>();
  const double max_weight = checked_max_weight(w, m);
  if (max_weight < 0.0 || !usable_distances(d.template data<double>(), n)) return false;

  std::vector<NodeId> seeds;
  const std::uint8_t* active = mask.template data<std::uint8_t>();
  for (std::int64_t v = 0; v < n; ++v) {
    if (active[v]) seeds.push_back(static_cast<NodeId>(v));
  }
  // "in": u pushes along its out-edges to the nodes whose in-neighbour it is; "out": the reverse.
  const bool in = agg.direction == AggDirection::kIn;
  const EdgeWeights ew = edge_weights(g, w);
  RelaxEdges edges;
  edges.offsets = in ? g.out_offsets().data() : g.in_offsets().data();
  edges.neighbours = in ? g.out_targets().data() : g.in_sources().data();
  edges.weights = in ? ew.csr : ew.csc;
  edges.weight_ids = in ? ew.csr_ids : ew.csc_ids;
  edges.num_nodes = n;
  edges.num_edges = m;
  const std::int64_t max_degree = n > 0 ? g.max_degree(/*in_edges=*/!in) : 1;

  d.make_sole_owner();
  mask.make_sole_owner();
  delta_stepping(edges, d.template data<double>(), seeds, delta_for(max_weight, max_degree));
  if (n > 0) std::memset(mask.template data<std::uint8_t>(), 0, static_cast<std::size_t>(n));
  return true;
}

}  // namespace fuseflow::exec
