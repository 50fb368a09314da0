// The weighted undirected graph that Louvain and Leiden optimise modularity on, one per
// contraction level: merged neighbour lists without self entries, the self-loop weight A_ii
// kept apart, and the degrees k_i. Shared so that both methods read the input graph and count
// modularity the same way (their results are compared with each other and with igraph).
#pragma once

#include <cstdint>
#include <memory>
#include <utility>
#include <vector>

#include "fuseflow/graph/graph.h"

namespace fuseflow::community {

// An allocator whose resize() leaves new elements uninitialised: a level's lists are written
// in full right after they are sized, and zero-filling them first (hundreds of MB at R-MAT 20)
// cost a serial memset on top of the kernel's own page clearing.
template <class T>
struct NoInitAllocator : std::allocator<T> {
  template <class U>
  struct rebind {
    using other = NoInitAllocator<U>;
  };
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    if constexpr (sizeof...(Args) == 0) {
      ::new (static_cast<void*>(p)) U;
    } else {
      ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
    }
  }
};

struct Level {
  std::int64_t n = 0;
  std::vector<std::int64_t> offsets;
  std::vector<NodeId, NoInitAllocator<NodeId>> targets;  // node ids fit NodeId (levels only shrink)
  std::vector<double, NoInitAllocator<double>> weights;
  std::vector<double> loop;    // A_ii
  std::vector<double> degree;  // k_i = sum_j A_ij (A_ii included)
};

// splitmix64: the seeded stream behind every random choice (visiting orders, Leiden's
// randomised merges), so a result depends on the seed only.
inline std::uint64_t splitmix(std::uint64_t& state) {
  std::uint64_t z = (state += 0x9E3779B97F4A7C15ull);
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
  return z ^ (z >> 31);
}

// A uniform double in [0, 1) from the stream.
inline double uniform(std::uint64_t& state) { return static_cast<double>(splitmix(state) >> 11) * 0x1.0p-53; }

// A permutation of 0..n-1 drawn from the stream (Fisher-Yates).
std::vector<std::int64_t> random_order(std::int64_t n, std::uint64_t& rng);

// The modularity-best community for node i (the local-moving step Louvain and Leiden share).
// community[] and total[] (K_c, the degree sum of each community) are read as they are;
// own_total is K of i's own community without i. The gain of joining c, up to the common
// factor 1/m, is link(c) - resolution K_c k_i / 2m. Leaving needs a gain above `own` by
// kMinGain k_i (no oscillation between equal choices); among equal destinations the lowest
// community id wins. link[] (one slot per community id) must be all zero and is left so;
// touched is scratch.
struct MoveChoice {
  std::int64_t best;  // == community[i] when staying is best
  double best_gain;
  double own_gain;    // the gain of staying
};
inline constexpr double kMinGain = 1e-12;
MoveChoice best_move(const Level& l, std::int64_t i, const std::int64_t* community, const double* total,
                     double own_total, double resolution, double two_m, double* link,
                     std::vector<std::int64_t>& touched);

// Each edge u -> v of weight w adds w to A[u][v] and A[v][u] (parallel edges add up, a
// self-loop adds 2w to A[u][u], as igraph and NetworkX count it); use_weights false: w = 1.
Level input_level(const Graph& g, bool use_weights);

// Renumbers `community` (ids in [0, l.n)) to 0..count-1 by first appearance and returns `l`
// contracted along it: one node per community, inner edges folded into its self-loop.
Level contract(const Level& l, std::vector<std::int64_t>& community, std::int64_t& count);

// Q = 1/(2m) sum_ij (A_ij - resolution k_i k_j / 2m) [c_i == c_j], labels in [0, count).
double modularity(const Level& l, const std::vector<std::int64_t>& label, std::int64_t count, double resolution,
                  double two_m);

// The argument checks louvain and leiden share: `resolution` finite and > 0; with use_weights
// the graph must have weights, all >= 0 (ValueError naming `g`, with `who` in the message).
void check_arguments(const Graph& g, double resolution, bool use_weights, const char* who);

}  // namespace fuseflow::community
