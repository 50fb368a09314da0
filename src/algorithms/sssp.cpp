#include "fuseflow/algorithms/sssp.h"

#include <omp.h>

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>
#include <string>

#include "fuseflow/algorithms/delta_stepping.h"
#include "fuseflow/algorithms/search_inputs.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr std::int64_t kMinEdgesPerThread = 1 << 15;

constexpr const char* kWeightHint = "weights must be >= 0 and not NaN; +inf is an unusable edge";

// GAP's bucket width from the largest finite weight and the largest out-degree of the nodes
// searched (a masked search passes its kept nodes' base degrees: the base's hubs may be dropped).
double choose_delta(const Graph& g, std::int64_t max_degree) {
  return delta_for(g.max_finite_weight(), std::max<std::int64_t>(1, max_degree));
}

RelaxEdges out_edges(const Graph& g) {
  RelaxEdges edges;
  edges.offsets = g.out_offsets().data();
  edges.neighbours = g.out_targets().data();
  edges.weights = g.out_weights().data();
  edges.num_nodes = g.num_nodes();
  edges.num_edges = g.num_edges();
  return edges;
}

}  // namespace

Buffer<double> sssp(const Graph& g, std::int64_t source, double delta) {
  check_node_id("source", source, g.num_nodes());
  check_search_weights(g, g.first_invalid_weight(), "sssp", kWeightHint);
  if (!(delta > 0.0)) delta = choose_delta(g, g.max_degree(false));
  Buffer<double> dist(static_cast<std::size_t>(g.num_nodes()), std::numeric_limits<double>::infinity());
  dist[static_cast<std::size_t>(source)] = 0.0;
  delta_stepping(out_edges(g), dist.data(), {static_cast<NodeId>(source)}, delta);
  return dist;
}

MaskedSssp sssp(const Graph& g, const GraphMask& mask, std::int64_t source, double delta) {
  mask.check_sizes(g);
  const std::int64_t n = g.num_nodes();
  // Dropped nodes hold -inf: delta-stepping never relaxes nor scans them (delta_stepping.h).
  Buffer<double> dist(static_cast<std::size_t>(n), std::numeric_limits<double>::infinity());
  const auto degree = g.out_degree();
  std::int64_t max_degree = mask.node_keep.empty() ? g.max_degree(false) : 0;
  const KeptNodes kept = number_kept_nodes(mask, n, source, [&](std::int64_t v, bool keep) {
    if (!keep) {
      dist[v] = -std::numeric_limits<double>::infinity();
    } else {
      max_degree = std::max(max_degree, degree[v]);
    }
  });
  const Buffer<NodeId>& view_id = kept.view_id;
  const NodeId base_source = kept.base_source;
  const std::int64_t k = kept.count;
  check_node_id("source", source, k);
  RelaxEdges edges = out_edges(g);
  if (!mask.edge_keep_out.empty()) {
    edges.keep = mask.edge_keep_out.data();
  } else if (!mask.edge_keep.empty()) {
    edges.keep = mask.edge_keep.data();
    if (!g.user_order_is_csr()) edges.keep_ids = g.user_edge_ids().data();
  }
  // Only the subgraph's weights must be >= 0: the cut would hold no others.
  // An unweighted base is refused only when the subgraph has an edge: the cut of one without
  // edges is a graph without edges, which needs no weights.
  if (g.has_weights() || has_kept_edge(g, mask)) check_search_weights(g, first_invalid_kept_weight(g, mask), "sssp", kWeightHint, "(base ids) ");
  // A kept node keeps about k/n of its base out-edges (to kept nodes): the cut's largest degree
  // is about that share of the kept nodes' largest base degree. R-MAT 20, a tenth kept: 41 ms
  // with the base degree's narrower buckets, 33 ms with the share.
  if (!view_id.empty() && n > 0) max_degree = static_cast<std::int64_t>(static_cast<double>(max_degree) * k / n);
  if (!(delta > 0.0)) delta = choose_delta(g, max_degree);
  dist[static_cast<std::size_t>(base_source)] = 0.0;
  // An unweighted base gets here only when the subgraph has no edge: nothing to relax (and no
  // weights to read).
  if (g.has_weights()) delta_stepping(edges, dist.data(), {base_source}, delta);
  // Distances in view ids, as on the cut subgraph; plus the rent a view's cost model charges.
  MaskedSssp result;
  result.dist = Buffer<double>(static_cast<std::size_t>(k));
  std::int64_t reached_edges = 0;
#pragma omp parallel for num_threads(threads_for(n, kMinEdgesPerThread)) schedule(static) reduction(+ : reached_edges)
  for (std::int64_t v = 0; v < n; ++v) {
    if (!view_id.empty() && view_id[v] < 0) continue;
    result.dist[view_id.empty() ? v : view_id[v]] = dist[v];
    if (dist[v] < std::numeric_limits<double>::infinity()) reached_edges += degree[v];
  }
  result.reached_out_edges = reached_edges;
  return result;
}

}  // namespace fuseflow
