#include "fuseflow/graph/graph_mask.h"

#include <algorithm>
#include <utility>
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
  for (const auto& [mask, name] : {std::pair{edge_keep, "edge_mask"}, std::pair{edge_keep_out, "edge_mask (by CSR position)"},
                                   std::pair{edge_keep_in, "edge_mask (by CSC position)"}}) {
    if (!mask.empty() && static_cast<std::int64_t>(mask.size()) != g.num_edges()) {
      throw_value_error(name, "must have one entry per edge (" + std::to_string(g.num_edges()) + "), got " +
                                  std::to_string(mask.size()));
    }
  }
  if (edge_keep.empty() && !(edge_keep_out.empty() && edge_keep_in.empty())) {
    throw_value_error("edge_mask", "the masks by position need the mask by user edge they lay out");
  }
}

Buffer<std::uint8_t> edge_keep_by_position(const Graph& g, std::span<const std::uint8_t> edge_keep, bool in_edges) {
  GraphMask{{}, edge_keep}.check_sizes(g);
  const std::int64_t m = g.num_edges();
  Buffer<std::uint8_t> out(static_cast<std::size_t>(m));
  const EdgeOffset* ids = in_edges ? g.in_user_edge_ids().data()
                                   : (g.user_order_is_csr() ? nullptr : g.user_edge_ids().data());
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) schedule(static)
  for (std::int64_t p = 0; p < m; ++p) out[p] = edge_keep[static_cast<std::size_t>(ids ? ids[p] : p)];
  return out;
}

EdgeMaskReader::EdgeMaskReader(const Graph& g, const GraphMask& mask) : g_(&g) {
  if (mask.edge_keep.empty()) return;
  if (!mask.edge_keep_out.empty()) {
    out_keep_ = mask.edge_keep_out.data();
  } else {
    out_keep_ = mask.edge_keep.data();
    if (!g.user_order_is_csr()) out_ids_ = g.user_edge_ids().data();
  }
  // Without the per-CSC-position mask, in-edges read the user-order mask through
  // in_user_edge_ids(), fetched by prepare_in().
  in_by_user_id_ = mask.edge_keep_in.empty();
  in_keep_ = in_by_user_id_ ? mask.edge_keep.data() : mask.edge_keep_in.data();
}

void EdgeMaskReader::prepare_in() const {
  // Built on first use and cached on g (shared by every view of it and by pull programs).
  if (in_by_user_id_ && in_ids_ == nullptr) in_ids_ = g_->in_user_edge_ids().data();
}

namespace {

// The kept nodes and out-edges of a mask, one rule for the helpers below: a node by its byte; an
// out-edge by its target's byte and the edge mask (its source's byte is the caller's loop).
class KeptOut {
 public:
  KeptOut(const Graph& g, const GraphMask& mask)
      : nodes_(mask.node_keep.empty() ? nullptr : mask.node_keep.data()), tgt_(g.out_targets().data()), edges_(g, mask) {}
  bool all_nodes() const noexcept { return nodes_ == nullptr; }
  bool node(NodeId v) const noexcept { return nodes_ == nullptr || nodes_[v] != 0; }
  bool edge(EdgeOffset p) const noexcept { return node(tgt_[p]) && (edges_.empty() || edges_.out_kept(p)); }

 private:
  const std::uint8_t* nodes_;
  const NodeId* tgt_;
  EdgeMaskReader edges_;  // out-edges only: no CSC map is built
};

}  // namespace

std::int64_t first_invalid_kept_weight(const Graph& g, const GraphMask& mask) {
  const std::int64_t m = g.num_edges();
  const std::int64_t first = g.first_invalid_weight();
  if (first >= m || (mask.node_keep.empty() && mask.edge_keep.empty())) return first;
  const auto w = g.out_weights();
  const KeptOut kept(g, mask);
  const NodeId* sources = kept.all_nodes() ? nullptr : g.out_sources().data();  // built on first use
  std::int64_t first_kept = m;
#pragma omp parallel for num_threads(threads_for(m - first, kMinEdgesPerThread)) reduction(min : first_kept)
  for (std::int64_t e = first; e < m; ++e) {
    if (w[e] >= 0.0) continue;  // a NaN fails the test and is checked like a negative weight
    if ((sources != nullptr && !kept.node(sources[e])) || !kept.edge(e)) continue;
    first_kept = std::min(first_kept, e);
  }
  return first_kept;
}

MaskedSize masked_size(const Graph& g, const GraphMask& mask) {
  mask.check_sizes(g);
  const std::int64_t n = g.num_nodes();
  const auto off = g.out_offsets();
  const KeptOut kept(g, mask);
  const std::int64_t tasks = (n + kNodesPerTask - 1) / kNodesPerTask;
  std::int64_t nodes = 0, edges = 0;
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads_for(n + g.num_edges(), kMinEdgesPerThread)) schedule(dynamic, 1) \
    reduction(+ : nodes, edges)
  for (std::int64_t task = 0; task < tasks; ++task) {
    if (interrupt.poll()) continue;
    for (std::int64_t u = task * kNodesPerTask; u < std::min(n, (task + 1) * kNodesPerTask); ++u) {
      if (!kept.node(static_cast<NodeId>(u))) continue;
      ++nodes;
      for (EdgeOffset p = off[u]; p < off[u + 1]; ++p) edges += kept.edge(p);
    }
  }
  interrupt.rethrow();
  return {nodes, edges};
}

bool has_kept_edge(const Graph& g, const GraphMask& mask) {
  mask.check_sizes(g);
  const std::int64_t n = g.num_nodes();
  const auto off = g.out_offsets();
  const KeptOut kept(g, mask);
  for (std::int64_t u = 0; u < n; ++u) {
    if ((u & 0xFFFF) == 0) check_interrupt();
    if (!kept.node(static_cast<NodeId>(u))) continue;
    for (EdgeOffset p = off[u]; p < off[u + 1]; ++p) {
      if (kept.edge(p)) return true;
    }
  }
  return false;
}

}  // namespace fuseflow
