#include "fuseflow/graph/graph_mask.h"

#include <algorithm>
#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {

namespace {
constexpr std::int64_t kMinEdgesPerThread = 1 << 16;
constexpr std::int64_t kNodesPerTask = 1024;
}  // namespace

void GraphMask::check_sizes(const Graph& g) const {
  if (!node_keep.empty() && static_cast<std::int64_t>(node_keep.size()) != g.num_nodes()) {
    throw_value_error("node_mask", "must have one entry per node (" + std::to_string(g.num_nodes()) + "), got " +
                                       std::to_string(node_keep.size()));
  }
  if (!edge_keep.empty() && static_cast<std::int64_t>(edge_keep.size()) != g.num_edges()) {
    throw_value_error("edge_mask", "must have one entry per edge (" + std::to_string(g.num_edges()) + "), got " +
                                       std::to_string(edge_keep.size()));
  }
}

EdgeMaskReader::EdgeMaskReader(const Graph& g, std::span<const std::uint8_t> edge_keep) {
  if (edge_keep.empty()) return;
  keep_ = edge_keep.data();
  if (!g.user_order_is_csr()) out_ids_ = g.user_edge_ids().data();
  // Built on first use and cached on g (shared by every view of it and by pull programs).
  in_ids_ = g.in_user_edge_ids().data();
}

std::int64_t first_invalid_kept_weight(const Graph& g, const GraphMask& mask) {
  const std::int64_t m = g.num_edges();
  const std::int64_t first = g.first_invalid_weight();
  if (first >= m || (mask.node_keep.empty() && mask.edge_keep.empty())) return first;
  const auto w = g.out_weights();
  const auto tgt = g.out_targets();
  const std::uint8_t* nodes = mask.node_keep.empty() ? nullptr : mask.node_keep.data();
  const NodeId* sources = nodes != nullptr ? g.out_sources().data() : nullptr;  // built on first use
  const std::uint8_t* edges = mask.edge_keep.empty() ? nullptr : mask.edge_keep.data();
  const EdgeOffset* user_ids = g.user_order_is_csr() ? nullptr : g.user_edge_ids().data();
  std::int64_t first_kept = m;
#pragma omp parallel for num_threads(threads_for(m - first, kMinEdgesPerThread)) reduction(min : first_kept)
  for (std::int64_t e = first; e < m; ++e) {
    if (w[e] >= 0.0) continue;  // a NaN fails the test and is checked like a negative weight
    if (edges != nullptr && edges[user_ids != nullptr ? user_ids[e] : e] == 0) continue;
    if (nodes != nullptr && (nodes[sources[e]] == 0 || nodes[tgt[e]] == 0)) continue;
    first_kept = std::min(first_kept, e);
  }
  return first_kept;
}

MaskedSize masked_size(const Graph& g, const GraphMask& mask) {
  mask.check_sizes(g);
  const std::int64_t n = g.num_nodes();
  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const auto node_keep = mask.node_keep;
  // Only the out-direction ids: counting needs no CSC map.
  const EdgeOffset* user_ids = g.user_order_is_csr() ? nullptr : g.user_edge_ids().data();
  const std::uint8_t* edge_keep = mask.edge_keep.empty() ? nullptr : mask.edge_keep.data();
  const std::int64_t tasks = (n + kNodesPerTask - 1) / kNodesPerTask;
  std::int64_t nodes = 0, edges = 0;
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads_for(n + g.num_edges(), kMinEdgesPerThread)) schedule(dynamic, 1) \
    reduction(+ : nodes, edges)
  for (std::int64_t task = 0; task < tasks; ++task) {
    if (interrupt.poll()) continue;
    for (std::int64_t u = task * kNodesPerTask; u < std::min(n, (task + 1) * kNodesPerTask); ++u) {
      if (!node_keep.empty() && node_keep[static_cast<std::size_t>(u)] == 0) continue;
      ++nodes;
      for (EdgeOffset p = off[u]; p < off[u + 1]; ++p) {
        if (!node_keep.empty() && node_keep[static_cast<std::size_t>(tgt[p])] == 0) continue;
        if (edge_keep != nullptr && edge_keep[user_ids ? user_ids[p] : p] == 0) continue;
        ++edges;
      }
    }
  }
  interrupt.rethrow();
  return {nodes, edges};
}

bool has_kept_edge(const Graph& g, const GraphMask& mask) {
  mask.check_sizes(g);
  const std::int64_t n = g.num_nodes();
  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const EdgeOffset* user_ids = g.user_order_is_csr() ? nullptr : g.user_edge_ids().data();
  const std::uint8_t* nodes = mask.node_keep.empty() ? nullptr : mask.node_keep.data();
  const std::uint8_t* edges = mask.edge_keep.empty() ? nullptr : mask.edge_keep.data();
  for (std::int64_t u = 0; u < n; ++u) {
    if ((u & 0xFFFF) == 0) check_interrupt();
    if (nodes != nullptr && nodes[u] == 0) continue;
    for (EdgeOffset p = off[u]; p < off[u + 1]; ++p) {
      if (nodes != nullptr && nodes[tgt[p]] == 0) continue;
      if (edges != nullptr && edges[user_ids != nullptr ? user_ids[p] : p] == 0) continue;
      return true;
    }
  }
  return false;
}

}  // namespace fuseflow
