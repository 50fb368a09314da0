// Graph::undirected: the graph of to_undirected(), assembled list by list from the base.
//
// The view's edges in user order are the base's edges, then a copy b -> a of every non-loop edge
// a -> b, in the same order. from_edges would sort them stably by source, so the view's list of
// u is: u's base out-list (the base CSR is stable in user order), then the copies whose source is
// u, i.e. u's non-loop base in-edges in user order, pointing back at their sources. The second
// part is one stable counting sort of the base's edges by target in user order; the lists are
// then copied side by side, and the CSC follows from the CSR as in every build. Against building
// from the 2E edges, this skips the sort of the CSR by source.
#include <omp.h>

#include <algorithm>
#include <string>
#include <vector>

#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/parallel_parts.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/graph/graph.h"
#include "graph/counting_sort.h"

namespace fuseflow {

namespace {

constexpr std::int64_t kMinEdgesPerThread = 1 << 16;
constexpr std::int64_t kNodesPerTask = 1024;

// before[i] = number of self-loops among user edges [0, i), for i in [0, m]: counts over t
// contiguous ranges, then each range's running count from the counts before it.
Buffer<EdgeOffset> loops_before(std::span<const NodeId> src, std::span<const NodeId> dst) {
  const auto m = static_cast<std::int64_t>(src.size());
  Buffer<EdgeOffset> before(static_cast<std::size_t>(m) + 1);
  const int t = threads_for(m, kMinEdgesPerThread);
  std::vector<EdgeOffset> range_loops(static_cast<std::size_t>(t) + 1, 0);
  auto is_loop = [&](std::int64_t i) { return src[static_cast<std::size_t>(i)] == dst[static_cast<std::size_t>(i)]; };
  for_each_part(t, [&](int k) {
    EdgeOffset c = 0;
    for (std::int64_t i = graph_detail::split_point(m, t, k), e = graph_detail::split_point(m, t, k + 1); i < e; ++i) {
      c += is_loop(i);
    }
    range_loops[static_cast<std::size_t>(k) + 1] = c;
  });
  for (int j = 0; j < t; ++j) range_loops[static_cast<std::size_t>(j) + 1] += range_loops[static_cast<std::size_t>(j)];
  for_each_part(t, [&](int k) {
    EdgeOffset c = range_loops[static_cast<std::size_t>(k)];
    for (std::int64_t i = graph_detail::split_point(m, t, k), e = graph_detail::split_point(m, t, k + 1); i < e; ++i) {
      before[i] = c;
      c += is_loop(i);
    }
  });
  before[m] = range_loops[static_cast<std::size_t>(t)];
  return before;
}

}  // namespace

std::shared_ptr<const Graph> Graph::undirected(const Graph& g, Buffer<EdgeOffset>& edge_ids) {
  const std::int64_t n = g.num_nodes_;
  const std::int64_t m = g.num_edges_;
  const bool weighted = g.has_weights_;
  const bool csr_order = g.user_order_is_csr();
  // As from_edges: a clear MemoryError, not an overcommitted allocation the kernel kills later.
  // Up to 2E edges, plus the scratch (user-order ends, loop counts, the copies, edge_ids).
  const auto um = static_cast<std::uint64_t>(m);
  check_fits_in_memory(graph_bytes_estimate(n, 2 * m, weighted) + um * (8 + 8 + 20 + 16),
                       "Graph.to_undirected: a graph of " + std::to_string(n) + " nodes and up to " +
                           std::to_string(2 * m) + " edges");
  // The base's edges in user order (in CSR order, its own arrays).
  Buffer<NodeId> src_buffer, dst_buffer;
  if (!csr_order) g.user_order_edges(src_buffer, dst_buffer);
  const std::span<const NodeId> src = csr_order ? g.out_sources() : src_buffer.span();
  const std::span<const NodeId> dst = csr_order ? g.out_targets_ : dst_buffer.span();
  const std::span<const double> w = weighted ? g.user_order_weights() : std::span<const double>{};
  const std::span<const EdgeOffset> user_ids = csr_order ? std::span<const EdgeOffset>{} : g.user_edge_ids();
  const Buffer<EdgeOffset> loops = loops_before(src, dst);
  const EdgeOffset copies = m - loops[m];
  const EdgeOffset total = m + copies;
  // View user id of the copy of base user edge i (not a loop).
  const auto copy_id = [&](EdgeOffset i) { return m + i - loops[i]; };

  // The copies by source: base user edges (not loops) stably by target, each pointing back.
  Buffer<EdgeOffset> copy_off;
  Buffer<NodeId> copy_tgt(static_cast<std::size_t>(copies));
  Buffer<double> copy_w(weighted ? static_cast<std::size_t>(copies) : 0);
  Buffer<EdgeOffset> copy_user(static_cast<std::size_t>(copies));
  graph_detail::stable_counting_sort(
      m, n, graph_detail::sort_threads(m, n),
      [&](std::int64_t b, std::int64_t e, std::int64_t* hist) {
        for (std::int64_t i = b; i < e; ++i) hist[dst[i]] += src[i] != dst[i];
      },
      [&](std::int64_t b, std::int64_t e, std::int64_t* cursor) {
        for (std::int64_t i = b; i < e; ++i) {
          if (src[i] == dst[i]) continue;
          const std::int64_t pos = cursor[dst[i]]++;
          copy_tgt[pos] = src[i];
          if (weighted) copy_w[pos] = w[static_cast<std::size_t>(i)];
          copy_user[pos] = copy_id(i);
        }
      },
      copy_off);

  // Each list: the base out-list, then the copies; with every edge's view user id.
  auto r = std::make_shared<Graph>();
  Owned& own = r->own_;
  own.out_offsets = Buffer<EdgeOffset>(static_cast<std::size_t>(n) + 1);
  for (std::int64_t u = 0; u <= n; ++u) own.out_offsets[u] = g.out_offsets_[static_cast<std::size_t>(u)] + copy_off[u];
  own.out_targets = Buffer<NodeId>(static_cast<std::size_t>(total));
  if (weighted) own.out_weights = Buffer<double>(static_cast<std::size_t>(total));
  own.user_edge_ids = Buffer<EdgeOffset>(static_cast<std::size_t>(total));
  const std::int64_t tasks = (n + kNodesPerTask - 1) / kNodesPerTask;
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads_for(n + total, kMinEdgesPerThread)) schedule(dynamic, 1)
  for (std::int64_t task = 0; task < tasks; ++task) {
    if (interrupt.poll()) continue;
    for (std::int64_t u = task * kNodesPerTask; u < std::min(n, (task + 1) * kNodesPerTask); ++u) {
      EdgeOffset q = own.out_offsets[u];
      const EdgeOffset begin = g.out_offsets_[static_cast<std::size_t>(u)];
      const EdgeOffset end = g.out_offsets_[static_cast<std::size_t>(u) + 1];
      for (EdgeOffset p = begin; p < end; ++p, ++q) {
        own.out_targets[q] = g.out_targets_[static_cast<std::size_t>(p)];
        if (weighted) own.out_weights[q] = g.out_weights_[static_cast<std::size_t>(p)];
        own.user_edge_ids[q] = csr_order ? p : user_ids[static_cast<std::size_t>(p)];
      }
      for (EdgeOffset j = copy_off[u]; j < copy_off[u + 1]; ++j, ++q) {
        own.out_targets[q] = copy_tgt[j];
        if (weighted) own.out_weights[q] = copy_w[j];
        own.user_edge_ids[q] = copy_user[j];
      }
    }
  }
  interrupt.rethrow();

  // Base user edge of each view edge: the edges themselves, then the non-loop ones again.
  edge_ids = Buffer<EdgeOffset>(static_cast<std::size_t>(total));
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) schedule(static)
  for (EdgeOffset i = 0; i < m; ++i) {
    edge_ids[i] = i;
    if (src[static_cast<std::size_t>(i)] != dst[static_cast<std::size_t>(i)]) edge_ids[copy_id(i)] = i;
  }
  r->num_nodes_ = n;
  r->num_edges_ = total;
  r->has_weights_ = weighted && total > 0;
  r->complete_from_csr();
  return r;
}

}  // namespace fuseflow
