// Internal: the per-edge folds of a frontier loop's sparse and bottom-up iterations
// (frontier_loop.cpp): a push from the frontier's nodes and a pull at a list of nodes.
#pragma once

#include <cstdint>
#include <memory>
#include <new>
#include <utility>
#include <vector>

#include "exec/semiring_fold.h"
#include "fuseflow/core/buffer.h"
#include "fuseflow/exec/plan.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow::exec {

// A std::vector whose resize leaves new elements uninitialised (construct with arguments, as
// assign(n, value), still initialises) and whose large buffers take huge pages. The frontier
// loop's lists are written before they are read, and they keep their capacity between runs:
// zero-filling the growth on every resize (a list of every node, 4 MB on a 1M-node graph, several
// per BFS level) cost more than the writes.
template <class T>
struct NoInitAllocator : std::allocator<T> {
  using value_type = T;
  // Large lists ask for transparent huge pages (core/buffer.h): a push reads and writes the
  // position of every target, scattered over an N-entry list (16 MB on a 4M-node graph).
  T* allocate(std::size_t n) {
    T* p = std::allocator<T>::allocate(n);
    if (n * sizeof(T) >= kHugePageAdviceBytes) advise_huge_pages(p, n * sizeof(T));
    return p;
  }
  template <class U>
  struct rebind {
    using other = NoInitAllocator<U>;
  };
  NoInitAllocator() = default;
  template <class U>
  NoInitAllocator(const NoInitAllocator<U>&) noexcept {}
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};
template <class T>
using ScratchList = std::vector<T, NoInitAllocator<T>>;

// position[v] entries that are not a slot in acc: not reached yet, or the guard is false there.
inline constexpr std::int32_t kUnreached = -1;
inline constexpr std::int32_t kUnguarded = -2;

// A node set as bits: node u is bit u % 64 of word u / 64 (N/8 bytes, which stay in cache where
// a byte per node does not; a bottom-up pull tests one per edge).
inline bool has_node(const std::uint64_t* bits, NodeId u) { return ((bits[u >> 6] >> (u & 63)) & 1) != 0; }
inline void add_node(std::uint64_t* bits, NodeId u) { bits[static_cast<std::uint32_t>(u) >> 6] |= std::uint64_t{1} << (u & 63); }

// The graph as the folds read it. in: aggregate over in-neighbours (a push runs along out-edges,
// a pull over in-edges); out: over out-neighbours; both for "both".
struct FrontierEdges {
  const EdgeOffset* out_off;
  const NodeId* out_tgt;
  const EdgeOffset* in_off;
  const NodeId* in_src;
  EdgeWeights w;
  bool in, out;
  // An n-long array of 8-byte items the caller will gather at the reached nodes (the epilogue's
  // input), prefetched when the push first reaches a node; or null.
  const double* gathered = nullptr;
};

// Folds the frontier's contributions combine(x[u], w) by `op` into acc[position[v]] for each node
// v it reaches, listing those in `reached` in first-reached order; nodes marked kUnguarded are
// skipped. position[v] of the reached nodes is left at their slot (the caller resets it).
void push_frontier(AggCombine combine, AggOp op, const FrontierEdges& a, const ScratchList<NodeId>& frontier, const double* x,
                   ScratchList<std::int32_t>& position, ScratchList<NodeId>& reached, ScratchList<double>& acc);

// push_frontier for a frontier whose every contribution is `value` (combine "first" of an x
// with the same bits at every frontier node: a BFS level; `value` already folded with the
// identity): the same reached nodes in the same order as push_frontier and every acc entry
// `value`, without reading x or folding. On one thread, one walk of the frontier (the reached
// nodes' position entries are left at their slot). On more, over chunks of the frontier (a node
// belongs to the first chunk that reaches it, listed where that chunk first reaches it, the
// chunks' lists concatenated in order); the reached nodes' position entries are then left at a
// claim (negative, neither kUnreached nor kUnguarded). Either way the caller resets them.
// `lists`: the chunks' lists, kept by the caller between calls (their capacity is reused).
void push_frontier_uniform(const FrontierEdges& a, const ScratchList<NodeId>& frontier, double value, int threads,
                           ScratchList<std::int32_t>& position, ScratchList<NodeId>& reached, ScratchList<double>& acc,
                           std::vector<std::vector<NodeId>>& lists);

// When a pull of min/max of x alone may stop early: once the fold equals `bound` (`stop`); at
// the first active neighbour, without reading x, when every active x has the bits of `bound`
// (`uniform`: a BFS level).
struct PullStop {
  bool stop = false;
  bool uniform = false;
  double bound = 0.0;
};

// acc_out[i] = the fold over node nodes[i]'s active neighbours u (has_node(bits, u)) of
// combine(x[u], w), in the dense pull's order (so the same bits), stopping as `stop` allows
// (exact for min/max of x alone). In parallel over the list.
void pull_nodes(AggCombine combine, AggOp op, const FrontierEdges& a, const ScratchList<NodeId>& nodes, const double* x,
                const std::uint64_t* bits, PullStop stop, double* acc_out);

}  // namespace fuseflow::exec
