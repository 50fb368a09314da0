#include "fuseflow/algorithms/connected_components.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/progress.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/core/parallel_interrupt.h"

namespace fuseflow {
namespace {

constexpr int kSampledNeighbourRounds = 2;  // Afforest's default: two neighbours per node first
constexpr int kSamples = 1024;              // nodes sampled to guess the largest component
constexpr std::int64_t kMinNodesPerThread = 1 << 14;

NodeId load(NodeId* comp, NodeId v) { return std::atomic_ref<NodeId>(comp[v]).load(std::memory_order_relaxed); }

// Hooks the higher of the two roots under the lower one (GAP's lock-free link). Every node's
// parent is <= the node, so the root of a component is its smallest id.
void link(NodeId u, NodeId v, NodeId* comp) {
  NodeId p1 = load(comp, u);
  NodeId p2 = load(comp, v);
  while (p1 != p2) {
    const NodeId high = std::max(p1, p2);
    const NodeId low = std::min(p1, p2);
    const NodeId p_high = load(comp, high);
    if (p_high == low) break;  // someone else already joined them
    if (p_high == high) {
      NodeId expected = high;
      if (std::atomic_ref<NodeId>(comp[high]).compare_exchange_strong(expected, low, std::memory_order_relaxed)) {
        break;
      }
    }
    p1 = load(comp, load(comp, high));
    p2 = load(comp, low);
  }
}

// Points every node straight at its root.
void compress(NodeId* comp, std::int64_t n, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static, 4096)
  for (std::int64_t v = 0; v < n; ++v) {
    NodeId parent = load(comp, static_cast<NodeId>(v));
    NodeId grand = load(comp, parent);
    while (parent != grand) {
      std::atomic_ref<NodeId>(comp[v]).store(grand, std::memory_order_relaxed);
      parent = grand;
      grand = load(comp, parent);
    }
  }
}

// The most frequent root among a fixed pseudo-random sample of nodes: most likely the
// giant component, whose nodes can then skip most of their edges.
NodeId most_frequent_root(const NodeId* comp, std::int64_t n) {
  std::vector<NodeId> sample(kSamples);
  std::uint64_t state = 0x9E3779B97F4A7C15ull;
  for (int i = 0; i < kSamples; ++i) {
    state = state * 6364136223846793005ull + 1442695040888963407ull;
    sample[i] = comp[(state >> 33) % static_cast<std::uint64_t>(n)];
  }
  std::sort(sample.begin(), sample.end());
  NodeId best = sample[0];
  int best_count = 0;
  for (int i = 0; i < kSamples;) {
    int j = i;
    while (j < kSamples && sample[j] == sample[i]) ++j;
    if (j - i > best_count) {
      best_count = j - i;
      best = sample[i];
    }
    i = j;
  }
  return best;
}

}  // namespace

Buffer<std::int64_t> connected_components(const Graph& g) {
  const std::int64_t n = g.num_nodes();
  Buffer<std::int64_t> labels(static_cast<std::size_t>(n));
  if (n == 0) return labels;
  const auto out_off = g.out_offsets();
  const auto out_tgt = g.out_targets();
  const auto in_off = g.in_offsets();
  const auto in_src = g.in_sources();
  const int node_threads = threads_for(n, kMinNodesPerThread);
  const int edge_threads = threads_for(n + g.num_edges(), kMinNodesPerThread);

  Buffer<NodeId> comp_buffer(static_cast<std::size_t>(n));
  NodeId* comp = comp_buffer.data();
#pragma omp parallel for num_threads(node_threads) schedule(static)
  for (std::int64_t v = 0; v < n; ++v) comp[v] = static_cast<NodeId>(v);

  // Phase 1: link each node with its first few out-neighbours; this already joins most of
  // a power-law graph's giant component at a fraction of the edges.
  // Progress: one unit per sampling round, then one per edge chunk of phase 2.
  const auto chunks = g.balanced_chunks(/*in_edges=*/false);
  const std::int64_t nchunks = static_cast<std::int64_t>(chunks.size()) - 1;
  ProgressCounter* progress = current_progress();
  if (progress) progress->begin_stage(0, kSampledNeighbourRounds + nchunks);
  for (int round = 0; round < kSampledNeighbourRounds; ++round) {
    check_interrupt();
#pragma omp parallel for num_threads(node_threads) schedule(dynamic, 4096)
    for (std::int64_t u = 0; u < n; ++u) {
      const EdgeOffset e = out_off[u] + round;
      if (e < out_off[u + 1]) link(static_cast<NodeId>(u), out_tgt[e], comp);
    }
    compress(comp, n, node_threads);
    if (progress) progress->advance(1);
  }
  check_interrupt();

  // Phase 2: nodes outside the guessed giant component finish their out-edges and scan all
  // in-edges; an edge between the giant component and another node is seen from the other
  // node's side, so skipping giant-component nodes loses no connection.
  const NodeId giant = most_frequent_root(comp, n);
  ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(edge_threads) schedule(dynamic, 1)
  for (std::int64_t c = 0; c < nchunks; ++c) {
    if (interrupt.poll()) continue;
    for (std::int64_t u = chunks[c]; u < chunks[c + 1]; ++u) {
      const NodeId node = static_cast<NodeId>(u);
      if (load(comp, node) == giant) continue;
      for (EdgeOffset e = out_off[u] + kSampledNeighbourRounds; e < out_off[u + 1]; ++e) link(node, out_tgt[e], comp);
      for (EdgeOffset e = in_off[u]; e < in_off[u + 1]; ++e) link(node, in_src[e], comp);
    }
    if (progress) progress->advance(1);
  }
  interrupt.rethrow();
  compress(comp, n, node_threads);

#pragma omp parallel for num_threads(node_threads) schedule(static)
  for (std::int64_t v = 0; v < n; ++v) labels[v] = comp[v];
  return labels;
}

}  // namespace fuseflow
