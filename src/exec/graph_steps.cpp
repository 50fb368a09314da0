// neighbor_agg and edge gathers. Pull over CSC for "in", CSR for "out", both lists for "both";
// each node's value is computed by one thread in neighbour order, so results are deterministic.
#include "exec/dtype_visit.h"
#include "exec/graph_steps.h"

#include "exec/graph_chunks.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <exception>
#include <limits>
#include <span>
#include <utility>
#include <type_traits>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/ir/scalar_semantics.h"
#include "fuseflow/jit/hook.h"
#include "fuseflow/kernels/reduce.h"

namespace fuseflow::exec {
namespace {

template <class T>
bool value_less(T a, T b) {  // NaN sorts last and equals itself (mode treats NaN as one value)
  if constexpr (std::is_floating_point_v<T>) {
    if (a != a) return false;
    if (b != b) return true;
  }
  return a < b;
}
template <class T>
bool value_equal(T a, T b) {
  if constexpr (std::is_floating_point_v<T>) {
    if (a != a && b != b) return true;
  }
  return a == b;
}

// min/max aggregation: the min / max reductions' step (kernels::reduce_extreme: NaN propagates,
// -0 < +0), as the semiring folds (semiring_fold.h) take it: the same bits in any edge order.
template <class T>
T nan_min(T a, T b) { return kernels::reduce_extreme(a, b, true); }
template <class T>
T nan_max(T a, T b) { return kernels::reduce_extreme(a, b, false); }

// Identities of min/max for nodes without neighbours (bool is stored as one byte 0/1).
template <class T>
T min_identity() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return 1;
  else if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::max();
}
template <class T>
T max_identity() {
  if constexpr (std::is_same_v<T, std::uint8_t>) return 0;
  else if constexpr (std::is_floating_point_v<T>) return -std::numeric_limits<T>::infinity();
  else return std::numeric_limits<T>::lowest();
}
template <class T>
T mode_identity() {
  if constexpr (std::is_floating_point_v<T>) return std::numeric_limits<T>::quiet_NaN();
  else return static_cast<T>(-1);
}

// Integer sums accumulate unsigned so they wrap like NumPy instead of overflowing (UB).
template <class T, bool = std::is_integral_v<T>>
struct SumAccumulator { using type = T; };
template <class T>
struct SumAccumulator<T, true> { using type = std::make_unsigned_t<T>; };

struct Adjacency {
  const EdgeOffset* in_off = nullptr;
  const NodeId* in_src = nullptr;
  const EdgeOffset* in_edge = nullptr;   // CSC position -> user edge id (weights only)
  const EdgeOffset* out_edge = nullptr;  // CSR position -> user edge id (weights only); null: identity
  const EdgeOffset* out_off = nullptr;
  const NodeId* out_tgt = nullptr;
};

// Calls f(u, edge_id) for each neighbour u of v, in-edges first; edge_id is the user edge index
// (the index into a weights array). Direction and weighting are compile-time so the pull loop
// is as tight as a hand-written one (one load + one add per edge); the edge id of in-edges (an
// extra random read) is looked up only when weighted, that of out-edges only when the user
// order differs from the CSR's.
template <AggDirection kDir, bool kWeighted, class F>
inline void for_each_neighbor(const EdgeOffset* __restrict in_off, const NodeId* __restrict in_src,
                              const EdgeOffset* __restrict in_edge, const EdgeOffset* __restrict out_off,
                              const NodeId* __restrict out_tgt, const EdgeOffset* __restrict out_edge, std::int64_t v,
                              F&& f) {
  if constexpr (kDir != AggDirection::kOut) {
    const EdgeOffset end = in_off[v + 1];
    for (EdgeOffset p = in_off[v]; p < end; ++p) f(in_src[p], kWeighted ? in_edge[p] : 0);
  }
  if constexpr (kDir != AggDirection::kIn) {
    const EdgeOffset end = out_off[v + 1];
    if (kWeighted && out_edge != nullptr) {
      for (EdgeOffset e = out_off[v]; e < end; ++e) f(out_tgt[e], out_edge[e]);
    } else {
      for (EdgeOffset e = out_off[v]; e < end; ++e) f(out_tgt[e], e);
    }
  }
}

// after(chunk, begin, end) runs on the same thread once a chunk's aggregates are written.
template <class T, bool kWeighted, AggDirection kDir, class After>
void aggregate(const NeighborAggStep& s, const Adjacency& adj, std::span<const std::int64_t> chunks,
               std::int64_t work, const T* __restrict x, const double* __restrict w, T* __restrict out, After&& after) {
  const EdgeOffset* in_off = adj.in_off;
  const NodeId* in_src = adj.in_src;
  const EdgeOffset* in_edge = adj.in_edge;
  const EdgeOffset* out_off = adj.out_off;
  const NodeId* out_tgt = adj.out_tgt;
  const EdgeOffset* out_edge = adj.out_edge;
  auto neighbors = [&](std::int64_t v, auto&& f) {
    for_each_neighbor<kDir, kWeighted>(in_off, in_src, in_edge, out_off, out_tgt, out_edge, v, f);
  };
  auto neighbors_unweighted = [&](std::int64_t v, auto&& f) {
    for_each_neighbor<kDir, false>(in_off, in_src, in_edge, out_off, out_tgt, out_edge, v, f);
  };
  switch (s.op) {
    case AggOp::kSum:
      for_each_chunk(chunks, work, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
        for (std::int64_t v = b; v < e; ++v) {
          // Integers add modulo 2^k like NumPy (unsigned: no signed-overflow UB).
          using Acc = typename SumAccumulator<T>::type;
          Acc acc = Acc(0);
          if constexpr (kWeighted) neighbors(v, [&](NodeId u, EdgeOffset id) { acc += w[id] * x[u]; });
          else neighbors(v, [&](NodeId u, EdgeOffset) { acc += Acc(x[u]); });
          out[v] = T(acc);
        }
        after(c, b, e);
      });
      break;
    case AggOp::kMean:
      for_each_chunk(chunks, work, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
        for (std::int64_t v = b; v < e; ++v) {
          T acc = T(0), total = T(0);
          std::int64_t count = 0;
          if constexpr (kWeighted) {
            neighbors(v, [&](NodeId u, EdgeOffset id) {
              acc += w[id] * x[u];
              total += w[id];
              ++count;
            });
            out[v] = count > 0 ? acc / total : T(0);
          } else {
            neighbors(v, [&](NodeId u, EdgeOffset) {
              acc += x[u];
              ++count;
            });
            out[v] = count > 0 ? acc / static_cast<T>(count) : T(0);
          }
        }
        after(c, b, e);
      });
      break;
    case AggOp::kMin:
    case AggOp::kMax: {
      const bool minimum = s.op == AggOp::kMin;
      for_each_chunk(chunks, work, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
        for (std::int64_t v = b; v < e; ++v) {
          T acc = minimum ? min_identity<T>() : max_identity<T>();
          if (minimum) neighbors_unweighted(v, [&](NodeId u, EdgeOffset) { acc = nan_min(acc, x[u]); });
          else neighbors_unweighted(v, [&](NodeId u, EdgeOffset) { acc = nan_max(acc, x[u]); });
          out[v] = acc;
        }
        after(c, b, e);
      });
      break;
    }
    case AggOp::kCount:
      for_each_chunk(chunks, work, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
        for (std::int64_t v = b; v < e; ++v) {
          T acc = T(0);
          if constexpr (kWeighted) neighbors(v, [&](NodeId, EdgeOffset id) { acc += w[id]; });
          else neighbors(v, [&](NodeId, EdgeOffset) { acc += T(1); });
          out[v] = acc;
        }
        after(c, b, e);
      });
      break;
    case AggOp::kMode:
      for_each_chunk(chunks, work, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
        std::vector<std::pair<T, double>> votes;  // per chunk: reused across its nodes
        for (std::int64_t v = b; v < e; ++v) {
          votes.clear();
          neighbors(v, [&](NodeId u, EdgeOffset id) {
            votes.emplace_back(x[u], kWeighted ? static_cast<double>(w[id]) : 1.0);
          });
          if (votes.empty()) {
            out[v] = mode_identity<T>();
            continue;
          }
          std::sort(votes.begin(), votes.end(), [](const auto& l, const auto& r) { return value_less(l.first, r.first); });
          T best = votes[0].first;
          double best_weight = -1.0;
          for (std::size_t i = 0; i < votes.size();) {
            std::size_t j = i;
            double total = 0.0;
            while (j < votes.size() && value_equal(votes[j].first, votes[i].first)) total += votes[j++].second;
            if (total > best_weight) {  // strictly greater: ties keep the smaller value
              best_weight = total;
              best = votes[i].first;
            }
            i = j;
          }
          out[v] = best;
        }
        after(c, b, e);
      });
      break;
  }
}

// Edges per batch of a per-edge prologue: gathered values and results stay in L1/L2.
constexpr std::int64_t kPrologueBatch = 2048;
// A prologue runs per edge while E <= 1.5 N (average degree); denser graphs get its values made
// once per node first. Measured with neighbor_agg(g, 0.5*x + 0.25) on R-MAT scale 20 (2-core
// EPYC, 1 and 2 threads, medians of 15 interleaved runs), per edge vs values per node: at average
// degree 1 between 0.88x and 1.18x depending on the run (about break-even, and no node array is
// written), 0.90x at 2, 0.80x at 4 (per edge the gather does three more instructions: store the
// gathered value, run the kernel, read the result back).
inline bool prologue_per_edge(std::int64_t num_edges, std::int64_t num_nodes) { return 2 * num_edges <= 3 * num_nodes; }

// Aggregation whose values are prologue(x[u]) (a fused_agg prologue), for sum/mean/min/max over
// one direction. Each chunk streams its edges (CSC for "in", CSR for "out") in batches: gather
// x[u] of kPrologueBatch edges, run the prologue kernel on them, then fold the batch into the
// nodes' accumulators in edge order -- the same operations in the same order as the unfused
// aggregation of a materialized prologue(x), hence the same bits.
template <class T, class X, bool kWeighted, AggDirection kDir, AggOp kOp, class After>
void aggregate_prologue(const NeighborAggStep& s, const Adjacency& adj, std::span<const std::int64_t> chunks,
                        std::int64_t work, const X* __restrict x, const double* __restrict w, T* __restrict out,
                        const std::vector<Value>& scalars, std::atomic<std::uint32_t>& flags, After&& after) {
  static_assert(kDir != AggDirection::kBoth);
  const EdgeOffset* off = kDir == AggDirection::kIn ? adj.in_off : adj.out_off;
  const NodeId* nbr = kDir == AggDirection::kIn ? adj.in_src : adj.out_tgt;
  const EdgeOffset* in_edge = adj.in_edge;
  const EdgeOffset* out_edge = adj.out_edge;
  // The user edge index of edge position p (weights are in user edge order).
  auto edge_id = [&](EdgeOffset p) -> EdgeOffset {
    if constexpr (kDir == AggDirection::kIn) return in_edge[p];
    else return out_edge != nullptr ? out_edge[p] : p;
  };
  const Kernel& k = *s.prologue;
  using Acc = std::conditional_t<std::is_integral_v<T>, typename SumAccumulator<T>::type, T>;
  auto initial = [] {
    if constexpr (kOp == AggOp::kMin) return Acc(min_identity<T>());
    else if constexpr (kOp == AggOp::kMax) return Acc(max_identity<T>());
    else return Acc(0);
  };
  for_each_chunk(chunks, work, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
    // The prologue kernel's slots: this thread's batch buffers (kept between chunks and runs),
    // then the scalars it reads.
    thread_local std::vector<Value> pslots;
    pslots.resize(scalars.size());
    std::copy(scalars.begin() + 2, scalars.end(), pslots.begin() + 2);
    ensure_writable_array(pslots[0], s.prologue_in_type, kPrologueBatch);
    ensure_writable_array(pslots[1], s.in_type, kPrologueBatch);
    X* gathered = pslots[0].template data<X>();
    const T* vals = pslots[1].template data<T>();
    const EdgeOffset first = off[b], last = off[e];
    std::int64_t v = b;
    // Per-node state, carried across batch boundaries.
    Acc acc = initial();
    T total = T(0);
    for (EdgeOffset start = first;; start += kPrologueBatch) {
      const std::int64_t cnt = std::max<std::int64_t>(0, std::min<std::int64_t>(kPrologueBatch, last - start));
      if (cnt > 0) {
        for (std::int64_t i = 0; i < cnt; ++i) gathered[i] = x[nbr[start + i]];
        std::uint32_t local = 0;
        run_kernel_range(k, pslots, 0, cnt, cnt, nullptr, &local);
        if (local) flags.fetch_or(local);
      }
      const EdgeOffset batch_end = start + cnt;
      const T* val = vals - start;  // val[p] for edge p of this batch
      for (; v < e; ++v) {
        const EdgeOffset node_begin = std::max<EdgeOffset>(off[v], start);
        const EdgeOffset node_end = off[v + 1];
        const EdgeOffset stop = std::min<EdgeOffset>(node_end, batch_end);
        for (EdgeOffset p = node_begin; p < stop; ++p) {
          if constexpr (kOp == AggOp::kSum) {
            if constexpr (kWeighted) acc += w[edge_id(p)] * val[p];
            else acc += Acc(val[p]);
          } else if constexpr (kOp == AggOp::kMean) {
            if constexpr (kWeighted) {
              const double wt = w[edge_id(p)];
              acc += wt * val[p];
              total += wt;
            } else {
              acc += val[p];
            }
          } else if constexpr (kOp == AggOp::kMin) {
            acc = nan_min(T(acc), val[p]);
          } else {
            acc = nan_max(T(acc), val[p]);
          }
        }
        if (node_end > batch_end) break;  // the node continues in the next batch
        if constexpr (kOp == AggOp::kMean) {
          const std::int64_t count = node_end - off[v];
          if constexpr (kWeighted) out[v] = count > 0 ? T(acc) / total : T(0);
          else out[v] = count > 0 ? T(acc) / static_cast<T>(count) : T(0);
        } else {
          out[v] = T(acc);
        }
        acc = initial();
        total = T(0);
      }
      if (batch_end >= last) break;
    }
    pslots.resize(2);  // drop the scalars: they may be the caller's arrays
    after(c, b, e);
  });
}

template <class T, bool kWeighted, class After>
void aggregate_direction(const NeighborAggStep& s, const Adjacency& adj, std::span<const std::int64_t> chunks,
                         std::int64_t work, const T* x, const double* w, T* out, After&& after) {
  switch (s.direction) {
    case AggDirection::kIn: aggregate<T, kWeighted, AggDirection::kIn>(s, adj, chunks, work, x, w, out, after); break;
    case AggDirection::kOut: aggregate<T, kWeighted, AggDirection::kOut>(s, adj, chunks, work, x, w, out, after); break;
    case AggDirection::kBoth: aggregate<T, kWeighted, AggDirection::kBoth>(s, adj, chunks, work, x, w, out, after); break;
  }
}

}  // namespace

void run_neighbor_agg(const NeighborAggStep& s, RunState& state, std::int64_t& elements) {
  std::vector<Value>& slots = state.slots;
  const Graph& g = *slots[s.graph_slot].graph;
  const std::int64_t n = g.num_nodes();
  const bool weighted = s.weights_slot >= 0;
  if (s.x_slot >= 0 && slots[s.x_slot].length != n) {
    throw_value_error("neighbor_agg", "x must have one value per node (" + std::to_string(n) + "), got " +
                                          std::to_string(slots[s.x_slot].length));
  }
  if (weighted && slots[s.weights_slot].length != g.num_edges()) {
    throw_value_error("neighbor_agg", "weights must have one value per edge (" + std::to_string(g.num_edges()) +
                                          "), got " + std::to_string(slots[s.weights_slot].length));
  }
  Adjacency adj;
  adj.in_off = g.in_offsets().data();
  adj.in_src = g.in_sources().data();
  adj.out_off = g.out_offsets().data();
  adj.out_tgt = g.out_targets().data();
  if (weighted && s.direction != AggDirection::kOut) adj.in_edge = g.in_user_edge_ids().data();
  // Weights arrive in user edge order (graph.h): the loops read w[user id of the edge], through
  // in_edge (CSC position -> user id) and out_edge (CSR position -> user id; null when the user
  // order is the CSR's, the fast path: weights then stream in order with no indirection).
  const double* weights = weighted ? slots[s.weights_slot].template data<double>() : nullptr;  // float64 (IR rule)
  if (weighted && s.direction != AggDirection::kIn && !g.user_order_is_csr()) adj.out_edge = g.user_edge_ids().data();
  std::span<const std::int64_t> chunks = g.balanced_chunks(/*in_edges=*/s.direction != AggDirection::kOut);
  // An epilogue with reductions runs on chunks cut at multiples of kBlockSize: its blocks are then
  // exactly a standalone kernel's, so its sums combine in the same order and give the same bits
  // (what lets loop rotation move a reduction into the epilogue without changing results).
  std::vector<std::int64_t> aligned;
  if (s.epilogue && !s.epilogue->reductions.empty()) {
    aligned.reserve(chunks.size());
    for (std::int64_t bound : chunks) {
      const std::int64_t cut = bound == n ? n : bound / kBlockSize * kBlockSize;
      if (aligned.empty() || cut > aligned.back()) aligned.push_back(cut);
    }
    chunks = aligned;
  }
  const std::int64_t work = n + g.num_edges() * (s.direction == AggDirection::kBoth ? 2 : 1);
  elements += work;

  Value& out = slots[s.out_slot];
  ensure_writable_array(out, s.out_type, n);

  // Epilogue: its blocks are laid out chunk by chunk (fixed by the graph), so reductions in it
  // combine in the same order at any thread count.
  const Kernel* epi = s.epilogue.get();
  std::vector<std::int64_t> block_offset;
  ReducePartial* partials = nullptr;
  std::int64_t epilogue_blocks = 0;
  std::atomic<std::uint32_t> flags{0};
  if (epi != nullptr) {
    prepare_kernel_outputs(*epi, slots, n);
    const std::size_t nchunks = chunks.empty() ? 0 : chunks.size() - 1;
    block_offset.resize(nchunks + 1, 0);
    for (std::size_t c = 0; c < nchunks; ++c) {
      block_offset[c + 1] = block_offset[c] + (chunks[c + 1] - chunks[c] + kBlockSize - 1) / kBlockSize;
    }
    epilogue_blocks = block_offset[nchunks];
    const std::size_t need = static_cast<std::size_t>(epilogue_blocks) * epi->reductions.size();
    if (state.partials.size() < need) state.partials.resize(need);
    partials = state.partials.data();
    elements += n;
  }
  const std::int64_t nred = epi ? static_cast<std::int64_t>(epi->reductions.size()) : 0;
  auto after = [&](std::int64_t c, std::int64_t b, std::int64_t e) {
    if (epi == nullptr) return;
    std::uint32_t local = 0;
    run_kernel_range(*epi, slots, b, e, n, partials + block_offset[static_cast<std::size_t>(c)] * nred, &local);
    if (local) flags.fetch_or(local);
  };
  if (s.combine != AggCombine::kNone) {
    // Semiring aggregation (semiring_agg.cpp): float64 x (the lowering converts it), optional
    // weights and source mask; an epilogue runs per chunk as here.
    if (s.out_type != DType::kFloat64 || s.x_slot < 0 || s.prologue) {
      throw Error(ErrorCode::kInternal, "neighbor_agg: semiring aggregation without float64 x, or with a prologue");
    }
    const std::uint8_t* active = nullptr;
    if (s.active_slot >= 0) {
      if (slots[s.active_slot].length != n) {
        throw_value_error("active", "must have one value per node (" + std::to_string(n) + "), got " +
                                        std::to_string(slots[s.active_slot].length));
      }
      active = slots[s.active_slot].template data<std::uint8_t>();
    }
    SemiringArgs args{g, chunks, slots[s.x_slot].template data<double>(), weights, active, out.template data<double>()};
    if (s.edge_kernel) run_edge_values_agg(s, args, slots, after, flags, elements);
    else run_semiring_agg(s, args, after, elements);
    raise_kernel_errors(flags.load());
    if (epi != nullptr) finish_kernel_reductions(*epi, partials, epilogue_blocks, n, slots);
    return;
  }
  // The values the aggregation reads: x, or x's prologue made once per node (below).
  const Value* values = s.x_slot >= 0 ? &slots[s.x_slot] : nullptr;
  // The prologue kernel's slots: 0 = its input, 1 = its values, then the scalars it reads.
  std::vector<Value> prologue_slots;
  bool per_edge = false;
  if (s.prologue) {
    prologue_slots.resize(2 + s.prologue_scalars.size());
    for (std::size_t i = 0; i < s.prologue_scalars.size(); ++i) prologue_slots[2 + i] = slots[s.prologue_scalars[i]];
    per_edge = s.direction != AggDirection::kBoth && prologue_per_edge(g.num_edges(), n);
    if (!per_edge) {
      // Dense graphs: evaluating the prologue E/N times per node costs more than writing its
      // values once per node and gathering those (same ops, same values, same bits).
      Value& made = slots[s.prologue_values_slot];
      ensure_writable_array(made, s.in_type, n);
      prologue_slots[0] = slots[s.x_slot];
      prologue_slots[1] = made;
      std::atomic<std::uint32_t> prologue_flags{0};
      for_each_chunk(chunks, n, [&](std::int64_t, std::int64_t b, std::int64_t e) {
        std::uint32_t local = 0;
        run_kernel_range(*s.prologue, prologue_slots, b, e, n, nullptr, &local);
        if (local) prologue_flags.fetch_or(local);
      });
      raise_kernel_errors(prologue_flags.load());
      values = &made;
      elements += n;
    }
  }
  if (per_edge) {
    const std::vector<Value>& scalars = prologue_slots;
    elements += g.num_edges();
    visit_element_type(s.out_type, [&](auto tag) {
      using T = decltype(tag);
      if constexpr (std::is_floating_point_v<T> || std::is_same_v<T, std::int64_t> || std::is_same_v<T, std::int32_t>) {
        visit_element_type(s.prologue_in_type, [&](auto xtag) {
          using X = decltype(xtag);
          const X* x = slots[s.x_slot].template data<X>();
          const double* w = weights;
          T* o = out.template data<T>();
          auto go = [&]<bool kW, AggOp kOp>() {
            if (s.direction == AggDirection::kIn) aggregate_prologue<T, X, kW, AggDirection::kIn, kOp>(s, adj, chunks, work, x, w, o, scalars, flags, after);
            else aggregate_prologue<T, X, kW, AggDirection::kOut, kOp>(s, adj, chunks, work, x, w, o, scalars, flags, after);
          };
          auto by_op = [&]<bool kW>() {
            switch (s.op) {
              case AggOp::kSum: go.template operator()<kW, AggOp::kSum>(); break;
              case AggOp::kMean: go.template operator()<kW, AggOp::kMean>(); break;
              case AggOp::kMin: go.template operator()<kW, AggOp::kMin>(); break;
              case AggOp::kMax: go.template operator()<kW, AggOp::kMax>(); break;
              default: throw Error(ErrorCode::kInternal, "neighbor_agg: no per-edge prologue for this aggregation");
            }
          };
          if (weighted) by_op.template operator()<true>();
          else by_op.template operator()<false>();
        });
      }
    });
    raise_kernel_errors(flags.load());
    if (epi != nullptr) finish_kernel_reductions(*epi, partials, epilogue_blocks, n, slots);
    return;
  }
  // An unweighted sum of float x whose epilogue has a prejit kernel that computes the sum in its
  // own loop (jit/region.h SumGather, the DSL PageRank's): each chunk's blocks run that kernel.
  // Same additions in the same order as the pull loop below, so the same bits.
  const bool large = values != nullptr && n * elem_size(s.out_type) > jit::kSumGatherMinBytes;
  const int agg_array = large && values->type == s.out_type ? jit::sum_gather_array(s) : -1;
  if (agg_array >= 0 && jit::mode() != jit::Mode::kOff) {
    static_assert(std::is_same_v<EdgeOffset, std::int64_t> && std::is_same_v<NodeId, std::int32_t>, "SumGather's index types");
    const bool in = s.direction == AggDirection::kIn;
    const jit::SumGather gather{in ? adj.in_off : adj.out_off, in ? adj.in_src : adj.out_tgt, values->raw_data(), 0};
    for_each_chunk(chunks, work, [&](std::int64_t c, std::int64_t b, std::int64_t e) {
      std::uint32_t local = 0;
      run_kernel_range_sum_gather(*epi, slots, b, e, n, partials + block_offset[static_cast<std::size_t>(c)] * nred, &local,
                                  agg_array, gather);
      if (local) flags.fetch_or(local);
    });
    raise_kernel_errors(flags.load());
    finish_kernel_reductions(*epi, partials, epilogue_blocks, n, slots);
    return;
  }
  visit_element_type(s.out_type, [&](auto tag) {
    using T = decltype(tag);
    const T* x = values != nullptr ? values->template data<T>() : nullptr;
    const double* w = weights;
    if constexpr (!std::is_same_v<T, std::uint8_t>) {
      if (weighted) aggregate_direction<T, true>(s, adj, chunks, work, x, w, out.template data<T>(), after);
      else aggregate_direction<T, false>(s, adj, chunks, work, x, w, out.template data<T>(), after);
    } else {
      // bool: only min/max are meaningful (logical and/or over neighbours).
      aggregate_direction<T, false>(s, adj, chunks, work, x, w, out.template data<T>(), after);
    }
  });
  raise_kernel_errors(flags.load());
  if (epi != nullptr) finish_kernel_reductions(*epi, partials, epilogue_blocks, n, slots);
}

void run_edge_gather(const EdgeGatherStep& s, std::vector<Value>& slots, std::int64_t& elements) {
  const Graph& g = *slots[s.graph_slot].graph;
  const std::int64_t n = g.num_nodes();
  if (slots[s.x_slot].length != n) {
    throw_value_error(s.source ? "edge_src" : "edge_dst",
                      "x must have one value per node (" + std::to_string(n) + "), got " +
                          std::to_string(slots[s.x_slot].length));
  }
  Value& out = slots[s.out_slot];
  ensure_writable_array(out, s.type, g.num_edges());
  elements += g.num_edges();
  const EdgeOffset* off = g.out_offsets().data();
  const NodeId* tgt = g.out_targets().data();
  const auto chunks = g.balanced_chunks(/*in_edges=*/false);
  // The result is an edge array, so it is in user edge order (graph.h): CSR position k goes to
  // user_edge_ids[k]. Identity order writes sequentially, as before.
  const EdgeOffset* user = g.user_order_is_csr() ? nullptr : g.user_edge_ids().data();
  visit_element_type(s.type, [&](auto tag) {
    using T = decltype(tag);
    const T* x = slots[s.x_slot].template data<T>();
    T* o = out.template data<T>();
    for_each_chunk(chunks, n + g.num_edges(), [&](std::int64_t, std::int64_t b, std::int64_t e) {
      if (user != nullptr) {
        for (std::int64_t u = b; u < e; ++u) {
          for (EdgeOffset k = off[u]; k < off[u + 1]; ++k) o[user[k]] = s.source ? x[u] : x[tgt[k]];
        }
        return;
      }
      if (s.source) {
        for (std::int64_t u = b; u < e; ++u) {
          const T xu = x[u];
          for (EdgeOffset k = off[u]; k < off[u + 1]; ++k) o[k] = xu;
        }
      } else {
        for (EdgeOffset k = off[b]; k < off[e]; ++k) o[k] = x[tgt[k]];
      }
    });
  });
}

}  // namespace fuseflow::exec
