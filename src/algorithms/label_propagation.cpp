#include "fuseflow/algorithms/label_propagation.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/progress.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/core/parallel_interrupt.h"

namespace fuseflow {
namespace {

constexpr std::int64_t kMinWorkPerThread = 1 << 15;
// Neighbours in different chunks update simultaneously and can swap labels forever (the
// 2-cycle of synchronous LPA). After a few sweeps each chunk therefore sits out a seeded
// half of the sweeps, which breaks such cycles while staying thread-count independent.
constexpr std::int64_t kSweepsBeforeDamping = 4;

std::uint64_t splitmix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// Seeded preference of node v for label l among equally frequent labels.
std::uint64_t tie_rank(std::uint64_t seed, NodeId v, NodeId l) {
  return splitmix64(seed ^ splitmix64((static_cast<std::uint64_t>(static_cast<std::uint32_t>(l)) << 32) |
                                      static_cast<std::uint32_t>(v)));
}

// Dense per-thread label counters (no hash map): counts[l] for the labels in `touched`.
struct LabelCounter {
  Buffer<std::int32_t> counts;
  std::vector<NodeId> touched;
};

}  // namespace

LabelPropagationResult label_propagation(const Graph& g, std::int64_t max_iter, std::uint64_t seed) {
  if (max_iter < 0) throw_value_error("max_iter", "must be >= 0, got " + std::to_string(max_iter));
  const std::int64_t n = g.num_nodes();
  LabelPropagationResult result;
  Buffer<NodeId> labels(static_cast<std::size_t>(n)), previous(static_cast<std::size_t>(n));
  Buffer<std::uint8_t> active(static_cast<std::size_t>(n), 1), active_next(static_cast<std::size_t>(n), 0);
  const int threads = threads_for(n + 2 * g.num_edges(), kMinWorkPerThread);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t v = 0; v < n; ++v) labels[v] = static_cast<NodeId>(v);

  const auto out_off = g.out_offsets();
  const auto out_tgt = g.out_targets();
  const auto in_off = g.in_offsets();
  const auto in_src = g.in_sources();
  const auto chunks = g.balanced_chunks(/*in_edges=*/false);
  const std::int64_t nchunks = static_cast<std::int64_t>(chunks.size()) - 1;
  std::vector<LabelCounter> counters(static_cast<std::size_t>(threads));
  for (auto& c : counters) c.counts = Buffer<std::int32_t>(static_cast<std::size_t>(n), 0);

  // Progress: sweeps out of max_iter; residual = nodes changed or left waiting in the sweep.
  progress_begin_stage(0, max_iter);
  for (std::int64_t iter = 0; iter < max_iter && n > 0; ++iter) {
    check_interrupt();
    std::copy(labels.begin(), labels.end(), previous.begin());
    std::int64_t changed = 0, waiting = 0;
    ParallelInterrupt interrupt;
#pragma omp parallel num_threads(threads) reduction(+ : changed, waiting)
    {
      LabelCounter& counter = counters[static_cast<std::size_t>(omp_get_thread_num())];
      std::int32_t* counts = counter.counts.data();
      std::vector<NodeId>& touched = counter.touched;
#pragma omp for schedule(dynamic, 1)
      for (std::int64_t c = 0; c < nchunks; ++c) {
        if (interrupt.poll()) continue;
        const std::int64_t begin = chunks[c], end = chunks[c + 1];
        if (iter >= kSweepsBeforeDamping && (splitmix64(seed ^ splitmix64(static_cast<std::uint64_t>(iter) << 32 |
                                                                          static_cast<std::uint64_t>(c))) & 1)) {
          for (std::int64_t v = begin; v < end; ++v) {
            if (!active[v]) continue;
            std::atomic_ref<std::uint8_t>(active_next[v]).store(1, std::memory_order_relaxed);
            ++waiting;
          }
          continue;
        }
        // Same chunk: this sweep's label (asynchronous); other chunks: last sweep's (their
        // owners may be writing them now), which keeps the result thread-count independent.
        auto label_of = [&](NodeId u) { return (u >= begin && u < end) ? labels[u] : previous[u]; };
        auto vote = [&](NodeId u) {
          const NodeId l = label_of(u);
          if (counts[l]++ == 0) touched.push_back(l);
        };
        for (std::int64_t v = begin; v < end; ++v) {
          if (!active[v]) continue;
          const NodeId node = static_cast<NodeId>(v);
          for (EdgeOffset e = out_off[v]; e < out_off[v + 1]; ++e) {
            if (out_tgt[e] != node) vote(out_tgt[e]);
          }
          for (EdgeOffset e = in_off[v]; e < in_off[v + 1]; ++e) {
            if (in_src[e] != node) vote(in_src[e]);
          }
          if (touched.empty()) continue;
          const NodeId own = labels[v];
          std::int32_t max_count = 0;
          for (NodeId l : touched) max_count = std::max(max_count, counts[l]);
          NodeId best = own;
          if (counts[own] < max_count) {
            std::uint64_t best_rank = ~std::uint64_t{0};
            for (NodeId l : touched) {
              if (counts[l] != max_count) continue;
              const std::uint64_t rank = tie_rank(seed, node, l);
              if (rank < best_rank || (rank == best_rank && l < best)) {
                best_rank = rank;
                best = l;
              }
            }
          }
          for (NodeId l : touched) counts[l] = 0;
          touched.clear();
          if (best == own) continue;
          labels[v] = best;
          ++changed;
          // Only neighbours of a changed node can change: later nodes of this chunk in this
          // sweep (as a serial sweep would), all others in the next one.
          auto wake = [&](NodeId w) {
            if (w > v && w < end) {
              active[w] = 1;  // this chunk's flags are touched by this thread only
            } else {
              std::atomic_ref<std::uint8_t>(active_next[w]).store(1, std::memory_order_relaxed);
            }
          };
          for (EdgeOffset e = out_off[v]; e < out_off[v + 1]; ++e) wake(out_tgt[e]);
          for (EdgeOffset e = in_off[v]; e < in_off[v + 1]; ++e) wake(in_src[e]);
        }
      }
    }
    interrupt.rethrow();
    result.iterations = iter + 1;
    progress_iteration(iter + 1, static_cast<double>(changed + waiting));
    std::swap(active, active_next);
    std::fill(active_next.begin(), active_next.end(), std::uint8_t{0});
    if (changed == 0 && waiting == 0) break;
  }

  // `active` now holds the flags for the sweep that was not run (all set when none ran).
  std::int64_t pending = 0;
  result.labels = Buffer<std::int64_t>(static_cast<std::size_t>(n));
#pragma omp parallel for num_threads(threads) schedule(static) reduction(+ : pending)
  for (std::int64_t v = 0; v < n; ++v) {
    result.labels[v] = labels[v];
    pending += active[v];
  }
  result.pending = pending;
  result.converged = pending == 0;
  return result;
}

}  // namespace fuseflow
