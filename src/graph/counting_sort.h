// Internal (the graph layer): the stable parallel counting sort behind Graph's CSR build, and
// transpose_lists behind its CSC build, in_edge_ids() and Graph::reversed.
#pragma once

#include <omp.h>

#include <algorithm>
#include <cstdint>
#include <span>
#include <vector>

#include "fuseflow/core/buffer.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/parallel_parts.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/progress.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow::graph_detail {

inline constexpr std::int64_t kSortItemsPerThread = 1 << 16;
inline constexpr std::int64_t kSortPollEvery = 1 << 16;  // items between Ctrl-C polls

// Threads for a counting sort with per-thread histograms of n counters: cap them so the
// histograms never dwarf the edge list itself.
inline int sort_threads(std::int64_t m, std::int64_t n) {
  int t = threads_for(m, kSortItemsPerThread);
  while (t > 1 && static_cast<std::int64_t>(t) * n > 4 * m + (1 << 20)) --t;
  return t;
}

inline std::int64_t split_point(std::int64_t m, int parts, int part) {
  return (m / parts) * part + (m % parts) * part / parts;  // m * part / parts without overflow
}

// Stable parallel counting sort of items 0..m-1 into n buckets. The items are split into `t`
// contiguous ranges (for_each_part: each runs once, whatever team OpenMP gives). count(b, e,
// hist) adds each item's key to hist; after the counts become start positions (item order
// preserved across ranges), scatter(b, e, cursor) places each item at cursor[key]++. Both visit
// items in order, so the result is the same at any thread count.
// Both callbacks run over sub-ranges of at most kSortPollEvery items, so Ctrl-C is polled between them.
template <class Count, class Scatter>
void stable_counting_sort(std::int64_t m, std::int64_t n, int t, Count count, Scatter scatter,
                          Buffer<EdgeOffset>& offsets) {
  std::vector<std::int64_t> hist(static_cast<std::size_t>(t) * static_cast<std::size_t>(n), 0);
  ParallelInterrupt interrupt;
  ProgressCounter* progress = current_progress();
  auto in_pieces = [&](std::int64_t b, std::int64_t e, auto&& f) {
    for (std::int64_t i = b; i < e; i += kSortPollEvery) {
      if (interrupt.poll()) return;
      f(i, std::min(e, i + kSortPollEvery));
      if (progress) progress->advance(std::min(e, i + kSortPollEvery) - i);
    }
  };
  for_each_part(t, [&](int k) {
    std::int64_t* h = hist.data() + static_cast<std::size_t>(k) * n;
    in_pieces(split_point(m, t, k), split_point(m, t, k + 1), [&](std::int64_t b, std::int64_t e) { count(b, e, h); });
  });
  interrupt.rethrow();
  offsets = Buffer<EdgeOffset>(static_cast<std::size_t>(n) + 1);
  std::int64_t running = 0;
  for (std::int64_t key = 0; key < n; ++key) {
    if ((key & (kSortPollEvery - 1)) == 0) check_interrupt();
    offsets[key] = running;
    for (int k = 0; k < t; ++k) {
      std::int64_t& c = hist[static_cast<std::size_t>(k) * n + key];
      std::int64_t items = c;
      c = running;
      running += items;
    }
  }
  offsets[n] = running;
  for_each_part(t, [&](int k) {
    std::int64_t* cursor = hist.data() + static_cast<std::size_t>(k) * n;
    in_pieces(split_point(m, t, k), split_point(m, t, k + 1), [&](std::int64_t b, std::int64_t e) { scatter(b, e, cursor); });
  });
  interrupt.rethrow();
}

// The scatter of a counting sort sends item i to slot cursor[key(i)]++: with keys in random order
// over a million nodes, both the cursor and the slot miss the caches (R-MAT 20 in generator
// order: the two scatters were 2/3 of from_edges). Two-stage prefetch: the cursor of item
// i + 2D, then, with that cursor in cache, the slots of item i + D (prefetch_slot(pos)). Only
// hints: the order and the result are the scatter's own. Calls place(i, pos) for each item.
constexpr std::int64_t kScatterPrefetch = 16;

template <class Key, class PrefetchSlot, class Place>
inline void scatter_prefetched(std::int64_t b, std::int64_t e, std::int64_t* cursor, Key key, PrefetchSlot prefetch_slot,
                               Place place) {
  for (std::int64_t i = b; i < e; ++i) {
    if (i + 2 * kScatterPrefetch < e) __builtin_prefetch(cursor + key(i + 2 * kScatterPrefetch), 1);
    if (i + kScatterPrefetch < e) prefetch_slot(cursor[key(i + kScatterPrefetch)]);
    place(i, cursor[key(i)]++);
  }
}

// The node whose list holds position e of a CSR (CSC) with offsets `off`: the last u with
// off[u] <= e (and a non-empty list).
inline NodeId owner_of(std::span<const EdgeOffset> off, std::int64_t num_nodes, std::int64_t e) {
  auto it = std::upper_bound(off.begin(), off.begin() + num_nodes + 1, e);
  return static_cast<NodeId>((it - off.begin()) - 1);
}

// Where transpose_lists writes each item; a null pointer skips that array.
struct TransposeOut {
  NodeId* owners = nullptr;       // the node whose list held the item
  double* weights = nullptr;      // its weight (w[i])
  EdgeOffset* positions = nullptr;  // its position i in the input lists
};

// The transpose of an adjacency (n nodes, lists `off`/`nbr`, weights `w` or empty): item i, in
// the list of node u, goes to list nbr[i]. Items are placed in position order, so each
// transposed list holds its owners ascending and equal owners in position order: a CSR becomes
// its CSC, a CSC the CSR with every list sorted stably by target. Writes the transposed offsets
// to `offsets` (the in-offsets of a CSR; for a CSC, the CSR's offsets again).
inline void transpose_lists(std::span<const EdgeOffset> off, std::span<const NodeId> nbr, std::span<const double> w,
                            std::int64_t n, TransposeOut out, Buffer<EdgeOffset>& offsets) {
  const auto m = static_cast<std::int64_t>(nbr.size());
  const auto key = [&](std::int64_t i) { return static_cast<std::int64_t>(nbr[static_cast<std::size_t>(i)]); };
  stable_counting_sort(
      m, n, sort_threads(m, n),
      [&](std::int64_t b, std::int64_t e, std::int64_t* hist) {
        for (std::int64_t i = b; i < e; ++i) ++hist[key(i)];
      },
      [&](std::int64_t b, std::int64_t e, std::int64_t* cursor) {
        if (b >= e) return;
        NodeId u = owner_of(off, n, b);
        scatter_prefetched(
            b, e, cursor, key,
            [&](std::int64_t pos) {
              if (out.owners) __builtin_prefetch(out.owners + pos, 1);
              if (out.weights) __builtin_prefetch(out.weights + pos, 1);
              if (out.positions) __builtin_prefetch(out.positions + pos, 1);
            },
            [&](std::int64_t i, std::int64_t pos) {
              while (off[static_cast<std::size_t>(u) + 1] <= i) ++u;
              if (out.owners) out.owners[pos] = u;
              if (out.weights) out.weights[pos] = w[static_cast<std::size_t>(i)];
              if (out.positions) out.positions[pos] = i;
            });
      },
      offsets);
}

}  // namespace fuseflow::graph_detail
