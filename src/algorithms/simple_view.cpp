#include "fuseflow/algorithms/simple_view.h"

#include <omp.h>

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

// The unweighted case sorts plain ids (half the bytes of (id, weight) pairs, no tie-breaks), and
// writes the result in place: each node's candidates are gathered into a per-thread scratch
// list twice, once to count the distinct neighbours and once to write them at their final
// offset. Sorting a list twice is cheaper than the alternative, a loose copy of every candidate
// (out- plus in-degree ids, 128 MB for a 16M-edge graph) that is written, compacted and freed:
// on a 4M-node road grid those fresh pages alone were ~40% of a triangle count.
// `size(v)` bounds v's candidates, `gather(v, at)` writes them at `at` and returns their end.
template <class Size, class Gather>
SimpleAdjacency build_ids(const Graph& g, Size size, Gather gather) {
  const std::int64_t n = g.num_nodes();
  SimpleAdjacency out;
  out.num_nodes = n;
  out.offsets = Buffer<EdgeOffset>(static_cast<std::size_t>(n + 1), 0);
  std::int64_t most = 0, total = 0;
  for (std::int64_t v = 0; v < n; ++v) {
    most = std::max<std::int64_t>(most, size(v));
    total += size(v);
  }
  const std::int64_t blocks = (n + kNodesPerTask - 1) / kNodesPerTask;
  const int threads = threads_for(n + total, kMinWorkPerThread);
  // Scratch lists are sized before the parallel regions: nothing may throw inside them.
  std::vector<Buffer<NodeId>> scratch;
  for (int t = 0; t < threads; ++t) scratch.emplace_back(static_cast<std::size_t>(std::max<std::int64_t>(most, 1)));
  // Sorted distinct candidates of v, without v itself, moved to the front of `list`: their count.
  auto distinct = [&](std::int64_t v, NodeId* list) {
    NodeId* last = gather(v, list);
    sort_ids(list, last);
    NodeId* keep = list;
    for (NodeId* p = list; p != last; ++p) {
      if (*p != v && (keep == list || keep[-1] != *p)) *keep++ = *p;
    }
    return keep - list;
  };
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t b = 0; b < blocks; ++b) {
    if (interrupt.poll()) continue;
    NodeId* list = scratch[omp_get_thread_num()].data();
    for (std::int64_t v = b * kNodesPerTask; v < std::min(n, (b + 1) * kNodesPerTask); ++v) {
      out.offsets[v + 1] = distinct(v, list);
    }
  }
  interrupt.rethrow();
  for (std::int64_t v = 0; v < n; ++v) out.offsets[v + 1] += out.offsets[v];
  out.targets = Buffer<NodeId>(static_cast<std::size_t>(out.offsets[n]));
  ParallelInterrupt second;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t b = 0; b < blocks; ++b) {
    if (second.poll()) continue;
    NodeId* list = scratch[omp_get_thread_num()].data();
    for (std::int64_t v = b * kNodesPerTask; v < std::min(n, (b + 1) * kNodesPerTask); ++v) {
      const std::int64_t len = distinct(v, list);
      NodeId* to = out.targets.data() + out.offsets[v];
      for (std::int64_t i = 0; i < len; ++i) to[i] = list[i];  // lists are short: no memmove call
    }
  }
  second.rethrow();
  return out;
}

}  // namespace

SimpleAdjacency simple_undirected(const Graph& g) {
  const auto out_off = g.out_offsets();
  const auto out_tgt = g.out_targets();
  const auto in_off = g.in_offsets();
  const auto in_src = g.in_sources();
  auto size = [&](std::int64_t v) { return out_off[v + 1] - out_off[v] + in_off[v + 1] - in_off[v]; };
  // Plain loops, not std::copy: most lists hold a few ids, and a memmove call per list was a
  // fifth of a road-grid triangle count.
  return build_ids(g, size, [&](std::int64_t v, NodeId* at) {
    for (EdgeOffset e = out_off[v]; e < out_off[v + 1]; ++e) *at++ = out_tgt[e];
    for (EdgeOffset e = in_off[v]; e < in_off[v + 1]; ++e) *at++ = in_src[e];
    return at;
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
  if (!with_weights) {
    auto size = [&](std::int64_t v) { return out_off[v + 1] - out_off[v]; };
    return build_ids(g, size, [&](std::int64_t v, NodeId* at) {
      for (EdgeOffset e = out_off[v]; e < out_off[v + 1]; ++e) *at++ = out_tgt[e];
      return at;
    });
  }
  Buffer<EdgeOffset> bound(static_cast<std::size_t>(n + 1));
  for (std::int64_t v = 0; v <= n; ++v) bound[v] = out_off[v];
  return build_weighted(g, bound, with_weights, [&](std::int64_t v, std::vector<std::pair<NodeId, double>>& list) {
    for (EdgeOffset e = out_off[v]; e < out_off[v + 1]; ++e) list.emplace_back(out_tgt[e], w[e]);
  });
}

}  // namespace fuseflow
