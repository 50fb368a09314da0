// Small graph factories shared by the algorithm tests: R-MAT and uniform random edge lists
// with self-loops, parallel edges and isolated nodes.
#pragma once

#include <gtest/gtest.h>

#include <algorithm>
#include <cstdint>
#include <memory>
#include <numeric>
#include <random>
#include <vector>

#include "fuseflow/core/threads.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/graph/rmat.h"

namespace fuseflow::testing {

struct EdgeList {
  std::int64_t n = 0;
  std::vector<std::int32_t> src, dst;
  std::vector<double> weights;
};

inline EdgeList rmat_edges(int scale, int edge_factor, std::uint64_t seed) {
  RmatEdges r = generate_rmat(scale, edge_factor, 0.57, 0.19, 0.19, seed, true);
  EdgeList e;
  e.n = std::int64_t{1} << scale;
  e.src.assign(r.src.begin(), r.src.end());
  e.dst.assign(r.dst.begin(), r.dst.end());
  return e;
}

// Nodes [active, n) stay isolated; the first edges are repeated (parallel) and some are loops.
inline EdgeList random_edges(std::int64_t n, std::int64_t m, std::int64_t isolated, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int32_t> node(0, static_cast<std::int32_t>(n - isolated - 1));
  EdgeList e;
  e.n = n;
  for (std::int64_t i = 0; i < m; ++i) {
    e.src.push_back(node(rng));
    e.dst.push_back(i % 17 == 0 ? e.src.back() : node(rng));
  }
  for (std::int64_t i = 0; i < 10 && i < m; ++i) {
    e.src.push_back(e.src[i]);
    e.dst.push_back(e.dst[i]);
  }
  return e;
}

inline void add_weights(EdgeList& e, double lo, double hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> w(lo, hi);
  e.weights.resize(e.src.size());
  for (double& x : e.weights) x = w(rng);
}

inline std::shared_ptr<const Graph> build(const EdgeList& e) {
  EdgeListView view;
  view.src32 = e.src;
  view.dst32 = e.dst;
  view.weights = e.weights;
  return Graph::from_edges(view, e.n);
}

// The edge list in source order (stable: parallel edges keep their order), as a file gives it.
inline EdgeList by_source(EdgeList e) {
  std::vector<std::size_t> order(e.src.size());
  std::iota(order.begin(), order.end(), std::size_t{0});
  std::stable_sort(order.begin(), order.end(), [&](std::size_t a, std::size_t b) { return e.src[a] < e.src[b]; });
  EdgeList s;
  s.n = e.n;
  for (std::size_t i : order) {
    s.src.push_back(e.src[i]);
    s.dst.push_back(e.dst[i]);
    if (!e.weights.empty()) s.weights.push_back(e.weights[i]);
  }
  return s;
}

// The kept edges in user order, relabelled to the kept nodes' ranks, one at a time.
inline EdgeList reference_cut(const EdgeList& e, const std::vector<std::uint8_t>& nodes, const std::vector<std::uint8_t>& edges,
                       std::vector<EdgeOffset>& ids) {
  std::vector<std::int32_t> rank(static_cast<std::size_t>(e.n), -1);
  EdgeList out;
  for (std::int64_t v = 0; v < e.n; ++v) {
    if (nodes.empty() || nodes[static_cast<std::size_t>(v)]) rank[static_cast<std::size_t>(v)] = static_cast<std::int32_t>(out.n++);
  }
  ids.clear();
  for (std::size_t i = 0; i < e.src.size(); ++i) {
    const std::int32_t s = rank[static_cast<std::size_t>(e.src[i])], d = rank[static_cast<std::size_t>(e.dst[i])];
    if (s < 0 || d < 0 || (!edges.empty() && !edges[i])) continue;
    out.src.push_back(s);
    out.dst.push_back(d);
    if (!e.weights.empty()) out.weights.push_back(e.weights[i]);
    ids.push_back(static_cast<EdgeOffset>(i));
  }
  return out;
}

// Each entry 1 with probability `keep`.
inline std::vector<std::uint8_t> random_mask(std::size_t size, double keep, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::bernoulli_distribution coin(keep);
  std::vector<std::uint8_t> mask(size);
  for (auto& m : mask) m = coin(rng);
  return mask;
}

// Runs `body` at 1..4 threads and restores the default.
template <class Body>
void at_thread_counts(Body body) {
  for (int t = 1; t <= 4; ++t) {
    set_num_threads(t);
    body(t);
  }
  set_num_threads(0);
}

}  // namespace fuseflow::testing
