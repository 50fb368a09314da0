#include "fuseflow/algorithms/triangle_count.h"

#include <omp.h>

#include <algorithm>
#include <vector>

#include "fuseflow/algorithms/simple_view.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr std::int64_t kMinWorkPerThread = 1 << 13;
constexpr std::int64_t kNodesPerTask = 1024;
constexpr std::int64_t kShortList = 16;
// Graphs whose nodes all have at most this many candidate neighbours (out- plus in-edges) are
// oriented by id instead of by (degree, id): with no hubs the degree order bounds nothing, and
// skipping it saves the rank arrays, the sorted simple adjacency (96 MB of fresh pages on a
// 4M-node road grid) and the permutation of the counts: 140 of a road grid's 300 ms.
constexpr std::int64_t kIdOrderMaxCandidates = 64;

// Every edge of the undirected simple view, oriented from the lower to the higher rank:
// up[off[r] .. off[r+1]) = the ranks above r among r's neighbours, ascending. node_of maps a
// rank back to its node (empty: the rank is the id).
struct Oriented {
  Buffer<EdgeOffset> off;
  Buffer<NodeId> up;
  Buffer<NodeId> node_of;
};

// Rank = position in (degree, id) order, by a counting sort on degree (stable in id); the
// orientation bounds every list by sqrt(2m), so hubs cost little.
Oriented orient_by_degree(const Graph& g, Buffer<std::int64_t>& degree) {
  const std::int64_t n = g.num_nodes();
  const SimpleAdjacency adj = simple_undirected(g);
  const int threads = threads_for(n + adj.offsets[n], kMinWorkPerThread);
  std::int64_t max_degree = 0;
#pragma omp parallel for num_threads(threads) reduction(max : max_degree) schedule(static)
  for (std::int64_t v = 0; v < n; ++v) {
    degree[v] = adj.degree(v);
    max_degree = std::max(max_degree, degree[v]);
  }
  Buffer<std::int64_t> start(static_cast<std::size_t>(max_degree + 2), 0);
  for (std::int64_t v = 0; v < n; ++v) ++start[degree[v] + 1];
  for (std::int64_t d = 0; d <= max_degree; ++d) start[d + 1] += start[d];
  Oriented o;
  Buffer<NodeId> rank(static_cast<std::size_t>(n));
  o.node_of = Buffer<NodeId>(static_cast<std::size_t>(n));
  for (std::int64_t v = 0; v < n; ++v) {
    const std::int64_t r = start[degree[v]]++;
    rank[v] = static_cast<NodeId>(r);
    o.node_of[r] = static_cast<NodeId>(v);
  }
  o.off = Buffer<EdgeOffset>(static_cast<std::size_t>(n + 1));
  o.off[0] = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, kNodesPerTask)
  for (std::int64_t r = 0; r < n; ++r) {
    const NodeId u = o.node_of[r];
    std::int64_t k = 0;
    for (EdgeOffset e = adj.offsets[u]; e < adj.offsets[u + 1]; ++e) k += rank[adj.targets[e]] > r;
    o.off[r + 1] = k;
  }
  for (std::int64_t r = 0; r < n; ++r) o.off[r + 1] += o.off[r];
  o.up = Buffer<NodeId>(static_cast<std::size_t>(std::max<EdgeOffset>(o.off[n], 1)));
#pragma omp parallel for num_threads(threads) schedule(dynamic, kNodesPerTask)
  for (std::int64_t r = 0; r < n; ++r) {
    const NodeId u = o.node_of[r];
    EdgeOffset at = o.off[r];
    for (EdgeOffset e = adj.offsets[u]; e < adj.offsets[u + 1]; ++e) {
      if (rank[adj.targets[e]] > r) o.up[at++] = rank[adj.targets[e]];
    }
    sort_ids(o.up.data() + o.off[r], o.up.data() + at);
  }
  return o;
}

// Rank = id, straight from the multigraph: each node's distinct neighbours are enumerated
// twice, once to count and once to write the higher ones, which come out ascending. `most`
// bounds a node's out-degree.
Oriented orient_by_id(const Graph& g, Buffer<std::int64_t>& degree, std::int64_t most) {
  const std::int64_t n = g.num_nodes();
  const auto out_off = g.out_offsets();
  const auto out_tgt = g.out_targets();
  const auto in_off = g.in_offsets();
  const auto in_src = g.in_sources();
  const int threads = threads_for(n + out_off[n] + in_off[n], kMinWorkPerThread);
  const std::int64_t blocks = (n + kNodesPerTask - 1) / kNodesPerTask;
  // Calls f(u) for each distinct neighbour u != v, ascending. In-lists are sorted by source
  // (a Graph invariant), so only the out-list is sorted (in `list`, room for `most`) and then
  // merged with the in-list: cheaper than sorting both together.
  auto for_each_neighbour = [&](std::int64_t v, NodeId* list, auto&& f) {
    NodeId* a_end = list;
    for (EdgeOffset e = out_off[v]; e < out_off[v + 1]; ++e) *a_end++ = out_tgt[e];
    sort_ids(list, a_end);
    const NodeId* a = list;
    const NodeId* b = in_src.data() + in_off[v];
    const NodeId* const b_end = in_src.data() + in_off[v + 1];
    NodeId last = static_cast<NodeId>(v);  // v itself is never a neighbour
    auto take = [&](NodeId u) {
      if (u != last && u != v) f(u);
      last = u;
    };
    while (a != a_end && b != b_end) take(*a <= *b ? *a++ : *b++);
    while (a != a_end) take(*a++);
    while (b != b_end) take(*b++);
  };
  // v's distinct neighbours above v, ascending, written from `to`: their count; all distinct
  // neighbours' count in `all`.
  auto higher = [&](std::int64_t v, NodeId* list, NodeId* to, std::int64_t& all) {
    std::int64_t above = 0, any = 0;
    for_each_neighbour(v, list, [&](NodeId u) {
      ++any;
      if (u > v) {
        if (to != nullptr) to[above] = u;
        ++above;
      }
    });
    all = any;
    return above;
  };
  Oriented o;
  o.off = Buffer<EdgeOffset>(static_cast<std::size_t>(n + 1));
  o.off[0] = 0;
  // Scratch lists are sized before the parallel regions: nothing may throw inside them.
  std::vector<Buffer<NodeId>> scratch;
  for (int t = 0; t < threads; ++t) scratch.emplace_back(static_cast<std::size_t>(std::max<std::int64_t>(most, 1)));
  // body(v, list) for every node, in blocks over the threads, `list` the thread's scratch.
  auto over_nodes = [&](auto&& body) {
    ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::int64_t b = 0; b < blocks; ++b) {
      if (interrupt.poll()) continue;
      NodeId* list = scratch[omp_get_thread_num()].data();
      for (std::int64_t v = b * kNodesPerTask; v < std::min(n, (b + 1) * kNodesPerTask); ++v) body(v, list);
    }
    interrupt.rethrow();
  };
  over_nodes([&](std::int64_t v, NodeId* list) {
    std::int64_t all = 0;
    o.off[v + 1] = higher(v, list, nullptr, all);
    degree[v] = all;
  });
  for (std::int64_t v = 0; v < n; ++v) o.off[v + 1] += o.off[v];
  o.up = Buffer<NodeId>(static_cast<std::size_t>(std::max<EdgeOffset>(o.off[n], 1)));
  over_nodes([&](std::int64_t v, NodeId* list) {
    std::int64_t all = 0;
    higher(v, list, o.up.data() + o.off[v], all);
  });
  return o;
}

}  // namespace

TriangleCounts triangle_count(const Graph& g) {
  const std::int64_t n = g.num_nodes();
  TriangleCounts result;
  result.per_node = Buffer<std::int64_t>(static_cast<std::size_t>(n));
  result.degree = Buffer<std::int64_t>(static_cast<std::size_t>(n));
  if (n == 0) return result;
  std::int64_t most = 0;
  const auto out_deg = g.out_degree();
  const auto in_deg = g.in_degree();
  const int scan_threads = threads_for(n, kMinWorkPerThread);
#pragma omp parallel for num_threads(scan_threads) reduction(max : most) schedule(static)
  for (std::int64_t v = 0; v < n; ++v) most = std::max(most, out_deg[v] + in_deg[v]);
  const bool by_id = most <= kIdOrderMaxCandidates;
  const Oriented o = by_id ? orient_by_id(g, result.degree, most) : orient_by_degree(g, result.degree);
  const EdgeOffset* off = o.off.data();
  const NodeId* up = o.up.data();
  const int threads = threads_for(n + off[n], kMinWorkPerThread);

  // Every triangle r < s < t is found once, at r, as t in both up[r] and up[s].
  // Per-thread counts (no atomics on the hubs every triangle touches), summed at the end in
  // thread order: integer sums, so the result is exact at any thread count. Allocated before
  // the region: nothing may throw inside it.
  // Lists up to kShortList ids are intersected by a merge of the two sorted lists; longer ones
  // mark their members in a per-thread array of n entries, allocated only if some list is that
  // long (not on a road grid, where they would be 16 MB per thread of fresh pages for nothing).
  std::int64_t longest = 0;
#pragma omp parallel for num_threads(threads) reduction(max : longest) schedule(static)
  for (std::int64_t r = 0; r < n; ++r) longest = std::max<std::int64_t>(longest, off[r + 1] - off[r]);
  std::vector<Buffer<std::int64_t>> local;
  std::vector<Buffer<NodeId>> marks;  // marks[t][x] == r: rank x is in up[r] (no clearing needed)
  for (int t = 0; t < threads; ++t) {
    local.emplace_back(static_cast<std::size_t>(n), 0);
    if (longest > kShortList) marks.emplace_back(static_cast<std::size_t>(n), -1);
  }
  std::int64_t total = 0;
  ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads) reduction(+ : total)
  {
    std::int64_t* counts = local[omp_get_thread_num()].data();
#pragma omp for schedule(dynamic, 64)
    for (std::int64_t r = 0; r < n; ++r) {
      if ((r & 63) == 0 && interrupt.poll()) continue;
      if (interrupt.stopped()) continue;
      std::int64_t found_r = 0;
      const EdgeOffset r_end = off[r + 1];
      if (r_end - off[r] <= kShortList) {
        for (EdgeOffset e = off[r]; e < r_end; ++e) {
          const NodeId s = up[e];
          // Members of up[s] (all ranked above s) also in up[r] after s: one triangle each.
          std::int64_t found_s = 0;
          EdgeOffset a = e + 1, j = off[s];
          const EdgeOffset s_end = off[s + 1];
          while (a < r_end && j < s_end) {
            if (up[a] < up[j]) {
              ++a;
            } else if (up[j] < up[a]) {
              ++j;
            } else {
              ++counts[up[j]];
              ++found_s;
              ++a;
              ++j;
            }
          }
          counts[s] += found_s;
          found_r += found_s;
        }
        counts[r] += found_r;
        total += found_r;
        continue;
      }
      NodeId* mark = marks[omp_get_thread_num()].data();
      for (EdgeOffset e = off[r]; e < r_end; ++e) mark[up[e]] = static_cast<NodeId>(r);
      for (EdgeOffset e = off[r]; e < r_end; ++e) {
        const NodeId s = up[e];
        // Members of up[s] (all ranked above s) that are marked as in up[r]: one triangle each.
        std::int64_t found_s = 0;
        for (EdgeOffset j = off[s]; j < off[s + 1]; ++j) {
          const NodeId t = up[j];
          const bool hit = mark[t] == r;
          counts[t] += hit;
          found_s += hit;
        }
        counts[s] += found_s;
        found_r += found_s;
      }
      counts[r] += found_r;
      total += found_r;
    }
  }
  interrupt.rethrow();
  // Each rank belongs to one node: the sums write disjoint entries.
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t r = 0; r < n; ++r) {
    std::int64_t sum = 0;
    for (const auto& c : local) sum += c[r];
    result.per_node[by_id ? r : o.node_of[r]] = sum;
  }
  result.total = total;
  return result;
}

}  // namespace fuseflow
