#include "fuseflow/algorithms/simple_view.h"

#include <algorithm>
#include <utility>
#include <vector>

#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr std::int64_t kMinWorkPerThread = 1 << 16;  // regions are cheap: small graphs stay serial
constexpr std::int64_t kNodesPerTask = 1024;

// Two passes over node blocks: each node's merged list is written at an upper-bound offset
// (out-degree + in-degree) and its true length recorded; a prefix sum then compacts them.
// `gather(v, list)` fills the (unsorted) candidate list of v.
template <class Gather>
SimpleAdjacency build_weighted(const Graph& g, const Buffer<EdgeOffset>& bound, bool with_weights, Gather gather) {
  const std::int64_t n = g.num_nodes();
  SimpleAdjacency out;
  out.num_nodes = n;
  out.offsets = Buffer<EdgeOffset>(static_cast<std::size_t>(n + 1), 0);
  Buffer<NodeId> loose(static_cast<std::size_t>(std::max<EdgeOffset>(bound[n], 1)));
  Buffer<double> loose_w(with_weights ? static_cast<std::size_t>(std::max<EdgeOffset>(bound[n], 1)) : 0);
  const std::int64_t blocks = (n + kNodesPerTask - 1) / kNodesPerTask;
  const int threads = threads_for(n + bound[n], kMinWorkPerThread);
  ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads)
  {
    std::vector<std::pair<NodeId, double>> list;
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t b = 0; b < blocks; ++b) {
      if (interrupt.poll()) continue;
      for (std::int64_t v = b * kNodesPerTask; v < std::min(n, (b + 1) * kNodesPerTask); ++v) {
        list.clear();
        gather(v, list);
        std::sort(list.begin(), list.end());  // by id, then lightest weight first
        std::int64_t kept = 0;
        NodeId last = -1;
        for (const auto& [u, w] : list) {
          if (u == v || u == last) continue;
          last = u;
          loose[bound[v] + kept] = u;
          if (with_weights) loose_w[bound[v] + kept] = w;
          ++kept;
        }
        out.offsets[v + 1] = kept;
      }
    }
  }
  interrupt.rethrow();
  for (std::int64_t v = 0; v < n; ++v) out.offsets[v + 1] += out.offsets[v];
  out.targets = Buffer<NodeId>(static_cast<std::size_t>(out.offsets[n]));
  if (with_weights) out.weights = Buffer<double>(static_cast<std::size_t>(out.offsets[n]));
#pragma omp parallel for num_threads(threads) schedule(dynamic, kNodesPerTask)
  for (std::int64_t v = 0; v < n; ++v) {
    const std::int64_t len = out.offsets[v + 1] - out.offsets[v];
    std::copy_n(loose.data() + bound[v], len, out.targets.data() + out.offsets[v]);
    if (with_weights) std::copy_n(loose_w.data() + bound[v], len, out.weights.data() + out.offsets[v]);
  }
  return out;
}

// The unweighted case sorts plain ids (half the bytes of (id, weight) pairs, no tie-breaks).
template <class Gather>
SimpleAdjacency build_ids(const Graph& g, const Buffer<EdgeOffset>& bound, Gather gather) {
  const std::int64_t n = g.num_nodes();
  SimpleAdjacency out;
  out.num_nodes = n;
  out.offsets = Buffer<EdgeOffset>(static_cast<std::size_t>(n + 1), 0);
  Buffer<NodeId> loose(static_cast<std::size_t>(std::max<EdgeOffset>(bound[n], 1)));
  const std::int64_t blocks = (n + kNodesPerTask - 1) / kNodesPerTask;
  const int threads = threads_for(n + bound[n], kMinWorkPerThread);
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t b = 0; b < blocks; ++b) {
    if (interrupt.poll()) continue;
    for (std::int64_t v = b * kNodesPerTask; v < std::min(n, (b + 1) * kNodesPerTask); ++v) {
      NodeId* first = loose.data() + bound[v];
      NodeId* last = gather(v, first);
      std::sort(first, last);
      // Unique, dropping v itself, in place.
      NodeId* keep = first;
      for (NodeId* p = first; p != last; ++p) {
        if (*p != v && (keep == first || keep[-1] != *p)) *keep++ = *p;
      }
      out.offsets[v + 1] = keep - first;
    }
  }
  interrupt.rethrow();
  for (std::int64_t v = 0; v < n; ++v) out.offsets[v + 1] += out.offsets[v];
  out.targets = Buffer<NodeId>(static_cast<std::size_t>(out.offsets[n]));
#pragma omp parallel for num_threads(threads) schedule(dynamic, kNodesPerTask)
  for (std::int64_t v = 0; v < n; ++v) {
    std::copy_n(loose.data() + bound[v], out.offsets[v + 1] - out.offsets[v], out.targets.data() + out.offsets[v]);
  }
  return out;
}

}  // namespace

SimpleAdjacency simple_undirected(const Graph& g) {
  const std::int64_t n = g.num_nodes();
  const auto out_off = g.out_offsets();
  const auto out_tgt = g.out_targets();
  const auto in_off = g.in_offsets();
  const auto in_src = g.in_sources();
  Buffer<EdgeOffset> bound(static_cast<std::size_t>(n + 1));
  for (std::int64_t v = 0; v <= n; ++v) bound[v] = out_off[v] + in_off[v];
  return build_ids(g, bound, [&](std::int64_t v, NodeId* at) {
    at = std::copy(out_tgt.data() + out_off[v], out_tgt.data() + out_off[v + 1], at);
    return std::copy(in_src.data() + in_off[v], in_src.data() + in_off[v + 1], at);
  });
}

SimpleAdjacency simple_undirected_unsorted(const Graph& g) {
  const std::int64_t n = g.num_nodes();
  const auto out_off = g.out_offsets();
  const auto out_tgt = g.out_targets();
  const auto in_off = g.in_offsets();
  const auto in_src = g.in_sources();
  SimpleAdjacency out;
  out.num_nodes = n;
  out.offsets = Buffer<EdgeOffset>(static_cast<std::size_t>(n + 1), 0);
  Buffer<NodeId> loose(static_cast<std::size_t>(std::max<EdgeOffset>(out_off[n] + in_off[n], 1)));
  const std::int64_t blocks = (n + kNodesPerTask - 1) / kNodesPerTask;
  const int threads = threads_for(n + out_off[n], kMinWorkPerThread);
  ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads)
  {
    // seen[u] == v + 1: u is already in v's list. Nodes are visited in increasing order per
    // thread, so stale marks of earlier nodes never match.
    std::vector<std::int64_t> seen(static_cast<std::size_t>(n), 0);
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t b = 0; b < blocks; ++b) {
      if (interrupt.poll()) continue;
      for (std::int64_t v = b * kNodesPerTask; v < std::min(n, (b + 1) * kNodesPerTask); ++v) {
        NodeId* at = loose.data() + out_off[v] + in_off[v];
        NodeId* const first = at;
        seen[v] = v + 1;  // no self-loops
        for (EdgeOffset e = out_off[v]; e < out_off[v + 1]; ++e) {
          const NodeId u = out_tgt[e];
          if (seen[u] != v + 1) {
            seen[u] = v + 1;
            *at++ = u;
          }
        }
        for (EdgeOffset e = in_off[v]; e < in_off[v + 1]; ++e) {
          const NodeId u = in_src[e];
          if (seen[u] != v + 1) {
            seen[u] = v + 1;
            *at++ = u;
          }
        }
        out.offsets[v + 1] = at - first;
      }
    }
  }
  interrupt.rethrow();
  for (std::int64_t v = 0; v < n; ++v) out.offsets[v + 1] += out.offsets[v];
  out.targets = Buffer<NodeId>(static_cast<std::size_t>(out.offsets[n]));
#pragma omp parallel for num_threads(threads) schedule(dynamic, kNodesPerTask)
  for (std::int64_t v = 0; v < n; ++v) {
    std::copy_n(loose.data() + out_off[v] + in_off[v], out.offsets[v + 1] - out.offsets[v],
                out.targets.data() + out.offsets[v]);
  }
  return out;
}

SimpleAdjacency simple_directed(const Graph& g, bool with_weights) {
  const std::int64_t n = g.num_nodes();
  const auto out_off = g.out_offsets();
  const auto out_tgt = g.out_targets();
  const auto w = g.out_weights();
  with_weights = with_weights && g.has_weights();
  Buffer<EdgeOffset> bound(static_cast<std::size_t>(n + 1));
  for (std::int64_t v = 0; v <= n; ++v) bound[v] = out_off[v];
  if (!with_weights) {
    return build_ids(g, bound, [&](std::int64_t v, NodeId* at) {
      return std::copy(out_tgt.data() + out_off[v], out_tgt.data() + out_off[v + 1], at);
    });
  }
  return build_weighted(g, bound, with_weights, [&](std::int64_t v, std::vector<std::pair<NodeId, double>>& list) {
    for (EdgeOffset e = out_off[v]; e < out_off[v + 1]; ++e) list.emplace_back(out_tgt[e], w[e]);
  });
}

}  // namespace fuseflow
