#include "fuseflow/algorithms/strongly_connected_components.h"

#include <algorithm>
#include <atomic>
#include <vector>

#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

// A team costs little on an idle machine but up to a scheduler quantum per region when it is
// oversubscribed (measured: 2-thread regions of 0.3 ms taking 25-80 ms at load 9 on 2 cores);
// below ~1M nodes + edges one thread is faster than that risk.
constexpr std::int64_t kMinWorkPerThread = 1 << 20;
constexpr int kTrimRounds = 4;  // later rounds remove little on real graphs; Tarjan takes the rest
constexpr std::uint8_t kLive = 0, kDone = 1;

// GAP's direction-optimising switch: bottom-up once the frontier's edges exceed the
// unexplored ones / kAlpha, back to top-down when the frontier shrinks below n / kBeta.
constexpr std::int64_t kAlpha = 15, kBeta = 18;

// Marks (mark[v] |= bit) every live node reachable from `pivot` along `off`/`adj`, in parallel
// level by level: top-down from the frontier while it is small, bottom-up (each unmarked live
// node looks for a marked predecessor along `rev_off`/`rev_adj`) while it is large, as on
// low-diameter graphs the giant component is reached in a few large levels. Reachability
// needs no exact levels, so a bottom-up sweep may also use marks set earlier in the same sweep.
void reach(std::span<const EdgeOffset> off, std::span<const NodeId> adj, std::span<const EdgeOffset> rev_off,
           std::span<const NodeId> rev_adj, const std::uint8_t* state, std::uint8_t* mark, std::uint8_t bit,
           NodeId pivot, int threads) {
  const std::int64_t n = static_cast<std::int64_t>(off.size()) - 1;
  std::vector<NodeId> frontier{pivot}, next;
  mark[pivot] |= bit;
  std::int64_t unexplored = off[n];
  while (!frontier.empty()) {
    check_interrupt();
    next.clear();
    const std::int64_t count = static_cast<std::int64_t>(frontier.size());
    std::int64_t frontier_edges = 0;
    for (const NodeId u : frontier) frontier_edges += off[u + 1] - off[u];
    unexplored -= frontier_edges;
    const bool bottom_up = frontier_edges > unexplored / kAlpha && count > n / kBeta / 4;
    // A bottom-up sweep reads all n nodes; on small graphs one thread does it faster than a team
    // (whose barrier costs a scheduler quantum when the machine is oversubscribed).
    const std::int64_t work = bottom_up ? n / 16 : count;
    const int used = static_cast<int>(std::min<std::int64_t>(threads, std::max<std::int64_t>(1, work / 4096)));
#pragma omp parallel num_threads(used)
    {
      std::vector<NodeId> local;
      if (bottom_up) {
#pragma omp for schedule(dynamic, 2048) nowait
        for (std::int64_t v = 0; v < n; ++v) {
          if (state[v] != kLive) continue;
          std::atomic_ref<std::uint8_t> m(mark[v]);
          if (m.load(std::memory_order_relaxed) & bit) continue;
          for (EdgeOffset e = rev_off[v]; e < rev_off[v + 1]; ++e) {
            if (std::atomic_ref<std::uint8_t>(mark[rev_adj[e]]).load(std::memory_order_relaxed) & bit) {
              m.fetch_or(bit, std::memory_order_relaxed);  // only this thread sets this bit of v
              local.push_back(static_cast<NodeId>(v));
              break;
            }
          }
        }
      } else {
#pragma omp for schedule(dynamic, 64) nowait
        for (std::int64_t i = 0; i < count; ++i) {
          const NodeId u = frontier[i];
          for (EdgeOffset e = off[u]; e < off[u + 1]; ++e) {
            const NodeId v = adj[e];
            if (state[v] != kLive) continue;
            std::atomic_ref<std::uint8_t> m(mark[v]);
            if (m.load(std::memory_order_relaxed) & bit) continue;
            if (!(m.fetch_or(bit, std::memory_order_relaxed) & bit)) local.push_back(v);
          }
        }
      }
#pragma omp critical(fuseflow_scc_frontier)
      next.insert(next.end(), local.begin(), local.end());
    }
    frontier.swap(next);
  }
}

}  // namespace

Buffer<std::int64_t> strongly_connected_components(const Graph& g) {
  const std::int64_t n = g.num_nodes();
  Buffer<std::int64_t> label(static_cast<std::size_t>(n), -1);
  if (n == 0) return label;
  const auto out_off = g.out_offsets();
  const auto out_tgt = g.out_targets();
  const auto in_off = g.in_offsets();
  const auto in_src = g.in_sources();
  const int threads = threads_for(n + g.num_edges(), kMinWorkPerThread);
  Buffer<std::uint8_t> state(static_cast<std::size_t>(n), kLive);

  // (1) Trimming. A node is trimmed when no live node other than itself points to it (or it
  // points to none); its label is itself. Rounds read a state that other threads may be
  // writing, so states are atomic; trimming late or early in a round is still correct because
  // a trimmed node's condition only becomes more true as others are removed.
  for (int round = 0; round < kTrimRounds; ++round) {
    std::int64_t removed = 0;
    ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1024) reduction(+ : removed)
    for (std::int64_t v = 0; v < n; ++v) {
      if ((v & 1023) == 0 && interrupt.poll()) continue;
      if (interrupt.stopped() || std::atomic_ref<std::uint8_t>(state[v]).load(std::memory_order_relaxed) != kLive) continue;
      auto has_live = [&](std::span<const EdgeOffset> off, std::span<const NodeId> adj) {
        for (EdgeOffset e = off[v]; e < off[v + 1]; ++e) {
          const NodeId u = adj[e];
          if (u != v && std::atomic_ref<std::uint8_t>(state[u]).load(std::memory_order_relaxed) == kLive) return true;
        }
        return false;
      };
      if (!has_live(in_off, in_src) || !has_live(out_off, out_tgt)) {
        std::atomic_ref<std::uint8_t>(state[v]).store(kDone, std::memory_order_relaxed);
        label[v] = v;
        ++removed;
      }
    }
    interrupt.rethrow();
    if (removed == 0) break;
  }

  // (2) Forward-backward from the live node of largest in x out degree.
  NodeId pivot = -1;
  std::int64_t best = -1;
  for (std::int64_t v = 0; v < n; ++v) {
    if (state[v] != kLive) continue;
    const std::int64_t score = (out_off[v + 1] - out_off[v]) * (in_off[v + 1] - in_off[v]);
    if (score > best) {
      best = score;
      pivot = static_cast<NodeId>(v);
    }
  }
  if (pivot >= 0) {
    Buffer<std::uint8_t> mark(static_cast<std::size_t>(n), 0);
    reach(out_off, out_tgt, in_off, in_src, state.data(), mark.data(), 1, pivot, threads);
    reach(in_off, in_src, out_off, out_tgt, state.data(), mark.data(), 2, pivot, threads);
    NodeId smallest = pivot;
    for (std::int64_t v = 0; v < n; ++v) {
      if (mark[v] == 3) smallest = std::min(smallest, static_cast<NodeId>(v));
    }
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t v = 0; v < n; ++v) {
      if (mark[v] == 3) {
        state[v] = kDone;
        label[v] = smallest;
      }
    }
  }

  // (3) Tarjan, iterative, over the live nodes; edges into done nodes are skipped.
  std::vector<std::int64_t> index(static_cast<std::size_t>(n), -1), low(static_cast<std::size_t>(n), 0);
  std::vector<NodeId> stack;
  std::vector<std::pair<NodeId, EdgeOffset>> calls;  // (node, next out-edge to look at)
  std::vector<std::uint8_t> on_stack(static_cast<std::size_t>(n), 0);
  std::int64_t counter = 0;
  for (std::int64_t root = 0; root < n; ++root) {
    if (state[root] != kLive || index[root] >= 0) continue;
    if ((root & 4095) == 0) check_interrupt();
    calls.emplace_back(static_cast<NodeId>(root), out_off[root]);
    index[root] = low[root] = counter++;
    stack.push_back(static_cast<NodeId>(root));
    on_stack[root] = 1;
    while (!calls.empty()) {
      auto& [u, e] = calls.back();
      if (e < out_off[u + 1]) {
        const NodeId w = out_tgt[e++];
        if (state[w] != kLive) continue;
        if (index[w] < 0) {
          index[w] = low[w] = counter++;
          stack.push_back(w);
          on_stack[w] = 1;
          calls.emplace_back(w, out_off[w]);  // invalidates u, e: the loop re-reads them
        } else if (on_stack[w]) {
          low[u] = std::min(low[u], index[w]);
        }
        continue;
      }
      const NodeId done = u;
      calls.pop_back();
      if (!calls.empty()) low[calls.back().first] = std::min(low[calls.back().first], low[done]);
      if (low[done] == index[done]) {
        // Pop the component; its label is its smallest id.
        auto it = stack.end();
        NodeId smallest = done;
        do {
          --it;
          smallest = std::min(smallest, *it);
        } while (*it != done);
        for (auto p = it; p != stack.end(); ++p) {
          label[*p] = smallest;
          on_stack[*p] = 0;
        }
        stack.erase(it, stack.end());
      }
    }
  }
  return label;
}

}  // namespace fuseflow
