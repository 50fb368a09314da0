// Semiring neighbor_agg: out[v] = op over v's neighbour edges u -(e)- v of combine(x[u], w[e]),
// op in sum/mean/min/max, combine in mul (x*w), add (x+w), first (x), second (w); float64. With a
// source mask (active) only edges whose neighbour u is active contribute; a node without a
// contributing edge gets the op's identity (0 for sum and mean, +inf for min, -inf for max).
//
// Two ways to run it, chosen per call from the mask:
// - pull: every node folds its own edge list in neighbour order (CSC for "in", CSR for "out",
//   both for "both"), in parallel over the graph's balanced chunks; masked-off edges are skipped.
// - push: when the active nodes' edges are few (kPushFactor), the identity is written once and
//   each active node u, in increasing id, folds its value into its neighbours (its out-edges for
//   "in", its in-edges for "out"). Serial: the frontier is small by construction, and the serial
//   order keeps results deterministic. For min/max the fold order does not change the result;
//   for sum it does, so push serves sum only for "in", where increasing u over u's CSR edges is
//   exactly each v's CSC order (in-lists sorted by source, stable) -- the same additions in the
//   same order as pull, hence the same bits. mean and sum over "out"/"both" always pull.
#include <algorithm>
#include <cstdint>
#include <cstdlib>
#include <string_view>
#include <limits>
#include <string>

#include "exec/frontier_folds.h"
#include "exec/graph_chunks.h"
#include "exec/graph_steps.h"
#include "exec/semiring_fold.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/ir/scalar_semantics.h"

namespace fuseflow::exec {
namespace {

struct Adj {
  const EdgeOffset* in_off;
  const NodeId* in_src;
  const EdgeOffset* out_off;
  const NodeId* out_tgt;
  EdgeWeights w;               // read only by combines that take weights
};

template <AggCombine kC, AggOp kOp, bool kMasked, class After>
void pull(const NeighborAggStep& s, const Adj& a, const SemiringArgs& args, std::int64_t work, After&& after,
          const DenseHints* hints) {
  const std::uint8_t* __restrict targets = hints != nullptr ? hints->targets : nullptr;
  const std::int32_t* __restrict positions = hints != nullptr ? hints->target_positions : nullptr;
  // Stop a node's scan at the frontier's extreme value: only min/max of x alone, one direction.
  constexpr bool kCanStop = kC == AggCombine::kFirst && (kOp == AggOp::kMin || kOp == AggOp::kMax);
  const bool stop = kCanStop && hints != nullptr && hints->stop_at_bound && s.direction != AggDirection::kBoth;
  const double bound = stop ? hints->bound : 0.0;
  const bool in = s.direction != AggDirection::kOut;
  const bool out_dir = s.direction != AggDirection::kIn;
  const double* __restrict x = args.x;
  const std::uint8_t* __restrict active = args.active;
  const std::uint64_t* __restrict bits = hints != nullptr ? hints->active_bits : nullptr;
  auto inactive = [&](NodeId u) { return bits != nullptr ? !has_node(bits, u) : !active[u]; };
  double* __restrict out = args.out;
  for_each_chunk(args.chunks, work, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
    for (std::int64_t v = b; v < e; ++v) {
      double acc = identity<kOp>();
      std::int64_t count = 0;  // contributing edges (mean)
      if ((targets != nullptr && !targets[v]) || (positions != nullptr && positions[v] == kUnguarded)) {
        out[v] = acc;
        continue;
      }
      if (in) {
        const EdgeOffset end = a.in_off[v + 1];
        for (EdgeOffset p = a.in_off[v]; p < end; ++p) {
          const NodeId u = a.in_src[p];
          if constexpr (kMasked) {
            if (inactive(u)) continue;
          }
          acc = fold<kOp>(acc, combine_csc<kC>(x[u], a.w, p));
          if constexpr (kOp == AggOp::kMean) ++count;
          if constexpr (kCanStop) {
            if (stop && reached_bound<kOp>(acc, bound)) break;
          }
        }
      }
      if (out_dir) {
        const EdgeOffset end = a.out_off[v + 1];
        for (EdgeOffset p = a.out_off[v]; p < end; ++p) {
          const NodeId u = a.out_tgt[p];
          if constexpr (kMasked) {
            if (inactive(u)) continue;
          }
          acc = fold<kOp>(acc, combine_csr<kC>(x[u], a.w, p));
          if constexpr (kOp == AggOp::kMean) ++count;
          if constexpr (kCanStop) {
            if (stop && reached_bound<kOp>(acc, bound)) break;
          }
        }
      }
      if constexpr (kOp == AggOp::kMean) out[v] = count > 0 ? acc / static_cast<double>(count) : 0.0;
      else out[v] = acc;
    }
    after(c, b, e);
  });
}

// Push from the active nodes (serial; see the file comment for when it is exact).
template <AggCombine kC, AggOp kOp>
void push(const NeighborAggStep& s, const Adj& a, const SemiringArgs& args, std::int64_t n) {
  const double* __restrict x = args.x;
  const std::uint8_t* __restrict active = args.active;
  double* __restrict out = args.out;
  std::fill(out, out + n, identity<kOp>());
  const bool in = s.direction != AggDirection::kOut;
  const bool out_dir = s.direction != AggDirection::kIn;
  for (std::int64_t u = 0; u < n; ++u) {
    if (!active[u]) continue;
    if ((u & 0xffff) == 0) check_interrupt();
    const double xu = x[u];
    if (in) {  // u is an in-neighbour of the targets of its out-edges
      for (EdgeOffset p = a.out_off[u]; p < a.out_off[u + 1]; ++p) {
        const NodeId v = a.out_tgt[p];
        out[v] = fold<kOp>(out[v], combine_csr<kC>(xu, a.w, p));
      }
    }
    if (out_dir) {  // u is an out-neighbour of the sources of its in-edges
      for (EdgeOffset p = a.in_off[u]; p < a.in_off[u + 1]; ++p) {
        const NodeId v = a.in_src[p];
        out[v] = fold<kOp>(out[v], combine_csc<kC>(xu, a.w, p));
      }
    }
  }
}

// Edges the active nodes would push along (their out-edges for "in", in-edges for "out"); stops
// counting past `limit` (a large frontier pulls, and need not be scanned to the end).
std::int64_t active_edges(const NeighborAggStep& s, const Adj& a, const std::uint8_t* active, std::int64_t n,
                          std::int64_t limit) {
  std::int64_t m = 0;
  const bool in = s.direction != AggDirection::kOut;
  const bool out_dir = s.direction != AggDirection::kIn;
  for (std::int64_t u = 0; u < n; ++u) {
    if (!active[u]) continue;
    if (in) m += a.out_off[u + 1] - a.out_off[u];
    if (out_dir) m += a.in_off[u + 1] - a.in_off[u];
    if (m > limit) break;
  }
  return m;
}

template <AggCombine kC, AggOp kOp>
void run(const NeighborAggStep& s, const Adj& a, const SemiringArgs& args, std::int64_t n, std::int64_t e,
         const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& after, std::int64_t& elements) {
  const std::int64_t pulled = e * (s.direction == AggDirection::kBoth ? 2 : 1);
  const DenseHints* hints = dense_hints().step == &s ? &dense_hints() : nullptr;
  if (args.active == nullptr) {
    pull<kC, kOp, false>(s, a, args, n + pulled, after, hints);
    return;
  }
  constexpr bool kOrderFree = kOp == AggOp::kMin || kOp == AggOp::kMax;
  const Frontier setting = frontier_setting();
  // A frontier loop's dense iteration (hints) has chosen to pull: it pushes sparsely itself.
  if (hints == nullptr && kOp != AggOp::kMean && (kOrderFree || s.direction == AggDirection::kIn) && setting != Frontier::kPull) {
    const std::int64_t limit = setting == Frontier::kPush ? pulled : pulled / kPushFactor;
    const std::int64_t m = active_edges(s, a, args.active, n, limit);
    if (setting == Frontier::kPush || m <= limit) {
      elements -= pulled - m;  // run_neighbor_agg counted a pull
      push<kC, kOp>(s, a, args, n);
      // The epilogue, chunk by chunk as after a pull (same blocks, same reduction order).
      for_each_chunk(args.chunks, n, [&](std::int64_t c, std::int64_t b, std::int64_t end) { after(c, b, end); });
      return;
    }
  }
  pull<kC, kOp, true>(s, a, args, n + pulled, after, hints);
}

template <AggCombine kC>
void by_op(const NeighborAggStep& s, const Adj& a, const SemiringArgs& args, std::int64_t n, std::int64_t e,
           const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& after, std::int64_t& elements) {
  switch (s.op) {
    case AggOp::kSum: run<kC, AggOp::kSum>(s, a, args, n, e, after, elements); break;
    case AggOp::kMean: run<kC, AggOp::kMean>(s, a, args, n, e, after, elements); break;
    case AggOp::kMin: run<kC, AggOp::kMin>(s, a, args, n, e, after, elements); break;
    case AggOp::kMax: run<kC, AggOp::kMax>(s, a, args, n, e, after, elements); break;
    default: throw Error(ErrorCode::kInternal, "neighbor_agg: a semiring aggregation takes sum, mean, min or max");
  }
}

}  // namespace

DenseHints& dense_hints() {
  thread_local DenseHints hints;
  return hints;
}

Frontier frontier_setting() {
  const char* env = std::getenv("FUSEFLOW_FRONTIER");
  if (env == nullptr || *env == '\0') return Frontier::kAuto;
  const std::string_view v(env);
  if (v == "auto") return Frontier::kAuto;
  if (v == "push") return Frontier::kPush;
  if (v == "pull") return Frontier::kPull;
  throw_value_error("FUSEFLOW_FRONTIER", "must be auto, push or pull; got \"" + std::string(v) + "\"");
}

void run_semiring_agg(const NeighborAggStep& s, const SemiringArgs& args,
                      const std::function<void(std::int64_t, std::int64_t, std::int64_t)>& after, std::int64_t& elements) {
  const Graph& g = args.g;
  const std::int64_t n = g.num_nodes();
  if (needs_weights(s.combine) && args.weights == nullptr) {
    throw Error(ErrorCode::kInternal, "neighbor_agg: semiring combine without weights");
  }
  Adj a{};
  a.in_off = g.in_offsets().data();
  a.in_src = g.in_sources().data();
  a.out_off = g.out_offsets().data();
  a.out_tgt = g.out_targets().data();
  // Weights are in user edge order (graph.h): read from CSR and CSC positions as edge_weights says.
  a.w = edge_weights(g, args.weights);
  switch (s.combine) {
    case AggCombine::kMul: by_op<AggCombine::kMul>(s, a, args, n, g.num_edges(), after, elements); break;
    case AggCombine::kAdd: by_op<AggCombine::kAdd>(s, a, args, n, g.num_edges(), after, elements); break;
    case AggCombine::kFirst: by_op<AggCombine::kFirst>(s, a, args, n, g.num_edges(), after, elements); break;
    case AggCombine::kSecond: by_op<AggCombine::kSecond>(s, a, args, n, g.num_edges(), after, elements); break;
    case AggCombine::kNone: throw Error(ErrorCode::kInternal, "neighbor_agg: not a semiring aggregation");
  }
}

}  // namespace fuseflow::exec
