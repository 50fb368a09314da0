#include "fuseflow/graph/graph.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/memory_limit.h"
#include "fuseflow/core/progress.h"
#include "fuseflow/core/parallel_interrupt.h"
#include "fuseflow/core/parallel_parts.h"
#include "fuseflow/core/threads.h"
#include "graph/counting_sort.h"

namespace fuseflow {

// Friend of Graph: fills its private arrays.
struct GraphBuilder {
  static void build(Graph& g, const EdgeListView& edges, std::int64_t num_nodes);
  static void adopt(Graph& g, GraphArrays&& arrays);
  static void finish(Graph& g);
};

namespace {

using graph_detail::scatter_prefetched;
using graph_detail::sort_threads;
using graph_detail::split_point;
using graph_detail::stable_counting_sort;

constexpr std::int64_t kMinEdgesPerThread = 1 << 16;
constexpr std::int64_t kPollEvery = 1 << 16;  // items between Ctrl-C polls in the long loops

template <class Id>
struct IdRange {
  std::int64_t min = std::numeric_limits<std::int64_t>::max();
  std::int64_t max = std::numeric_limits<std::int64_t>::min();
};

template <class Id>
IdRange<Id> id_range(std::span<const Id> ids) {
  IdRange<Id> r;
  const std::int64_t m = static_cast<std::int64_t>(ids.size());
  std::int64_t lo = r.min, hi = r.max;
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) reduction(min : lo) reduction(max : hi) schedule(static)
  for (std::int64_t i = 0; i < m; ++i) {
    std::int64_t v = ids[i];
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  r.min = lo;
  r.max = hi;
  return r;
}

// Names the first id that breaks the rule, so the user can find it in their data.
template <class Id>
[[noreturn]] void report_bad_id(const char* name, std::span<const Id> ids, std::int64_t num_nodes) {
  for (std::size_t i = 0; i < ids.size(); ++i) {
    std::int64_t v = ids[i];
    if (v < 0) {
      throw_value_error(name, "node ids must be non-negative, but " + std::string(name) + "[" +
                                  std::to_string(i) + "] = " + std::to_string(v));
    }
    if (num_nodes >= 0 && v >= num_nodes) {
      throw_value_error(name, "node ids must be < num_nodes = " + std::to_string(num_nodes) + ", but " +
                                  std::string(name) + "[" + std::to_string(i) + "] = " + std::to_string(v));
    }
  }
  throw Error(ErrorCode::kInternal, "report_bad_id found no bad id");
}

Buffer<std::int64_t> make_balanced_chunks(const Buffer<EdgeOffset>& off, std::int64_t n) {
  // Work of node v is its edges plus one; chunks of ~16K work units keep dynamic
  // scheduling cheap while giving skewed (power-law) graphs many more chunks than threads.
  const std::int64_t total = (n > 0 ? off[n] : 0) + n;
  const std::int64_t chunks = std::clamp<std::int64_t>(total / 16384, 1, 1 << 14);
  std::vector<std::int64_t> bounds{0};
  for (std::int64_t j = 1; j < chunks; ++j) {
    const std::int64_t target = total * j / chunks;
    // First v with off[v] + v >= target.
    std::int64_t lo = bounds.back(), hi = n;
    while (lo < hi) {
      std::int64_t mid = lo + (hi - lo) / 2;
      if (off[mid] + mid >= target) hi = mid; else lo = mid + 1;
    }
    if (lo > bounds.back() && lo < n) bounds.push_back(lo);
  }
  if (n > 0) bounds.push_back(n);
  Buffer<std::int64_t> out(bounds.size());
  std::copy(bounds.begin(), bounds.end(), out.begin());
  return out;
}

// True when src never decreases: the stable sort by source then keeps the user's order, so
// user edge i is CSR position i and no edge-order map is needed (the fast path).
template <class Id>
bool sources_sorted(std::span<const Id> src) {
  const std::int64_t m = static_cast<std::int64_t>(src.size());
  bool sorted = true;
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) reduction(&& : sorted) schedule(static)
  for (std::int64_t i = 1; i < m; ++i) sorted = sorted && src[i - 1] <= src[i];
  return sorted;
}

template <class Id>
void build_typed(std::span<const Id> src, std::span<const Id> dst, std::span<const double> weights,
                 std::int64_t num_nodes, Buffer<EdgeOffset>& out_off, Buffer<NodeId>& out_tgt,
                 Buffer<double>& out_w, Buffer<EdgeOffset>& user_ids) {
  const std::int64_t m = static_cast<std::int64_t>(src.size());
  const std::int64_t n = num_nodes;
  const bool weighted = !weights.empty();
  const bool keep_order = !sources_sorted(src);
  const int t = sort_threads(m, n);
  out_tgt = Buffer<NodeId>(static_cast<std::size_t>(m));
  if (weighted) out_w = Buffer<double>(static_cast<std::size_t>(m));
  if (keep_order) user_ids = Buffer<EdgeOffset>(static_cast<std::size_t>(m));
  stable_counting_sort(
      m, n, t,
      [&](std::int64_t b, std::int64_t e, std::int64_t* hist) {
        for (std::int64_t i = b; i < e; ++i) ++hist[src[i]];
      },
      [&](std::int64_t b, std::int64_t e, std::int64_t* cursor) {
        scatter_prefetched(
            b, e, cursor, [&](std::int64_t i) { return static_cast<std::int64_t>(src[i]); },
            [&](std::int64_t pos) {
              __builtin_prefetch(out_tgt.data() + pos, 1);
              if (weighted) __builtin_prefetch(out_w.data() + pos, 1);
              if (keep_order) __builtin_prefetch(user_ids.data() + pos, 1);
            },
            [&](std::int64_t i, std::int64_t pos) {
              out_tgt[pos] = static_cast<NodeId>(dst[i]);
              if (weighted) out_w[pos] = weights[i];
              if (keep_order) user_ids[pos] = i;
            });
      },
      out_off);
}

template <class Id>
std::int64_t validate_ids(std::span<const Id> src, std::span<const Id> dst, std::int64_t num_nodes) {
  auto rs = id_range<Id>(src);
  auto rd = id_range<Id>(dst);
  if (!src.empty() && rs.min < 0) report_bad_id<Id>("src", src, num_nodes);
  if (!dst.empty() && rd.min < 0) report_bad_id<Id>("dst", dst, num_nodes);
  std::int64_t max_id = std::max(src.empty() ? -1 : rs.max, dst.empty() ? -1 : rd.max);
  if (num_nodes < 0) {
    // Checked before max_id + 1, which overflows for an id of 2^63 - 1.
    if (max_id >= std::numeric_limits<NodeId>::max()) {
      const bool in_src = !src.empty() && rs.max == max_id;
      throw_value_error(in_src ? "src" : "dst", "node ids must be < 2^31 - 1, got max id " + std::to_string(max_id) +
                                                    " in " + (in_src ? "src" : "dst"));
    }
    num_nodes = max_id + 1;
  } else {
    if (!src.empty() && rs.max >= num_nodes) report_bad_id<Id>("src", src, num_nodes);
    if (!dst.empty() && rd.max >= num_nodes) report_bad_id<Id>("dst", dst, num_nodes);
  }
  return num_nodes;
}

// Order-independent fingerprint of one edge (source, target, weight bits): summed over all edges
// it compares two edge multisets in one sequential pass each (SplitMix64 finaliser mixing).
inline std::uint64_t edge_hash(std::uint64_t u, std::uint64_t v, std::uint64_t w) {
  std::uint64_t x = (u << 32 | v) ^ (w * 0x9E3779B97F4A7C15ull);
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

// The CSC must hold the CSR's edges: (1) every node's in-edge count equals the number of CSR
// edges pointing to it -- exact, and what keeps in_edge_ids() and every pull in bounds;
// (2) each in-list's sources ascend, as build() makes them; (3) the same multiset of (source,
// target, weight) edges, compared by a sum of 64-bit edge fingerprints (a chance collision is
// ~2^-64; the file's checksum already guards against accidental corruption). Parallel passes
// without E-sized scratch: loading stays far cheaper than rebuilding the CSC.
void check_csc_mirrors_csr(const GraphArrays& a) {
  const std::int64_t n = a.num_nodes;
  const std::int64_t m = static_cast<std::int64_t>(a.out_targets.size());
  const bool weighted = a.out_weights.size() != 0;
  auto fail = [](const std::string& what) { throw_value_error("arrays", "the CSC does not mirror the CSR (" + what + ")"); };
  // (1) In-degree counts, per-thread histograms as in the counting sort.
  const int t = sort_threads(m, n);
  std::vector<std::int64_t> hist(static_cast<std::size_t>(t) * static_cast<std::size_t>(n), 0);
  for_each_part(t, [&](int k) {
    std::int64_t* h = hist.data() + static_cast<std::size_t>(k) * n;
    for (std::int64_t i = split_point(m, t, k), e = split_point(m, t, k + 1); i < e; ++i) ++h[a.out_targets[i]];
  });
  check_interrupt();
  std::int64_t bad_count = n;
#pragma omp parallel for num_threads(threads_for(n, kMinEdgesPerThread)) reduction(min : bad_count) schedule(static)
  for (std::int64_t v = 0; v < n; ++v) {
    std::int64_t c = 0;
    for (int k = 0; k < t; ++k) c += hist[static_cast<std::size_t>(k) * n + v];
    if (c != a.in_offsets[v + 1] - a.in_offsets[v]) bad_count = std::min(bad_count, v);
  }
  if (bad_count < n) fail("node " + std::to_string(bad_count) + " has a different number of in-edges than CSR edges pointing to it");
  // (2) + (3): sorted in-lists, equal fingerprint sums.
  std::uint64_t out_sum = 0, in_sum = 0;
  std::int64_t unsorted = n;
  auto weight_bits = [](const Buffer<double>& w, std::int64_t i) {
    std::uint64_t bits;
    std::memcpy(&bits, &w[i], sizeof(bits));
    return bits;
  };
  const int threads = threads_for(n + m, kMinEdgesPerThread);
#pragma omp parallel for num_threads(threads) reduction(+ : out_sum, in_sum) reduction(min : unsorted) schedule(dynamic, 1024)
  for (std::int64_t v = 0; v < n; ++v) {
    for (EdgeOffset e = a.out_offsets[v]; e < a.out_offsets[v + 1]; ++e) {
      out_sum += edge_hash(static_cast<std::uint64_t>(v), static_cast<std::uint64_t>(a.out_targets[e]),
                           weighted ? weight_bits(a.out_weights, e) : 0);
    }
    for (EdgeOffset p = a.in_offsets[v]; p < a.in_offsets[v + 1]; ++p) {
      if (p > a.in_offsets[v] && a.in_sources[p - 1] > a.in_sources[p]) unsorted = std::min(unsorted, v);
      in_sum += edge_hash(static_cast<std::uint64_t>(a.in_sources[p]), static_cast<std::uint64_t>(v),
                          weighted ? weight_bits(a.in_weights, p) : 0);
    }
  }
  if (unsorted < n) fail("the in-edges of node " + std::to_string(unsorted) + " are not sorted by source");
  if (out_sum != in_sum) fail("the two hold different edges or weights");
}

// The recorded user edge order must be a permutation of 0..E-1.
void check_edge_order(const Buffer<EdgeOffset>& ids, std::int64_t m) {
  if (static_cast<std::int64_t>(ids.size()) != m) {
    throw_value_error("arrays", "the edge order must have one entry per edge (" + std::to_string(m) + "), got " +
                                    std::to_string(ids.size()));
  }
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(m), 0);
  for (std::int64_t p = 0; p < m; ++p) {
    const EdgeOffset i = ids[p];
    if (i < 0 || i >= m || seen[static_cast<std::size_t>(i)]) {
      throw_value_error("arrays", "the edge order is not a permutation of 0..E-1 (entry " + std::to_string(p) + " = " +
                                      std::to_string(i) + ")");
    }
    seen[static_cast<std::size_t>(i)] = 1;
  }
}

}  // namespace

std::uint64_t graph_bytes_estimate(std::int64_t n, std::int64_t m, bool weighted) {
  // offsets 2 x 8(n+1), degrees 2 x 8n, chunks small; per edge targets + sources 8 bytes, weights
  // 16, the edge-order map 8 (worst case), plus the per-thread sort histograms (bounded by 4E).
  const auto un = static_cast<std::uint64_t>(std::max<std::int64_t>(n, 0));
  const auto um = static_cast<std::uint64_t>(std::max<std::int64_t>(m, 0));
  return 32 * un + 16 + um * (16 + (weighted ? 16 : 0));
}

void check_fits_in_memory(std::uint64_t bytes, const std::string& what) {
  const MemoryCap cap = memory_cap();
  if (cap.bytes == 0) return;  // unknown: let the allocation decide
  if (bytes > cap.bytes) {
    throw Error(ErrorCode::kOutOfMemory,
                what + " needs about " + std::to_string(bytes >> 20) + " MiB, more than " +
                    (cap.from_cgroup ? "the " + std::to_string(cap.bytes >> 20) +
                                           " MiB this process may use (its cgroup's memory limit: past it the kernel "
                                           "kills the process)"
                                     : "this machine's " + std::to_string(cap.bytes >> 20) + " MiB of memory"));
  }
}

void GraphBuilder::build(Graph& g, const EdgeListView& edges, std::int64_t num_nodes) {
  const bool wide = !edges.src64.empty() || !edges.dst64.empty();
  const std::size_t m_src = wide ? edges.src64.size() : edges.src32.size();
  const std::size_t m_dst = wide ? edges.dst64.size() : edges.dst32.size();
  if (m_src != m_dst) {
    throw_value_error("dst", "src and dst must have the same length, got " + std::to_string(m_src) + " and " +
                                 std::to_string(m_dst));
  }
  if (!edges.weights.empty() && edges.weights.size() != m_src) {
    throw_value_error("weights", "must have one value per edge (" + std::to_string(m_src) + "), got " +
                                     std::to_string(edges.weights.size()));
  }
  if (!edges.weights.empty()) {
    const std::int64_t m = static_cast<std::int64_t>(m_src);
    std::int64_t first_nan = m;
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) reduction(min : first_nan)
    for (std::int64_t i = 0; i < m; ++i) {
      if (std::isnan(edges.weights[i])) first_nan = std::min(first_nan, i);
    }
    if (first_nan < m) throw_value_error("weights", "must not contain NaN, but weights[" + std::to_string(first_nan) + "] is NaN");
  }
  if (num_nodes > std::numeric_limits<NodeId>::max()) {
    throw_value_error("num_nodes", "must be < 2^31, got " + std::to_string(num_nodes));
  }
  num_nodes = wide ? validate_ids<std::int64_t>(edges.src64, edges.dst64, num_nodes)
                   : validate_ids<std::int32_t>(edges.src32, edges.dst32, num_nodes);
  if (num_nodes > std::numeric_limits<NodeId>::max()) {
    throw_value_error("src", "node ids must be < 2^31 - 1, got max id " + std::to_string(num_nodes - 1));
  }
  const std::int64_t n = num_nodes;
  const std::int64_t m = static_cast<std::int64_t>(m_src);
  check_fits_in_memory(graph_bytes_estimate(n, m, !edges.weights.empty()),
                       "Graph.from_edges: a graph of " + std::to_string(n) + " nodes and " + std::to_string(m) + " edges");
  check_interrupt();
  // Progress stage 1: edges passed through the two stable counting sorts (CSR, then CSC),
  // each reading every edge twice (count, scatter).
  progress_begin_stage(1, 4 * m);
  g.num_nodes_ = n;
  g.num_edges_ = m;
  g.has_weights_ = !edges.weights.empty();

  if (wide) {
    build_typed<std::int64_t>(edges.src64, edges.dst64, edges.weights, n, g.own_.out_offsets, g.own_.out_targets,
                              g.own_.out_weights, g.own_.user_edge_ids);
  } else {
    build_typed<std::int32_t>(edges.src32, edges.dst32, edges.weights, n, g.own_.out_offsets, g.own_.out_targets,
                              g.own_.out_weights, g.own_.user_edge_ids);
  }

  g.complete_from_csr();
}

void Graph::complete_from_csr() {
  // A user order that is the CSR order keeps no map (user_order_is_csr()), however the CSR was
  // made (a subgraph or undirected view may find its order is the CSR's). from_edges stores a map
  // only for unsorted sources, never the identity; its first and last ids usually tell that
  // before any pass, and at worst one parallel pass over E does.
  Buffer<EdgeOffset>& ids = own_.user_edge_ids;
  const std::int64_t m = num_edges_;
  if (!ids.empty() && ids[0] == 0 && ids[m - 1] == m - 1) {
    bool identity = true;
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) reduction(&& : identity) schedule(static)
    for (std::int64_t q = 0; q < m; ++q) identity = identity && ids[q] == q;
    if (identity) ids = Buffer<EdgeOffset>();
  }
  // CSC from the CSR: within each node's in-list, sources ascend (a stable sort of CSR order),
  // which makes pulls read rank arrays in increasing address order.
  own_.in_sources = Buffer<NodeId>(static_cast<std::size_t>(num_edges_));
  if (has_weights_) own_.in_weights = Buffer<double>(static_cast<std::size_t>(num_edges_));
  graph_detail::transpose_lists(own_.out_offsets.span(), own_.out_targets.span(), own_.out_weights.span(), num_nodes_,
                                {own_.in_sources.data(), has_weights_ ? own_.in_weights.data() : nullptr, nullptr},
                                own_.in_offsets);
  GraphBuilder::finish(*this);
}

// Degrees and balanced chunks, once CSR and CSC are in place.
void GraphBuilder::finish(Graph& g) {
  const std::int64_t n = g.num_nodes_;
  Graph::Owned& own = g.own_;
  own.out_degree = Buffer<std::int64_t>(static_cast<std::size_t>(n));
  own.in_degree = Buffer<std::int64_t>(static_cast<std::size_t>(n));
#pragma omp parallel for num_threads(threads_for(n, kMinEdgesPerThread)) schedule(static)
  for (std::int64_t v = 0; v < n; ++v) {
    own.out_degree[v] = own.out_offsets[v + 1] - own.out_offsets[v];
    own.in_degree[v] = own.in_offsets[v + 1] - own.in_offsets[v];
  }
  own.out_chunks = make_balanced_chunks(own.out_offsets, n);
  own.in_chunks = make_balanced_chunks(own.in_offsets, n);
  g.view_own_arrays();
}

void Graph::view_own_arrays() noexcept {
  out_offsets_ = own_.out_offsets.span();
  in_offsets_ = own_.in_offsets.span();
  out_targets_ = own_.out_targets.span();
  in_sources_ = own_.in_sources.span();
  out_weights_ = own_.out_weights.span();
  in_weights_ = own_.in_weights.span();
  out_degree_ = own_.out_degree.span();
  in_degree_ = own_.in_degree.span();
  out_chunks_ = own_.out_chunks.span();
  in_chunks_ = own_.in_chunks.span();
  user_edge_ids_ = own_.user_edge_ids.span();
}

void GraphBuilder::adopt(Graph& g, GraphArrays&& a) {
  const std::int64_t n = a.num_nodes;
  const std::int64_t m = static_cast<std::int64_t>(a.out_targets.size());
  const bool weighted = !a.out_weights.empty();
  if (n < 0 || n > std::numeric_limits<NodeId>::max() || static_cast<std::int64_t>(a.out_offsets.size()) != n + 1 ||
      static_cast<std::int64_t>(a.in_offsets.size()) != n + 1 || static_cast<std::int64_t>(a.in_sources.size()) != m ||
      (weighted && (static_cast<std::int64_t>(a.out_weights.size()) != m ||
                    static_cast<std::int64_t>(a.in_weights.size()) != m)) ||
      (!weighted && !a.in_weights.empty())) {
    throw_value_error("arrays", "CSR/CSC array sizes do not match num_nodes and the edge count");
  }
  // Offsets must run from 0 to m without decreasing and ids must be nodes: then every
  // algorithm's reads stay in bounds whatever the file held.
  bool valid = a.out_offsets[0] == 0 && a.in_offsets[0] == 0 && a.out_offsets[n] == m && a.in_offsets[n] == m;
  const int t = threads_for(n + m, kMinEdgesPerThread);
#pragma omp parallel for num_threads(t) reduction(&& : valid) schedule(static)
  for (std::int64_t v = 0; v < n; ++v) {
    valid = valid && a.out_offsets[v] <= a.out_offsets[v + 1] && a.in_offsets[v] <= a.in_offsets[v + 1];
  }
#pragma omp parallel for num_threads(t) reduction(&& : valid) schedule(static)
  for (std::int64_t e = 0; e < m; ++e) {
    valid = valid && a.out_targets[e] >= 0 && a.out_targets[e] < n && a.in_sources[e] >= 0 && a.in_sources[e] < n;
  }
  if (!valid) throw_value_error("arrays", "offsets must rise from 0 to the edge count and ids must be in [0, num_nodes)");
  check_csc_mirrors_csr(a);
  if (a.user_edge_ids.size() != 0) check_edge_order(a.user_edge_ids, m);
  g.num_nodes_ = n;
  g.num_edges_ = m;
  g.has_weights_ = weighted;
  g.own_.out_offsets = std::move(a.out_offsets);
  g.own_.in_offsets = std::move(a.in_offsets);
  g.own_.out_targets = std::move(a.out_targets);
  g.own_.in_sources = std::move(a.in_sources);
  g.own_.out_weights = std::move(a.out_weights);
  g.own_.in_weights = std::move(a.in_weights);
  g.own_.user_edge_ids = std::move(a.user_edge_ids);
  finish(g);
}

std::shared_ptr<const Graph> Graph::from_arrays(GraphArrays&& arrays) {
  auto g = std::make_shared<Graph>();
  GraphBuilder::adopt(*g, std::move(arrays));
  return g;
}

std::shared_ptr<const Graph> Graph::from_edges(const EdgeListView& edges, std::int64_t num_nodes) {
  auto g = std::make_shared<Graph>();
  GraphBuilder::build(*g, edges, num_nodes);
  return g;
}

std::span<const double> Graph::user_order_weights() const {
  if (user_order_is_csr()) return out_weights_;
  std::call_once(user_weights_once_, [this] {
    const std::span<const EdgeOffset> ids = user_edge_ids();
    Buffer<double> w(out_weights_.size());
    const std::int64_t m = static_cast<std::int64_t>(out_weights_.size());
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) schedule(static)
    for (std::int64_t p = 0; p < m; ++p) w[ids[p]] = out_weights_[p];
    user_weights_ = std::move(w);
  });
  return user_weights_.span();
}

void Graph::user_order_edges(Buffer<NodeId>& src, Buffer<NodeId>& dst) const {
  const std::span<const NodeId> sources = out_sources();
  const std::int64_t m = num_edges_;
  src = Buffer<NodeId>(static_cast<std::size_t>(m));
  dst = Buffer<NodeId>(static_cast<std::size_t>(m));
  const bool identity = user_order_is_csr();
  const std::span<const EdgeOffset> ids = user_edge_ids();
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) schedule(static)
  for (std::int64_t p = 0; p < m; ++p) {
    const EdgeOffset i = identity ? p : ids[p];
    src[i] = sources[p];
    dst[i] = out_targets_[p];
  }
}

std::int64_t Graph::max_degree(bool in_edges) const {
  std::call_once(max_degree_once_, [this] {
    std::int64_t out = 0, in = 0;
    for (std::int64_t v = 0; v < num_nodes_; ++v) {
      out = std::max(out, out_degree_[static_cast<std::size_t>(v)]);
      in = std::max(in, in_degree_[static_cast<std::size_t>(v)]);
    }
    max_out_degree_ = out;
    max_in_degree_ = in;
  });
  return in_edges ? max_in_degree_ : max_out_degree_;
}

void Graph::find_weight_facts() const {
  std::call_once(weight_facts_once_, [this] {
    const std::int64_t m = static_cast<std::int64_t>(out_weights_.size());
    std::int64_t first = num_edges_;
    double largest = 0.0;
#pragma omp parallel for num_threads(threads_for(m, kMinEdgesPerThread)) reduction(min : first) reduction(max : largest)
    for (std::int64_t e = 0; e < m; ++e) {
      const double w = out_weights_[e];
      if (!(w >= 0.0)) first = std::min(first, e);  // negative or NaN
      if (std::isfinite(w)) largest = std::max(largest, w);
    }
    first_invalid_weight_ = first;
    max_finite_weight_ = largest;
  });
}

std::int64_t Graph::first_invalid_weight() const {
  find_weight_facts();
  return first_invalid_weight_;
}

double Graph::max_finite_weight() const {
  find_weight_facts();
  return max_finite_weight_;
}

std::span<const NodeId> Graph::out_sources() const {
  std::call_once(out_sources_once_, [this] {
    Buffer<NodeId> s(static_cast<std::size_t>(num_edges_));
    const auto& chunks = out_chunks_;
    const std::int64_t nchunks = static_cast<std::int64_t>(chunks.size()) - 1;
    // One streaming write of E ids (~20 ms at 16M edges): not worth a poll.
#pragma omp parallel for num_threads(threads_for(num_edges_, kMinEdgesPerThread)) schedule(dynamic, 1)
    for (std::int64_t c = 0; c < nchunks; ++c) {
      for (std::int64_t u = chunks[c]; u < chunks[c + 1]; ++u) {
        for (EdgeOffset e = out_offsets_[u]; e < out_offsets_[u + 1]; ++e) s[e] = static_cast<NodeId>(u);
      }
    }
    out_sources_ = std::move(s);
  });
  return out_sources_.span();
}

std::span<const EdgeOffset> Graph::in_edge_ids() const {
  std::call_once(in_edge_ids_once_, [this] {
    // Same stable order as the CSC build: CSR edges scattered by target, in CSR order (the same
    // parallel counting sort; its offsets are in_offsets_ again). A throw leaves the once_flag
    // unset: the next call simply rebuilds.
    Buffer<EdgeOffset> ids(static_cast<std::size_t>(num_edges_));
    Buffer<EdgeOffset> offsets;
    const ProgressScope not_reported(nullptr);  // a lazy array is not the work a caller's progress counts
    graph_detail::transpose_lists(out_offsets_, out_targets_, {}, num_nodes_, {nullptr, nullptr, ids.data()}, offsets);
    in_edge_ids_ = std::move(ids);
  });
  return in_edge_ids_.span();
}

std::span<const EdgeOffset> Graph::in_user_edge_ids() const {
  const std::span<const EdgeOffset> csr_ids = in_edge_ids();
  if (user_order_is_csr()) return csr_ids;
  std::call_once(in_user_edge_ids_once_, [this, csr_ids] {
    const std::span<const EdgeOffset> user_ids = user_edge_ids();
    Buffer<EdgeOffset> ids(static_cast<std::size_t>(num_edges_));
#pragma omp parallel for num_threads(threads_for(num_edges_, kMinEdgesPerThread)) schedule(static)
    for (std::int64_t p = 0; p < num_edges_; ++p) ids[p] = user_ids[csr_ids[p]];
    in_user_edge_ids_ = std::move(ids);
  });
  return in_user_edge_ids_.span();
}

const DegreeOrderedInEdges& Graph::degree_ordered_in_edges() const {
  std::call_once(degree_ordered_once_, [this] {
    const std::int64_t n = num_nodes_;
    DegreeOrderedInEdges r;
    // Counting sort by out-degree, descending; ties keep id order (stable, thread-independent).
    r.order = Buffer<NodeId>(static_cast<std::size_t>(n));
    std::int64_t max_degree = 0;
    for (std::int64_t v = 0; v < n; ++v) max_degree = std::max(max_degree, out_degree_[v]);
    std::vector<std::int64_t> start(static_cast<std::size_t>(max_degree) + 2, 0);
    for (std::int64_t v = 0; v < n; ++v) ++start[static_cast<std::size_t>(max_degree - out_degree_[v]) + 1];
    for (std::size_t k = 1; k < start.size(); ++k) start[k] += start[k - 1];
    check_interrupt();
    for (std::int64_t v = 0; v < n; ++v) r.order[start[static_cast<std::size_t>(max_degree - out_degree_[v])]++] = static_cast<NodeId>(v);
    Buffer<NodeId> new_id(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) new_id[r.order[i]] = static_cast<NodeId>(i);
    check_interrupt();
    r.offsets = Buffer<EdgeOffset>(static_cast<std::size_t>(n) + 1);
    r.offsets[0] = 0;
    for (std::int64_t i = 0; i < n; ++i) r.offsets[i + 1] = r.offsets[i] + in_degree_[r.order[i]];
    r.sources = Buffer<NodeId>(static_cast<std::size_t>(num_edges_));
    ParallelInterrupt interrupt;
#pragma omp parallel for num_threads(threads_for(num_edges_, kMinEdgesPerThread)) schedule(dynamic, 1024)
    for (std::int64_t i = 0; i < n; ++i) {
      if ((i & 1023) == 0 ? interrupt.poll() : interrupt.stopped()) continue;
      const NodeId v = r.order[i];
      NodeId* out = r.sources.data() + r.offsets[i];
      const std::int64_t d = in_offsets_[v + 1] - in_offsets_[v];
      for (std::int64_t k = 0; k < d; ++k) out[k] = new_id[in_sources_[in_offsets_[v] + k]];
    }
    interrupt.rethrow();  // before publishing: an interrupted build leaves the once_flag unset
    r.chunks = make_balanced_chunks(r.offsets, n);
    degree_ordered_ = std::move(r);
  });
  return degree_ordered_;
}

std::span<const std::int64_t> Graph::balanced_chunks(bool in_edges) const {
  return in_edges ? in_chunks_ : out_chunks_;
}

std::size_t Graph::memory_bytes() const {
  return own_.out_offsets.size() * 8 + own_.in_offsets.size() * 8 + own_.out_targets.size() * 4 +
         own_.in_sources.size() * 4 + own_.out_weights.size() * 8 + own_.in_weights.size() * 8 +
         own_.out_degree.size() * 8 + own_.in_degree.size() * 8 + own_.out_chunks.size() * 8 +
         own_.in_chunks.size() * 8 + own_.user_edge_ids.size() * 8 + out_sources_.size() * 4 + in_edge_ids_.size() * 8 + user_weights_.size() * 8 + in_user_edge_ids_.size() * 8 + degree_ordered_.order.size() * 4 +
         degree_ordered_.offsets.size() * 8 + degree_ordered_.sources.size() * 4 + degree_ordered_.chunks.size() * 8;
}

}  // namespace fuseflow
