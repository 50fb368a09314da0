// Graph::reversed: every edge u -> v as v -> u, over the arrays of the graph it reverses.
//
// Why it can share them: from_edges(dst, src) sorts the reversed edges stably by their source
// (g's targets) in user order. When g's user order is its CSR order (sources non-decreasing),
// that is g's CSC order (by target, then CSR position), so the reversed CSR is g's CSC array for
// array, and its user edge ids are g's in_edge_ids(). Its CSC (each node's in-edges by source,
// then reversed-CSR position) is g's out-list of that node sorted stably by target: g's own CSR
// wherever the out-lists are sorted already. Offsets, degrees and balanced chunks swap
// directions. The result equals the graph built from the reversed edge list in every array, so
// every algorithm gives the same answer on both.
#include <atomic>
#include <span>

#include "fuseflow/core/progress.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/graph/graph.h"
#include "graph/counting_sort.h"

namespace fuseflow {

namespace {

constexpr std::int64_t kMinEdgesPerThread = 1 << 16;

// Whether every node's out-list is sorted by target (ties allowed), and whether the whole target
// array is (then the reversed graph's user order is its CSR order too). One pass over the
// balanced chunks of nodes: every adjacent pair of targets is inside a list or at the start of
// one. A descent inside a list settles both answers, and the other chunks then skip their work.
struct Sortedness {
  bool lists = true;
  bool all = true;
};

Sortedness out_lists_sorted(std::span<const EdgeOffset> off, std::span<const NodeId> tgt, std::span<const std::int64_t> chunks) {
  const std::int64_t nchunks = static_cast<std::int64_t>(chunks.size()) - 1;
  const std::int64_t m = static_cast<std::int64_t>(tgt.size());
  std::atomic<bool> unsorted{false};
  std::atomic<bool> descent_between_lists{false};
  // Whether nodes [u0, u1) have sorted lists; notes a descent at a list's start on the way.
  const auto chunk_sorted = [&](std::size_t u0, std::size_t u1) {
    bool between = false;
    for (std::size_t u = u0; u < u1; ++u) {
      const auto e0 = static_cast<std::size_t>(off[u]);
      const auto e1 = static_cast<std::size_t>(off[u + 1]);
      if (e0 == e1) continue;
      between |= e0 > 0 && tgt[e0] < tgt[e0 - 1];
      for (std::size_t e = e0 + 1; e < e1; ++e) {
        if (tgt[e] < tgt[e - 1]) return false;
      }
    }
    if (between) descent_between_lists.store(true, std::memory_order_relaxed);
    return true;
  };
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) schedule(dynamic, 1)
  for (std::int64_t c = 0; c < nchunks; ++c) {
    if (unsorted.load(std::memory_order_relaxed)) continue;
    const auto i = static_cast<std::size_t>(c);
    if (!chunk_sorted(static_cast<std::size_t>(chunks[i]), static_cast<std::size_t>(chunks[i + 1]))) {
      unsorted.store(true, std::memory_order_relaxed);
    }
  }
  if (unsorted.load()) return {false, false};
  return {true, !descent_between_lists.load()};
}

}  // namespace

std::shared_ptr<const Graph> Graph::reversed(const std::shared_ptr<const Graph>& g) {
  if (g->borrowed_ != nullptr) return g->borrowed_;  // the reverse of a reversed graph
  if (!g->user_order_is_csr()) return nullptr;
  auto r = std::make_shared<Graph>();
  const std::int64_t n = g->num_nodes_;
  r->num_nodes_ = n;
  r->num_edges_ = g->num_edges_;
  r->has_weights_ = g->has_weights_;
  r->borrowed_ = g;
  r->out_offsets_ = g->in_offsets_;
  r->out_targets_ = g->in_sources_;
  r->out_weights_ = g->in_weights_;
  r->in_offsets_ = g->out_offsets_;
  r->out_degree_ = g->in_degree_;
  r->in_degree_ = g->out_degree_;
  r->out_chunks_ = g->in_chunks_;
  r->in_chunks_ = g->out_chunks_;
  const Sortedness sorted = out_lists_sorted(g->out_offsets_, g->out_targets_, g->out_chunks_);
  if (sorted.lists) {
    r->in_sources_ = g->out_targets_;
    r->in_weights_ = g->out_weights_;
  } else {
    // Each out-list sorted stably by target, its weights with it: the only arrays r owns. g's CSC
    // lists every node's in-edges by source, then CSR position; walked in that order, each edge
    // placed at its source's next slot, it lists every source's targets ascending and parallel
    // edges in CSR order: the stable sort, as one parallel counting-sort pass whose offsets are
    // g's out_offsets again (a sort per list took most of reverse() on R-MAT 20 in source order).
    const std::int64_t m = g->num_edges_;
    const bool weighted = g->has_weights_;
    r->own_.in_sources = Buffer<NodeId>(static_cast<std::size_t>(m));
    if (weighted) r->own_.in_weights = Buffer<double>(static_cast<std::size_t>(m));
    const ProgressScope not_reported(nullptr);  // not the work a caller's progress counts
    Buffer<EdgeOffset> offsets;
    graph_detail::transpose_lists(g->in_offsets_, g->in_sources_, g->in_weights_, n,
                                  {r->own_.in_sources.data(), weighted ? r->own_.in_weights.data() : nullptr, nullptr},
                                  offsets);
    r->in_sources_ = r->own_.in_sources.span();
    r->in_weights_ = r->own_.in_weights.span();
  }
  // Reversed CSR position q is g's CSC position q; its user index is g's user (= CSR) index of
  // that edge: g's in_edge_ids(), built when first asked for (it is E int64s, more than the
  // targets). The identity exactly when g's targets never descend.
  r->user_ids_from_base_ = !sorted.all;
  return r;
}

}  // namespace fuseflow
