#include "fuseflow/algorithms/k_core.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <limits>
#include <vector>

#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

constexpr std::int64_t kNodesPerTask = 4096;
constexpr std::int64_t kMinWorkPerThread = 1 << 16;  // small graphs stay serial
// A level's frontier whose nodes' lists hold this many ids is peeled in a parallel round (see
// k_core). Below it a round costs more than it saves: the 2048^2 road grid peels in ~1,400
// rounds of ~3k nodes (8 ids each), 0.35 s in rounds against 0.16 s serially; R-MAT 20 takes
// 119 rounds and its peel drops from 0.41 s to 0.32 s.
constexpr std::int64_t kParallelWork = 32768;

// A node's neighbour u may appear several times in its out- and in-lists (both directions,
// parallel edges): visit(v, stamp, f) calls f(u) once per distinct neighbour u != v, with a
// per-thread stamp array (stamp[u] == mark: u already seen for v; the degree count and the peel
// use different marks for v, v and -2 - v, so a stamp left by one never hides u from the
// other; -1 is unseen). Reading the graph's own lists
// spares building a simple view (2m ids allocated, written and copied: half of the old time on
// the 2048^2 road grid went to the kernel zeroing those pages).
template <class F>
void visit(const Graph& g, NodeId v, NodeId mark, std::vector<NodeId>& stamp, F&& f) {
  const auto out_off = g.out_offsets();
  const auto out_tgt = g.out_targets();
  const auto in_off = g.in_offsets();
  const auto in_src = g.in_sources();
  stamp[v] = mark;  // no self-loops
  for (EdgeOffset e = out_off[v]; e < out_off[v + 1]; ++e) {
    const NodeId u = out_tgt[e];
    if (stamp[u] != mark) {
      stamp[u] = mark;
      f(u);
    }
  }
  for (EdgeOffset e = in_off[v]; e < in_off[v + 1]; ++e) {
    const NodeId u = in_src[e];
    if (stamp[u] != mark) {
      stamp[u] = mark;
      f(u);
    }
  }
}

// The ids a peel of `frontier` reads: the length of its nodes' out- and in-lists.
std::int64_t list_work(const Graph& g, const std::vector<NodeId>& frontier) {
  const auto out_off = g.out_offsets();
  const auto in_off = g.in_offsets();
  std::int64_t work = 0;
  for (const NodeId v : frontier) work += (out_off[v + 1] - out_off[v]) + (in_off[v + 1] - in_off[v]);
  return work;
}

}  // namespace

// Peeling level by level (as ParK): for k = 0, 1, ... every remaining node of degree <= k gets
// core k and is removed; removing it lowers its neighbours' degrees, and a neighbour that falls
// to k is removed in the same level. Levels without such nodes are skipped (k jumps to the
// smallest remaining degree). The degree count and each level's scan of the remaining nodes
// run in parallel, the peel inside a level too while its frontier is wide (then serially). Core
// numbers are unique, so the result is the same at any thread count (the parallel rounds change
// only the order of removal).
Buffer<std::int64_t> k_core(const Graph& g) {
  const std::int64_t n = g.num_nodes();
  Buffer<std::int64_t> core(static_cast<std::size_t>(n));
  if (n == 0) return core;
  const int threads = threads_for(n + g.num_edges(), kMinWorkPerThread);
  std::vector<std::int32_t> degree(static_cast<std::size_t>(n));
  // Every thread's stamps are made here, not by the thread itself: a later region's team may
  // hold a thread this one's did not (OpenMP may give fewer threads than asked).
  std::vector<std::vector<NodeId>> stamps(static_cast<std::size_t>(threads),
                                          std::vector<NodeId>(static_cast<std::size_t>(n), -1));
  ParallelInterrupt interrupt;
  const std::int64_t tasks = (n + kNodesPerTask - 1) / kNodesPerTask;
#pragma omp parallel num_threads(threads)
  {
    auto& stamp = stamps[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 1)
    for (std::int64_t t = 0; t < tasks; ++t) {
      if (interrupt.poll()) continue;
      for (std::int64_t v = t * kNodesPerTask; v < std::min(n, (t + 1) * kNodesPerTask); ++v) {
        std::int32_t d = 0;
        visit(g, static_cast<NodeId>(v), static_cast<NodeId>(v), stamp, [&](NodeId) { ++d; });
        degree[v] = d;
        core[v] = -1;
      }
    }
  }
  interrupt.rethrow();

  std::vector<NodeId> remaining(static_cast<std::size_t>(n)), keep, frontier;
  for (std::int64_t v = 0; v < n; ++v) remaining[v] = static_cast<NodeId>(v);
  std::vector<std::vector<NodeId>> local(static_cast<std::size_t>(threads));
  auto gather = [&](std::vector<NodeId>& into) {  // concatenates the per-thread lists
    into.clear();
    for (auto& l : local) {
      into.insert(into.end(), l.begin(), l.end());
      l.clear();
    }
  };
  std::int32_t k = 0;
  while (!remaining.empty()) {
    check_interrupt();
    // Split the remaining nodes into this level's first round and the rest (with its least degree).
    const std::int64_t r = static_cast<std::int64_t>(remaining.size());
    const int split_threads = threads_for(r, kMinWorkPerThread);
    std::int32_t least = std::numeric_limits<std::int32_t>::max();
    keep.clear();
    std::vector<std::vector<NodeId>> kept(static_cast<std::size_t>(split_threads));
#pragma omp parallel num_threads(split_threads) reduction(min : least)
    {
      auto& mine = local[omp_get_thread_num()];
      auto& rest = kept[omp_get_thread_num()];
#pragma omp for schedule(static)
      for (std::int64_t i = 0; i < r; ++i) {
        const NodeId v = remaining[i];
        if (core[v] >= 0) continue;  // removed in an earlier level's rounds
        if (degree[v] <= k) {
          mine.push_back(v);
        } else {
          rest.push_back(v);
          least = std::min(least, degree[v]);
        }
      }
    }
    gather(frontier);
    for (auto& l : kept) keep.insert(keep.end(), l.begin(), l.end());
    remaining.swap(keep);
    if (frontier.empty()) {
      k = std::max(k + 1, least);
      continue;
    }
    // A level's peel runs in parallel rounds while the frontier is wide (R-MAT's first levels
    // remove hundreds of thousands of nodes at once) and as a serial stack once it is narrow:
    // a round costs a barrier, and peeling a road grid goes one layer per round (thousands of
    // rounds, 30 s on the 2048^2 grid on a loaded machine against 0.5 s serially). In a round,
    // the thread whose decrement takes u from k + 1 to k claims u (fetch_sub returns k + 1 to
    // exactly one thread); degrees may then fall below k, which no later step reads as more
    // than "removed". The core numbers do not depend on the order of removal.
    for (const NodeId v : frontier) core[v] = k;
    while (threads > 1 && list_work(g, frontier) >= kParallelWork) {
      check_interrupt();
      const std::int64_t f = static_cast<std::int64_t>(frontier.size());
#pragma omp parallel num_threads(threads)
      {
        auto& stamp = stamps[omp_get_thread_num()];
        auto& next = local[omp_get_thread_num()];
#pragma omp for schedule(dynamic, 256)
        for (std::int64_t i = 0; i < f; ++i) {
          const NodeId v = frontier[i];
          visit(g, v, static_cast<NodeId>(-2 - v), stamp, [&](NodeId u) {
            std::atomic_ref<std::int32_t> d(degree[u]);
            if (d.load(std::memory_order_relaxed) > k && d.fetch_sub(1, std::memory_order_relaxed) == k + 1) {
              core[u] = k;
              next.push_back(u);
            }
          });
        }
      }
      gather(frontier);
    }
    auto& stamp = stamps[0];
    while (!frontier.empty()) {
      const NodeId v = frontier.back();
      frontier.pop_back();
      visit(g, v, static_cast<NodeId>(-2 - v), stamp, [&](NodeId u) {
        // Nodes at or below k are removed (or about to be): their degree no longer matters.
        if (degree[u] > k && --degree[u] == k) {
          core[u] = k;
          frontier.push_back(u);
        }
      });
    }
    ++k;
  }
  return core;
}

}  // namespace fuseflow
