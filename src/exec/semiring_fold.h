// Internal: the per-edge arithmetic of a semiring aggregation, shared by the dense/pushed step
// (semiring_agg.cpp) and the sparse frontier loop (frontier_loop.cpp), so both fold the same
// values with the same scalar semantics.
#pragma once

#include <cmath>
#include <cstdint>
#include <limits>

#include "fuseflow/exec/plan.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/ir/scalar_semantics.h"
#include "fuseflow/kernels/reduce.h"

namespace fuseflow::exec {

// Push when kPushFactor * (edges leaving the active set) <= edges pulled. The pull reads every edge
// (in parallel) plus the mask of each edge's neighbour; the push scans the mask and writes only
// the active edges' targets (serially). Measured on R-MAT scale 16 (1M edges; 2-core EPYC, loaded
// machine, medians of 7 interleaved runs, one masked min-plus call, 1 thread): push/pull 0.04 at
// 0.5% of the edges active, 0.09 at 10%, 0.42 at 20%; two threads make the pull at most 2x faster,
// so the crossover is near 25-40%: push up to a quarter of the edges.
inline constexpr std::int64_t kPushFactor = 4;

enum class Frontier { kAuto, kPush, kPull };

// FUSEFLOW_FRONTIER=push|pull forces the direction (tests, benchmarks); push is still used only
// where it is exact. Read per call so a test may change it; ValueError for another value.
Frontier frontier_setting();

template <AggCombine kC>
inline double combine(double xu, const double* w, EdgeOffset id) {
  if constexpr (kC == AggCombine::kMul) return xu * w[id];
  else if constexpr (kC == AggCombine::kAdd) return xu + w[id];
  else if constexpr (kC == AggCombine::kFirst) return xu;
  else return w[id];
}

// The identity of a semiring fold: +inf for min, -inf for max, 0 for sum and mean.
constexpr double identity_of(AggOp op) {
  if (op == AggOp::kMin) return std::numeric_limits<double>::infinity();
  if (op == AggOp::kMax) return -std::numeric_limits<double>::infinity();
  return 0.0;
}

template <AggOp kOp>
constexpr double identity() {
  return identity_of(kOp);
}

// Min / max fold as the min / max reductions do (kernels::reduce_extreme: NaN propagates, -0 < +0),
// so a node's result does not depend on the order its edges are met in: a push (frontier order)
// and a pull (CSC order) give the same bits (with "keep the later of equals" a 0.0 and a -0.0
// arriving in the other order did not).
template <AggOp kOp>
inline double fold(double acc, double v) {
  if constexpr (kOp == AggOp::kMin || kOp == AggOp::kMax) return kernels::reduce_extreme(acc, v, kOp == AggOp::kMin);
  else return acc + v;
}

// Whether a min (max) fold may stop at the frontier's bound: nothing after can lower it, except
// that +0.0 (min) still gives way to a later -0.0, and -0.0 (max) to +0.0.
template <AggOp kOp>
inline bool reached_bound(double acc, double bound) {
  return acc == bound && (acc != 0.0 || std::signbit(acc) == (kOp == AggOp::kMin));
}

// Where an edge's weight is read: csr[csr_ids ? csr_ids[p] : p] for CSR position p (out-edges),
// csc[csc_ids ? csc_ids[p] : p] for CSC position p (in-edges).
struct EdgeWeights {
  const double* csr = nullptr;
  const EdgeOffset* csr_ids = nullptr;
  const double* csc = nullptr;
  const EdgeOffset* csc_ids = nullptr;
};

// Whether `w` is the graph's own weights in user order: the buffer user_order_weights() returned,
// which is what ff.jit passes for neighbor_agg(weights=None). Readers of it may use the graph's
// CSR- and CSC-ordered copies instead (in order, no id map).
inline bool is_graph_weights(const Graph& g, const void* w) {
  return w != nullptr && g.has_weights() && w == g.user_order_weights().data();
}

// The weights `w` (user edge order, graph.h) as read from CSR and CSC positions, through the id
// maps, or in order from the graph's copies when w is its own (is_graph_weights): on
// road_grid(512) the random w[user id] load was a third of a Bellman-Ford written in the DSL.
inline EdgeWeights edge_weights(const Graph& g, const double* w) {
  if (w == nullptr) return {};
  if (is_graph_weights(g, w)) return {g.out_weights().data(), nullptr, g.in_weights().data(), nullptr};
  return {w, g.user_order_is_csr() ? nullptr : g.user_edge_ids().data(), w, g.in_user_edge_ids().data()};
}

template <AggCombine kC>
inline double combine_csr(double xu, const EdgeWeights& w, EdgeOffset p) {
  if constexpr (kC == AggCombine::kFirst) return xu;
  else return combine<kC>(xu, w.csr, w.csr_ids != nullptr ? w.csr_ids[p] : p);
}

template <AggCombine kC>
inline double combine_csc(double xu, const EdgeWeights& w, EdgeOffset p) {
  if constexpr (kC == AggCombine::kFirst) return xu;
  else return combine<kC>(xu, w.csc, w.csc_ids != nullptr ? w.csc_ids[p] : p);
}

constexpr bool needs_weights(AggCombine c) { return c == AggCombine::kMul || c == AggCombine::kAdd || c == AggCombine::kSecond; }

}  // namespace fuseflow::exec
