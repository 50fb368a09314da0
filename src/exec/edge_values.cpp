// Semiring aggregation with fused edge values (plan.h NeighborAggStep::edge_kernel, lowered by
// lower_edge_values.cpp): the weights are an elementwise function of per-edge values --
// g.edge_src(x), g.edge_dst(y), E-length arrays, scalars -- and are computed inside the pull, a
// batch of kEdgeBatch edges at a time, instead of being written to E-length arrays and read back.
//
// Each chunk of nodes streams its edges in pull order (CSC for "in", CSR for "out"); per batch the
// kernel's array operands are filled (x at each edge's source, y at its target, an edge array at
// its user edge id), the kernel runs on the batch, and the batch is folded into the nodes'
// accumulators in edge order. The kernel applies the same instructions to the same values as the
// unfused steps, and the fold order is the pull's, so the results are the same bits. Always
// pulled (a push would evaluate the kernel in another order of edges, which is fine, but per
// edge, which is slow): frontier loops and the semiring push leave these steps alone.
#include <algorithm>
#include <atomic>
#include <cstring>
#include <vector>

#include "exec/gather_by_size.h"
#include "exec/graph_chunks.h"
#include "exec/graph_steps.h"
#include "exec/semiring_fold.h"
#include "fuseflow/core/error.h"

namespace fuseflow::exec {

namespace {

// Edges per batch: the batch's gathered operands and weights stay in L1/L2.
constexpr std::int64_t kEdgeBatch = 2048;

using EdgeRead = NeighborAggStep::EdgeRead;

// One distinct slot of the edge kernel's frame: how it is filled per batch.
struct Fill {
  int slot = -1;
  DType type = DType::kFloat64;
  EdgeRead read;
  const void* source = nullptr;  // the node or edge array read (kSource / kTarget / kEdgeArray)
  const double* direct = nullptr;  // kEdgeArray that is the graph's own weights: pull-ordered copy
};

// Fills one operand's batch buffer with its values at the batch's edges [start, start + count).
// "in" pulls an edge from its neighbour (the source) into its owner (the target), "out" the
// reverse; an edge array is read at user edge ids, in order when they are the identity or when
// it is the graph's own weights (its pull-ordered copy).
void fill(const Fill& f, const std::int64_t* owner, const NodeId* nbr, const EdgeOffset* ids, bool in, EdgeOffset start,
          std::int64_t count, void* dst) {
  const std::size_t item = static_cast<std::size_t>(elem_size(f.type));
  if (f.read.kind == EdgeRead::kEdgeArray) {
    if (f.direct != nullptr || ids == nullptr) {
      const auto* from = static_cast<const unsigned char*>(f.direct != nullptr ? f.direct : f.source);
      std::memcpy(dst, from + static_cast<std::size_t>(start) * item, static_cast<std::size_t>(count) * item);
    } else {
      gather_by_size(item, f.source, ids + start, count, dst);
    }
  } else if ((f.read.kind == EdgeRead::kSource) == in) {
    gather_by_size(item, f.source, nbr + start, count, dst);
  } else {
    gather_by_size(item, f.source, owner, count, dst);
  }
}

template <AggCombine kC, AggOp kOp, bool kMasked>
void pull(const NeighborAggStep& s, const SemiringArgs& args, const std::vector<Value>& slots, const std::vector<Fill>& fills,
          int weights_slot, const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& after,
          std::atomic<std::uint32_t>& flags) {
  const Graph& g = args.g;
  const bool in = s.direction == AggDirection::kIn;
  const EdgeOffset* off = in ? g.in_offsets().data() : g.out_offsets().data();
  const NodeId* nbr = in ? g.in_sources().data() : g.out_targets().data();
  const EdgeOffset* ids = in ? g.in_user_edge_ids().data() : (g.user_order_is_csr() ? nullptr : g.user_edge_ids().data());
  const double* __restrict x = args.x;
  const std::uint8_t* __restrict active = args.active;
  double* __restrict out = args.out;
  const Kernel& k = *s.edge_kernel;
  const std::int64_t n = g.num_nodes();
  for_each_chunk(args.chunks, n + g.num_edges(), [&](std::int64_t c, std::int64_t b, std::int64_t e) {
    // This thread's frame: the run's values, with the kernel's array slots as batch buffers.
    thread_local std::vector<Value> frame;
    thread_local std::vector<Value> buffers;
    thread_local std::vector<std::int64_t> owner;
    frame = slots;
    buffers.resize(fills.size());
    owner.resize(static_cast<std::size_t>(kEdgeBatch));
    for (std::size_t i = 0; i < fills.size(); ++i) {
      frame[static_cast<std::size_t>(fills[i].slot)] = Value{};
      ensure_writable_array(buffers[i], fills[i].type, kEdgeBatch);
      frame[static_cast<std::size_t>(fills[i].slot)] = buffers[i];
    }
    const double* wb = nullptr;
    const EdgeOffset first = off[b], last = off[e];
    std::int64_t v = b, cursor = b;  // v: the node being folded; cursor: owner of the next filled edge
    double acc = identity<kOp>();
    std::int64_t count = 0;
    for (EdgeOffset start = first;; start += kEdgeBatch) {
      const std::int64_t cnt = std::max<std::int64_t>(0, std::min<std::int64_t>(kEdgeBatch, last - start));
      if (cnt > 0) {
        for (std::int64_t i = 0; i < cnt; ++i) {
          while (off[cursor + 1] <= start + i) ++cursor;
          owner[static_cast<std::size_t>(i)] = cursor;
        }
        for (std::size_t i = 0; i < fills.size(); ++i) {
          if (fills[i].read.kind == EdgeRead::kComputed) continue;
          fill(fills[i], owner.data(), nbr, ids, in, start, cnt, buffers[i].storage->data());
        }
        std::uint32_t local = 0;
        run_kernel_range(k, frame, 0, cnt, cnt, nullptr, &local);
        if (local) flags.fetch_or(local);
        wb = frame[static_cast<std::size_t>(weights_slot)].template data<double>() - start;  // wb[p], p in this batch
      }
      const EdgeOffset batch_end = start + cnt;
      for (; v < e; ++v) {
        const EdgeOffset node_end = off[v + 1];
        const EdgeOffset stop = std::min<EdgeOffset>(node_end, batch_end);
        for (EdgeOffset p = std::max<EdgeOffset>(off[v], start); p < stop; ++p) {
          const NodeId u = nbr[p];
          if constexpr (kMasked) {
            if (!active[u]) continue;
          }
          acc = fold<kOp>(acc, combine<kC>(x[u], wb, p));
          if constexpr (kOp == AggOp::kMean) ++count;
        }
        if (node_end > batch_end) break;  // the node continues in the next batch
        if constexpr (kOp == AggOp::kMean) out[v] = count > 0 ? acc / static_cast<double>(count) : 0.0;
        else out[v] = acc;
        acc = identity<kOp>();
        count = 0;
      }
      if (batch_end >= last) break;
    }
    frame.clear();  // drop the run's values: they may be the caller's arrays
    after(c, b, e);
  });
}

template <AggCombine kC, bool kMasked>
void by_op(const NeighborAggStep& s, const SemiringArgs& args, const std::vector<Value>& slots, const std::vector<Fill>& fills,
           int weights_slot, const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& after,
           std::atomic<std::uint32_t>& flags) {
  switch (s.op) {
    case AggOp::kSum: pull<kC, AggOp::kSum, kMasked>(s, args, slots, fills, weights_slot, after, flags); break;
    case AggOp::kMean: pull<kC, AggOp::kMean, kMasked>(s, args, slots, fills, weights_slot, after, flags); break;
    case AggOp::kMin: pull<kC, AggOp::kMin, kMasked>(s, args, slots, fills, weights_slot, after, flags); break;
    case AggOp::kMax: pull<kC, AggOp::kMax, kMasked>(s, args, slots, fills, weights_slot, after, flags); break;
    default: throw Error(ErrorCode::kInternal, "neighbor_agg: fused edge values take sum, mean, min or max");
  }
}

template <AggCombine kC>
void by_mask(const NeighborAggStep& s, const SemiringArgs& args, const std::vector<Value>& slots, const std::vector<Fill>& fills,
             int weights_slot, const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& after,
             std::atomic<std::uint32_t>& flags) {
  if (args.active != nullptr) by_op<kC, true>(s, args, slots, fills, weights_slot, after, flags);
  else by_op<kC, false>(s, args, slots, fills, weights_slot, after, flags);
}

}  // namespace

void run_edge_values_agg(const NeighborAggStep& s, const SemiringArgs& args, const std::vector<Value>& slots,
                         const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& after,
                         std::atomic<std::uint32_t>& flags, std::int64_t& elements) {
  const Graph& g = args.g;
  if (s.direction == AggDirection::kBoth || !s.edge_kernel) {
    throw Error(ErrorCode::kInternal, "neighbor_agg: fused edge values over both directions");
  }
  const Kernel& k = *s.edge_kernel;
  // The kernel's distinct array slots and how each is filled; the weights are its one output.
  std::vector<Fill> fills;
  int weights_slot = -1;
  for (int o : k.outputs) weights_slot = k.operands[static_cast<std::size_t>(o)].slot;
  for (std::size_t o = 0; o < k.operands.size(); ++o) {
    const Operand& op = k.operands[o];
    if (op.kind != OperandKind::kArray) continue;
    const EdgeRead& read = s.edge_reads.at(o);
    auto it = std::find_if(fills.begin(), fills.end(), [&](const Fill& f) { return f.slot == op.slot; });
    if (it == fills.end()) {
      fills.push_back(Fill{op.slot, op.type, read});
      it = fills.end() - 1;
    } else if (read.kind != EdgeRead::kComputed) {
      it->read = read;  // a slot read per edge and also written in place by the kernel
      it->type = op.type;
    }
  }
  for (Fill& f : fills) {
    if (f.read.kind == EdgeRead::kSource || f.read.kind == EdgeRead::kTarget) {
      const Value& node = slots[static_cast<std::size_t>(f.read.node_slot)];
      if (node.length != g.num_nodes()) {
        throw_value_error(f.read.kind == EdgeRead::kSource ? "edge_src" : "edge_dst",
                          "x must have one value per node (" + std::to_string(g.num_nodes()) + "), got " +
                              std::to_string(node.length));
      }
      f.source = node.raw_data();
    } else if (f.read.kind == EdgeRead::kEdgeArray) {
      const Value& edges = slots[static_cast<std::size_t>(f.slot)];
      if (edges.length != g.num_edges()) {
        throw_value_error("neighbor_agg", "an edge array must have one value per edge (" + std::to_string(g.num_edges()) +
                                              "), got " + std::to_string(edges.length));
      }
      f.source = edges.raw_data();
      // The graph's own weights (what ff.jit passes for them): read in pull order, no id map.
      if (f.type == DType::kFloat64 && is_graph_weights(g, f.source)) {
        f.direct = s.direction == AggDirection::kIn ? g.in_weights().data() : g.out_weights().data();
      }
    }
  }
  elements += g.num_edges();
  switch (s.combine) {
    case AggCombine::kMul: by_mask<AggCombine::kMul>(s, args, slots, fills, weights_slot, after, flags); break;
    case AggCombine::kAdd: by_mask<AggCombine::kAdd>(s, args, slots, fills, weights_slot, after, flags); break;
    case AggCombine::kSecond: by_mask<AggCombine::kSecond>(s, args, slots, fills, weights_slot, after, flags); break;
    default: throw Error(ErrorCode::kInternal, "neighbor_agg: fused edge values need a combine that takes weights");
  }
}

}  // namespace fuseflow::exec
