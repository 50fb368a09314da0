// The per-edge folds of frontier loops (frontier_folds.h): the sparse push and the bottom-up pull.
#include "exec/frontier_folds.h"

#include <algorithm>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::exec {

namespace {

template <AggCombine kC, AggOp kOp>
void push(const FrontierEdges& a, const std::vector<NodeId>& frontier, const double* __restrict x, std::vector<std::int32_t>& position,
          std::vector<NodeId>& reached, std::vector<double>& acc) {
  // Locals, not the struct's fields: stores into acc would otherwise make every field reload per edge.
  std::int32_t* __restrict pos_of = position.data();
  const EdgeWeights w = a.w;
  const EdgeOffset* __restrict out_off = a.out_off;
  const NodeId* __restrict out_tgt = a.out_tgt;
  const EdgeOffset* __restrict in_off = a.in_off;
  const NodeId* __restrict in_src = a.in_src;
  const double* gathered = a.gathered;
  auto add = [&](NodeId v, double value) {
    std::int32_t pos = pos_of[v];
    if (pos == kUnguarded) return;
    if (pos < 0) {
      pos = static_cast<std::int32_t>(reached.size());
      pos_of[v] = pos;
      reached.push_back(v);
      acc.push_back(identity<kOp>());
      if (gathered != nullptr) __builtin_prefetch(gathered + v);
    }
    double& slot = acc[static_cast<std::size_t>(pos)];
    slot = fold<kOp>(slot, value);
  };
  // The frontier's nodes are scattered (a grid's wave front is one node per row), so each one's
  // edge range, its targets and their bookkeeping are cache misses: prefetch them a few nodes
  // ahead in stages (offsets 16 ahead, edge lists 8 ahead, the targets' entries 4 ahead).
  const std::size_t nf = frontier.size();
  const EdgeOffset* __restrict off = a.in ? out_off : in_off;
  const NodeId* __restrict nbr = a.in ? out_tgt : in_src;
  for (std::size_t i = 0; i < nf; ++i) {
    if (i + 16 < nf) __builtin_prefetch(off + frontier[i + 16]);
    if (i + 8 < nf) __builtin_prefetch(nbr + off[frontier[i + 8]]);
    if (i + 4 < nf) {
      const NodeId ahead = frontier[i + 4];
      for (EdgeOffset p = off[ahead], end = std::min(off[ahead + 1], off[ahead] + 8); p < end; ++p) {
        __builtin_prefetch(pos_of + nbr[p]);
      }
    }
    const NodeId u = frontier[i];
    const double xu = x[u];
    if (a.in) {  // u is an in-neighbour of the targets of its out-edges
      for (EdgeOffset p = out_off[u], end = out_off[u + 1]; p < end; ++p) add(out_tgt[p], combine_csr<kC>(xu, w, p));
    }
    if (a.out) {  // u is an out-neighbour of the sources of its in-edges
      for (EdgeOffset p = in_off[u], end = in_off[u + 1]; p < end; ++p) add(in_src[p], combine_csc<kC>(xu, w, p));
    }
  }
}

template <AggCombine kC>
void push_op(AggOp op, const FrontierEdges& a, const std::vector<NodeId>& frontier, const double* x,
             std::vector<std::int32_t>& position, std::vector<NodeId>& reached, std::vector<double>& acc) {
  switch (op) {
    case AggOp::kMin: push<kC, AggOp::kMin>(a, frontier, x, position, reached, acc); break;
    case AggOp::kMax: push<kC, AggOp::kMax>(a, frontier, x, position, reached, acc); break;
    case AggOp::kSum: push<kC, AggOp::kSum>(a, frontier, x, position, reached, acc); break;
    default: throw Error(ErrorCode::kInternal, "frontier loop: min, max or sum only");
  }
}

template <AggCombine kC, AggOp kOp>
void pull_nodes_typed(const FrontierEdges& a, const std::vector<NodeId>& nodes, const double* __restrict x, const std::uint64_t* __restrict bits,
                PullStop stop, double* __restrict acc_out) {
  constexpr bool kCanStop = kC == AggCombine::kFirst && (kOp == AggOp::kMin || kOp == AggOp::kMax);
  const std::int64_t count = static_cast<std::int64_t>(nodes.size());
  const EdgeWeights w = a.w;
  const double bound = stop.bound;
  if constexpr (kCanStop) {
    if (stop.uniform) {  // the first active neighbour's x is the aggregate: a bit test per edge
#pragma omp parallel for num_threads(threads_for(count, 4096)) schedule(dynamic, 1024)
      for (std::int64_t i = 0; i < count; ++i) {
        const NodeId v = nodes[static_cast<std::size_t>(i)];
        bool found = false;
        if (a.in) {
          for (EdgeOffset p = a.in_off[v], end = a.in_off[v + 1]; p < end && !found; ++p) found = has_node(bits, a.in_src[p]);
        }
        if (a.out) {
          for (EdgeOffset p = a.out_off[v], end = a.out_off[v + 1]; p < end && !found; ++p) found = has_node(bits, a.out_tgt[p]);
        }
        acc_out[i] = found ? bound : identity<kOp>();
      }
      return;
    }
  }
#pragma omp parallel for num_threads(threads_for(count, 4096)) schedule(dynamic, 1024)
  for (std::int64_t i = 0; i < count; ++i) {
    const NodeId v = nodes[static_cast<std::size_t>(i)];
    double acc = identity<kOp>();
    if (a.in) {
      for (EdgeOffset p = a.in_off[v], end = a.in_off[v + 1]; p < end; ++p) {
        const NodeId u = a.in_src[p];
        if (!has_node(bits, u)) continue;
        acc = fold<kOp>(acc, combine_csc<kC>(x[u], w, p));
        if constexpr (kCanStop) {
          if (stop.stop && acc == bound) break;
        }
      }
    }
    if (a.out) {
      for (EdgeOffset p = a.out_off[v], end = a.out_off[v + 1]; p < end; ++p) {
        const NodeId u = a.out_tgt[p];
        if (!has_node(bits, u)) continue;
        acc = fold<kOp>(acc, combine_csr<kC>(x[u], w, p));
        if constexpr (kCanStop) {
          if (stop.stop && acc == bound) break;
        }
      }
    }
    acc_out[i] = acc;
  }
}

template <AggCombine kC>
void pull_nodes_op(AggOp op, const FrontierEdges& a, const std::vector<NodeId>& nodes, const double* x, const std::uint64_t* bits, PullStop stop,
                   double* acc_out) {
  switch (op) {
    case AggOp::kMin: pull_nodes_typed<kC, AggOp::kMin>(a, nodes, x, bits, stop, acc_out); break;
    case AggOp::kMax: pull_nodes_typed<kC, AggOp::kMax>(a, nodes, x, bits, stop, acc_out); break;
    case AggOp::kSum: pull_nodes_typed<kC, AggOp::kSum>(a, nodes, x, bits, stop, acc_out); break;
    default: throw Error(ErrorCode::kInternal, "frontier loop: min, max or sum only");
  }
}

}  // namespace

void push_frontier(AggCombine combine, AggOp op, const FrontierEdges& a, const std::vector<NodeId>& frontier, const double* x,
                   std::vector<std::int32_t>& position, std::vector<NodeId>& reached, std::vector<double>& acc) {
  switch (combine) {
    case AggCombine::kMul: push_op<AggCombine::kMul>(op, a, frontier, x, position, reached, acc); break;
    case AggCombine::kAdd: push_op<AggCombine::kAdd>(op, a, frontier, x, position, reached, acc); break;
    case AggCombine::kFirst: push_op<AggCombine::kFirst>(op, a, frontier, x, position, reached, acc); break;
    case AggCombine::kSecond: push_op<AggCombine::kSecond>(op, a, frontier, x, position, reached, acc); break;
    case AggCombine::kNone: throw Error(ErrorCode::kInternal, "frontier loop: not a semiring aggregation");
  }
}

void pull_nodes(AggCombine combine, AggOp op, const FrontierEdges& a, const std::vector<NodeId>& nodes, const double* x,
                const std::uint64_t* bits, PullStop stop, double* acc_out) {
  switch (combine) {
    case AggCombine::kMul: pull_nodes_op<AggCombine::kMul>(op, a, nodes, x, bits, stop, acc_out); break;
    case AggCombine::kAdd: pull_nodes_op<AggCombine::kAdd>(op, a, nodes, x, bits, stop, acc_out); break;
    case AggCombine::kFirst: pull_nodes_op<AggCombine::kFirst>(op, a, nodes, x, bits, stop, acc_out); break;
    case AggCombine::kSecond: pull_nodes_op<AggCombine::kSecond>(op, a, nodes, x, bits, stop, acc_out); break;
    case AggCombine::kNone: throw Error(ErrorCode::kInternal, "frontier loop: not a semiring aggregation");
  }
}

}  // namespace fuseflow::exec
