#include "fuseflow/algorithms/bfs.h"

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "fuseflow/algorithms/search_inputs.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/progress.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/graph/graph_mask.h"

namespace fuseflow {
namespace {

// Beamer's switching thresholds, as tuned in GAP: go bottom-up when the frontier's edges
// exceed 1/alpha of the unexplored edges, come back when the frontier is below n/beta.
constexpr std::int64_t kAlpha = 15;
constexpr std::int64_t kBeta = 18;
constexpr std::size_t kLocalQueueFlush = 4096;
constexpr std::int64_t kMinNodesPerThread = 1 << 13;

using Word = std::uint64_t;

// level[] marks: not reached yet, or outside a masked subgraph. Dropped nodes are never
// claimed (the claim is a CAS from kUnvisited) and never look for parents, so a node mask costs
// nothing per edge.
constexpr NodeId kUnvisited = -1;
constexpr NodeId kDropped = -2;


bool test_bit(const Word* bits, NodeId v) { return (bits[v >> 6] >> (v & 63)) & 1u; }

struct Frontier {
  Buffer<NodeId> nodes;
  std::atomic<std::int64_t> size{0};
};

// Pushes from every frontier node along its out-edges; claims unvisited targets with a CAS.
// Returns the number of out-edges of the new frontier (the "scout count").
template <class Edges>
std::int64_t top_down_step(const Graph& g, const Edges& edges, NodeId* level, NodeId depth, const Frontier& current,
                           Frontier& next, int threads) {
  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  const std::int64_t count = current.size.load();
  next.size.store(0);
  std::int64_t scout = 0;
  const int used = std::min<std::int64_t>(threads, std::max<std::int64_t>(1, count / 64));
#pragma omp parallel num_threads(used) reduction(+ : scout)
  {
    std::vector<NodeId> local;
    local.reserve(kLocalQueueFlush);
    auto flush = [&] {
      const std::int64_t at = next.size.fetch_add(static_cast<std::int64_t>(local.size()));
      std::copy(local.begin(), local.end(), next.nodes.data() + at);
      local.clear();
    };
#pragma omp for schedule(dynamic, 64) nowait
    for (std::int64_t i = 0; i < count; ++i) {
      const NodeId u = current.nodes[i];
      for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
        if (!edges.out_kept(e)) continue;
        const NodeId v = tgt[e];
        std::atomic_ref<NodeId> slot(level[v]);
        NodeId unvisited = kUnvisited;
        if (slot.load(std::memory_order_relaxed) == kUnvisited &&
            slot.compare_exchange_strong(unvisited, depth + 1, std::memory_order_relaxed)) {
          local.push_back(v);
          scout += off[v + 1] - off[v];
          if (local.size() == kLocalQueueFlush) flush();
        }
      }
    }
    flush();
  }
  return scout;
}

// Every unvisited node looks for an in-neighbour in the frontier bitmap and stops at the
// first. Words of `next` are owned by one thread each, so no atomics are needed.
template <class Edges>
std::int64_t bottom_up_step(const Graph& g, const Edges& edges, NodeId* level, NodeId depth, const Word* front,
                            Word* next, int threads) {
  const auto off = g.in_offsets();
  const auto src = g.in_sources();
  const std::int64_t n = g.num_nodes();
  const std::int64_t words = (n + 63) / 64;
  std::int64_t awake = 0;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 16) reduction(+ : awake)
  for (std::int64_t w = 0; w < words; ++w) {
    Word bits = 0;
    const std::int64_t end = std::min(n, (w + 1) * 64);
    for (std::int64_t v = w * 64; v < end; ++v) {
      if (level[v] != kUnvisited) continue;
      for (EdgeOffset e = off[v]; e < off[v + 1]; ++e) {
        if (test_bit(front, src[e]) && edges.in_kept(e)) {
          level[v] = depth + 1;
          bits |= Word{1} << (v & 63);
          ++awake;
          break;
        }
      }
    }
    next[w] = bits;
  }
  return awake;
}

void queue_to_bitmap(const Frontier& queue, Word* bits, std::int64_t words, int threads) {
  std::fill(bits, bits + words, Word{0});
  const std::int64_t count = queue.size.load();
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t i = 0; i < count; ++i) {
    const NodeId v = queue.nodes[i];
    std::atomic_ref<Word>(bits[v >> 6]).fetch_or(Word{1} << (v & 63), std::memory_order_relaxed);
  }
}

// The frontier after bottom-up steps is exactly the nodes at `depth`.
void level_to_queue(const NodeId* level, std::int64_t n, NodeId depth, Frontier& queue) {
  std::int64_t size = 0;
  for (std::int64_t v = 0; v < n; ++v) {
    if (level[v] == depth) queue.nodes[size++] = static_cast<NodeId>(v);
  }
  queue.size.store(size);
}

// The search from base node `source` over g, with level[] already holding kDropped for nodes
// outside a masked subgraph and kUnvisited elsewhere. Leaves the levels in `level` and returns
// the parents (base ids) when asked for.
// `searched` nodes (the kept ones of a masked search) are the progress bar's total.
template <class Edges>
Buffer<NodeId> search(const Graph& g, const Edges& edges, NodeId* level, NodeId source, bool want_parents,
                      std::int64_t searched) {
  const std::int64_t n = g.num_nodes();
  const int threads = threads_for(n + g.num_edges(), kMinNodesPerThread);
  const auto out_off = g.out_offsets();

  Frontier current, next;
  current.nodes = Buffer<NodeId>(static_cast<std::size_t>(n));
  next.nodes = Buffer<NodeId>(static_cast<std::size_t>(n));
  const std::int64_t words = (n + 63) / 64;
  Buffer<Word> front(static_cast<std::size_t>(words)), next_bits(static_cast<std::size_t>(words));

  level[source] = 0;
  current.nodes[0] = source;
  current.size.store(1);
  NodeId depth = 0;
  // The switching heuristic counts the base's edges; a mask only makes it a little optimistic.
  std::int64_t edges_to_check = g.num_edges();
  std::int64_t scout = out_off[source + 1] - out_off[source];
  // Progress: nodes reached out of num_nodes, once per level.
  ProgressCounter* progress = current_progress();
  if (progress) {
    progress->begin_stage(0, searched);
    progress->advance(1);
  }
  while (current.size.load() > 0) {
    check_interrupt();
    if (scout > edges_to_check / kAlpha) {
      edges.prepare_in();
      queue_to_bitmap(current, front.data(), words, threads);
      std::int64_t awake = current.size.load(), previous_awake = 0;
      do {
        check_interrupt();
        previous_awake = awake;
        awake = bottom_up_step(g, edges, level, depth, front.data(), next_bits.data(), threads);
        if (progress) progress->advance(awake);
        std::swap(front, next_bits);
        ++depth;
      } while (awake > 0 && (awake >= previous_awake || awake > n / kBeta));
      level_to_queue(level, n, depth, current);
      scout = 1;
    } else {
      edges_to_check -= scout;
      scout = top_down_step(g, edges, level, depth, current, next, threads);
      std::swap(current.nodes, next.nodes);
      current.size.store(next.size.load());
      if (progress) progress->advance(current.size.load());
      ++depth;
    }
  }
  Buffer<NodeId> parent;
  if (!want_parents) return parent;
  // Smallest-id in-neighbour one level up (in-lists are sorted by source): deterministic.
  edges.prepare_in();
  const auto in_off = g.in_offsets();
  const auto in_src = g.in_sources();
  parent = Buffer<NodeId>(static_cast<std::size_t>(n), -1);
  constexpr std::int64_t kBlock = 1024;
  const std::int64_t blocks = (n + kBlock - 1) / kBlock;
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t b = 0; b < blocks; ++b) {
    if (interrupt.poll()) continue;
    for (std::int64_t v = b * kBlock; v < std::min(n, (b + 1) * kBlock); ++v) {
      if (level[v] <= 0) continue;
      for (EdgeOffset e = in_off[v]; e < in_off[v + 1]; ++e) {
        if (level[in_src[e]] == level[v] - 1 && edges.in_kept(e)) {
          parent[v] = in_src[e];
          break;
        }
      }
    }
  }
  interrupt.rethrow();
  return parent;
}

}  // namespace

BfsResult bfs(const Graph& g, std::int64_t source, bool want_parents) {
  const std::int64_t n = g.num_nodes();
  check_node_id("source", source, n);
  Buffer<NodeId> level(static_cast<std::size_t>(n), kUnvisited);
  const Buffer<NodeId> parent = search(g, EveryEdge{}, level.data(), static_cast<NodeId>(source), want_parents, n);
  BfsResult result;
  const int threads = threads_for(n, kMinNodesPerThread);
  result.level = Buffer<std::int64_t>(static_cast<std::size_t>(n));
  if (want_parents) result.parent = Buffer<std::int64_t>(static_cast<std::size_t>(n));
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t v = 0; v < n; ++v) {
    result.level[v] = level[v];
    if (want_parents) result.parent[v] = parent[v];
  }
  return result;
}

BfsResult bfs(const Graph& g, const GraphMask& mask, std::int64_t source, bool want_parents) {
  mask.check_sizes(g);
  const std::int64_t n = g.num_nodes();
  Buffer<NodeId> level(static_cast<std::size_t>(n), kUnvisited);
  const KeptNodes kept = number_kept_nodes(mask, n, source, [&](std::int64_t v, bool keep) {
    if (!keep) level[v] = kDropped;
  });
  check_node_id("source", source, kept.count);
  const Buffer<NodeId>& view_id = kept.view_id;
  const NodeId base_source = kept.base_source;
  const std::int64_t k = kept.count;
  const EdgeMaskReader edges(g, mask);
  Buffer<NodeId> parent;
  if (edges.empty()) {
    parent = search(g, EveryEdge{}, level.data(), base_source, want_parents, k);
  } else {
    parent = search(g, edges, level.data(), base_source, want_parents, k);
  }
  // Results in view ids, as on the cut subgraph; plus the rent a view's cost model charges.
  BfsResult result;
  result.level = Buffer<std::int64_t>(static_cast<std::size_t>(k));
  if (want_parents) result.parent = Buffer<std::int64_t>(static_cast<std::size_t>(k));
  const auto degree = g.out_degree();
  std::int64_t reached_edges = 0;
#pragma omp parallel for num_threads(threads_for(n, kMinNodesPerThread)) schedule(static) reduction(+ : reached_edges)
  for (std::int64_t v = 0; v < n; ++v) {
    if (level[v] == kDropped) continue;
    const std::int64_t at = view_id.empty() ? v : view_id[v];
    result.level[at] = level[v];
    if (level[v] >= 0) reached_edges += degree[v];
    if (want_parents) result.parent[at] = parent[v] < 0 || view_id.empty() ? parent[v] : view_id[parent[v]];
  }
  result.reached_out_edges = reached_edges;
  return result;
}

}  // namespace fuseflow
