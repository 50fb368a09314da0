// Internal: the per-edge folds of a frontier loop's sparse and bottom-up iterations
// (frontier_loop.cpp): a push from the frontier's nodes and a pull at a list of nodes.
#pragma once

#include <cstdint>
#include <vector>

#include "exec/semiring_fold.h"
#include "fuseflow/exec/plan.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow::exec {

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
void push_frontier(AggCombine combine, AggOp op, const FrontierEdges& a, const std::vector<NodeId>& frontier, const double* x,
                   std::vector<std::int32_t>& position, std::vector<NodeId>& reached, std::vector<double>& acc);

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
void pull_nodes(AggCombine combine, AggOp op, const FrontierEdges& a, const std::vector<NodeId>& nodes, const double* x,
                const std::uint64_t* bits, PullStop stop, double* acc_out);

}  // namespace fuseflow::exec
