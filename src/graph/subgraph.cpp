// Graph::subgraph: the graph of a subgraph view, built from the kept nodes' out-lists.
//
// Why the out-lists are enough: from_edges sorts the kept edges stably by source in user order,
// and g's CSR list of u already holds u's edges in user order (the same stable sort). So the
// subgraph's CSR is g's CSR filtered and relabelled, node by node; only its user edge order (the
// kept edges by g's user index) needs a rank when g's user order is not its CSR order. The CSC
// follows from the CSR as in every build.
#include <algorithm>
#include <atomic>
#include <string>
#include <utility>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/graph/graph_mask.h"

namespace fuseflow {

namespace {

constexpr std::int64_t kMinEdgesPerThread = 1 << 16;
constexpr std::int64_t kNodesPerTask = 1024;
// Ranking k kept edges by sorting them beats a pass over all E user ids while k log k << E.
constexpr std::int64_t kSortRankBelow = 64;

// Bits set in x. std::popcount is a libgcc call in this file (built for baseline x86-64, no
// POPCNT assumed; perf showed the call's PLT stub in the rank loops); the SWAR sum of Hacker's
// Delight is a dozen register operations.
inline EdgeOffset bits_set(std::uint64_t x) {
  x -= (x >> 1) & 0x5555555555555555ull;
  x = (x & 0x3333333333333333ull) + ((x >> 2) & 0x3333333333333333ull);
  x = (x + (x >> 4)) & 0x0F0F0F0F0F0F0F0Full;
  return static_cast<EdgeOffset>((x * 0x0101010101010101ull) >> 56);
}

// Exclusive prefix sum of counts[0..k) into offsets[0..k] (offsets[k] = total).
void prefix_sum(const std::vector<EdgeOffset>& counts, Buffer<EdgeOffset>& offsets) {
  EdgeOffset running = 0;
  for (std::size_t i = 0; i < counts.size(); ++i) {
    offsets[i] = running;
    running += counts[i];
  }
  offsets[counts.size()] = running;
}

}  // namespace

std::shared_ptr<const Graph> Graph::subgraph(const Graph& g, std::span<const std::uint8_t> node_keep,
                                             std::span<const std::uint8_t> edge_keep, Buffer<EdgeOffset>& edge_ids) {
  const std::int64_t n = g.num_nodes_;
  const std::int64_t m = g.num_edges_;
  GraphMask{node_keep, edge_keep}.check_sizes(g);
  // The kept nodes in id order and each node's subgraph id (-1: dropped). Serial: O(n) of
  // byte reads, ~1 ms per million nodes, against the edges' random reads below.
  std::vector<NodeId> kept;
  Buffer<NodeId> new_id;
  if (node_keep.empty()) {
    kept.resize(static_cast<std::size_t>(n));
    for (std::int64_t v = 0; v < n; ++v) kept[static_cast<std::size_t>(v)] = static_cast<NodeId>(v);
  } else {
    new_id = Buffer<NodeId>(static_cast<std::size_t>(n));
    for (std::int64_t v = 0; v < n; ++v) {
      const bool keep = node_keep[static_cast<std::size_t>(v)] != 0;
      new_id[v] = keep ? static_cast<NodeId>(kept.size()) : NodeId{-1};
      if (keep) kept.push_back(static_cast<NodeId>(v));
    }
  }
  const auto k = static_cast<std::int64_t>(kept.size());
  const std::span<const EdgeOffset> off = g.out_offsets_;
  const std::span<const NodeId> tgt = g.out_targets_;
  const std::span<const double> w = g.out_weights_;
  const bool csr_order = g.user_order_is_csr();
  const std::span<const EdgeOffset> user_ids = csr_order ? std::span<const EdgeOffset>{} : g.user_edge_ids();
  const auto user_id = [&](EdgeOffset p) { return csr_order ? p : user_ids[static_cast<std::size_t>(p)]; };
  const auto keeps = [&](EdgeOffset p) {
    const NodeId t = tgt[static_cast<std::size_t>(p)];
    if (!new_id.empty() && new_id[t] < 0) return false;
    return edge_keep.empty() || edge_keep[static_cast<std::size_t>(user_id(p))] != 0;
  };
  // Two passes over the kept nodes' out-lists, in tasks of kNodesPerTask nodes: count each
  // node's kept edges, then write them at its offset (targets relabelled, weights, g's user id).
  const std::int64_t tasks = (k + kNodesPerTask - 1) / kNodesPerTask;
  const std::int64_t work_estimate = k + (n > 0 ? m / n * k : 0);
  const int threads = threads_for(work_estimate, kMinEdgesPerThread);
  auto each_task = [&](auto&& body) {
    ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
    for (std::int64_t task = 0; task < tasks; ++task) {
      if (interrupt.poll()) continue;
      for (std::int64_t i = task * kNodesPerTask; i < std::min(k, (task + 1) * kNodesPerTask); ++i) body(i);
    }
    interrupt.rethrow();
  };
  std::vector<EdgeOffset> counts(static_cast<std::size_t>(k), 0);
  each_task([&](std::int64_t i) {
    const NodeId u = kept[static_cast<std::size_t>(i)];
    EdgeOffset c = 0;
    for (EdgeOffset p = off[u]; p < off[u + 1]; ++p) c += keeps(p);
    counts[static_cast<std::size_t>(i)] = c;
  });
  auto r = std::make_shared<Graph>();
  Owned& own = r->own_;
  own.out_offsets = Buffer<EdgeOffset>(static_cast<std::size_t>(k) + 1);
  prefix_sum(counts, own.out_offsets);
  const EdgeOffset kept_edges = own.out_offsets[k];
  // As from_edges: a clear MemoryError, not an overcommitted allocation the kernel kills later
  // (the graph, plus each edge's base user id twice and the rank's bits).
  check_fits_in_memory(graph_bytes_estimate(k, kept_edges, g.has_weights_) +
                           static_cast<std::uint64_t>(kept_edges) * 16 + static_cast<std::uint64_t>(m) / 4,
                       "Graph.subgraph: a graph of " + std::to_string(k) + " nodes and " + std::to_string(kept_edges) +
                           " edges");
  const bool weighted = g.has_weights_ && kept_edges > 0;  // as from_edges: no edges, no weights
  own.out_targets = Buffer<NodeId>(static_cast<std::size_t>(kept_edges));
  if (weighted) own.out_weights = Buffer<double>(static_cast<std::size_t>(kept_edges));
  Buffer<EdgeOffset> base_user(static_cast<std::size_t>(kept_edges));  // subgraph CSR position -> g's user id
  each_task([&](std::int64_t i) {
    const NodeId u = kept[static_cast<std::size_t>(i)];
    EdgeOffset q = own.out_offsets[i];
    for (EdgeOffset p = off[u]; p < off[u + 1]; ++p) {
      if (!keeps(p)) continue;
      const NodeId t = tgt[static_cast<std::size_t>(p)];
      own.out_targets[q] = new_id.empty() ? t : new_id[t];
      if (weighted) own.out_weights[q] = w[static_cast<std::size_t>(p)];
      base_user[q] = user_id(p);
      ++q;
    }
  });
  // The subgraph's user order is its edges by g's user id. In g's CSR order those ids already
  // rise along the filtered CSR (the identity); otherwise each edge's rank among the kept ids.
  if (csr_order) {
    edge_ids = std::move(base_user);
  } else {
    own.user_edge_ids = Buffer<EdgeOffset>(static_cast<std::size_t>(kept_edges));
    edge_ids = Buffer<EdgeOffset>(static_cast<std::size_t>(kept_edges));
    if (kept_edges * kSortRankBelow < m) {
      std::vector<std::pair<EdgeOffset, EdgeOffset>> by_user(static_cast<std::size_t>(kept_edges));
      for (EdgeOffset q = 0; q < kept_edges; ++q) by_user[static_cast<std::size_t>(q)] = {base_user[q], q};
      std::sort(by_user.begin(), by_user.end());
      for (EdgeOffset j = 0; j < kept_edges; ++j) {
        const auto [id, q] = by_user[static_cast<std::size_t>(j)];
        own.user_edge_ids[q] = j;
        edge_ids[j] = id;
      }
    } else {
      // rank(id) = number of kept user ids below id, from a bitset of the kept ids and a running
      // count per 64-bit word: E/4 bytes in all, mostly cache-resident, where an E-long count
      // array is 8E bytes (128 MB on R-MAT 20) read and written at random.
      const std::int64_t words = (m + 63) / 64;
      Buffer<std::uint64_t> bits(static_cast<std::size_t>(words), 0);
      Buffer<EdgeOffset> before(static_cast<std::size_t>(words));
      const int t = threads_for(kept_edges, kMinEdgesPerThread);
#pragma omp parallel for num_threads(t) schedule(static)
      for (EdgeOffset q = 0; q < kept_edges; ++q) {
        const EdgeOffset id = base_user[q];
        std::atomic_ref<std::uint64_t>(bits[id >> 6]).fetch_or(std::uint64_t{1} << (id & 63), std::memory_order_relaxed);
      }
      EdgeOffset running = 0;
      for (std::int64_t i = 0; i < words; ++i) {
        before[i] = running;
        running += bits_set(bits[i]);
      }
#pragma omp parallel for num_threads(t) schedule(static)
      for (EdgeOffset q = 0; q < kept_edges; ++q) {
        const EdgeOffset id = base_user[q];
        const std::uint64_t below = bits[id >> 6] & ((std::uint64_t{1} << (id & 63)) - 1);
        own.user_edge_ids[q] = before[id >> 6] + bits_set(below);
      }
      // The kept ids in increasing order are the bitset's set bits, word by word: written in
      // order from each word's running count (scattering edge_ids[rank] = id instead wrote 8
      // bytes at random per kept edge, the largest part of a 90% cut on R-MAT 20).
#pragma omp parallel for num_threads(threads_for(words + kept_edges, kMinEdgesPerThread)) schedule(static)
      for (std::int64_t i = 0; i < words; ++i) {
        EdgeOffset j = before[i];
        for (std::uint64_t word = bits[i]; word != 0; word &= word - 1) {
          edge_ids[j++] = i * 64 + __builtin_ctzll(word);  // bsf/tzcnt: no library call
        }
      }
    }
  }
  r->num_nodes_ = k;
  r->num_edges_ = kept_edges;
  r->has_weights_ = weighted;
  r->complete_from_csr();
  return r;
}

}  // namespace fuseflow
