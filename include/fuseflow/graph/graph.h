// Graph: an immutable directed multigraph held as CSR (out-edges) and CSC (in-edges), built
// once by a parallel, stable counting sort and shared read-only by every program and thread.
//
// Node ids are int32 inside (num_nodes < 2^31), edge offsets int64. Within one node's list,
// edges keep the order in which they were given (the sort is stable), so every build of the
// same edge list is bitwise identical at any thread count.
//
// Edge order (one rule for every E-length array a user passes or receives): user edge i is the
// i-th edge given to from_edges (or the i-th edge line of a loaded text file; for a loaded graph
// file, the order recorded in it, else its CSR order). The graph keeps user_edge_ids() (CSR
// position -> user edge index) and every consumer of an edge array maps through it; it is empty
// when the user order already is the CSR order (sources non-decreasing), the fast path.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>
#include <string>

#include "fuseflow/core/buffer.h"

namespace fuseflow {

using NodeId = std::int32_t;
using EdgeOffset = std::int64_t;

// A borrowed edge list: ids as int32 or int64 (exactly one of the pairs is set).
struct EdgeListView {
  std::span<const std::int32_t> src32, dst32;
  std::span<const std::int64_t> src64, dst64;
  std::span<const double> weights;  // empty: unweighted
};

// Graph-construction limits, checked before allocating (a clear error instead of an abort).
// Bytes a graph of n nodes and m edges holds (CSR + CSC + degrees + edge order), weighted or not.
std::uint64_t graph_bytes_estimate(std::int64_t n, std::int64_t m, bool weighted);
// Throws MemoryError naming `what` when `bytes` exceeds this machine's physical memory or its
// cgroup's memory limit (memory_cap()).
void check_fits_in_memory(std::uint64_t bytes, const std::string& what);

// Prebuilt CSR + CSC arrays (as saved by save_graph); weights empty when unweighted.
struct GraphArrays {
  std::int64_t num_nodes = 0;
  Buffer<EdgeOffset> out_offsets, in_offsets;
  Buffer<NodeId> out_targets, in_sources;
  Buffer<double> out_weights, in_weights;
  Buffer<EdgeOffset> user_edge_ids;  // CSR position -> user edge index; empty = identity
};

// In-edges over nodes relabelled by out-degree, descending (built on first use, cached).
// Pull algorithms read a per-source value for every in-edge; with the most-read sources
// packed at the front, the hot part of that array stays in L2 (measured 1.5x fewer ns per
// edge on R-MAT scale 20 than with the original ids).
struct DegreeOrderedInEdges {
  Buffer<NodeId> order;           // order[i] = original id of relabelled node i
  Buffer<EdgeOffset> offsets;     // in-edges of relabelled node i: sources[offsets[i] .. offsets[i+1])
  Buffer<NodeId> sources;         // relabelled source ids, in the CSC order of the original ids
  Buffer<std::int64_t> chunks;    // balanced work split over relabelled nodes (see balanced_chunks)
};

class Graph;

// The graph relabelled by DegreeOrderedInEdges::order for compiled graph programs (see
// src/graph/locality_relabel.cpp): node i of `graph` is node order[i] of the original, edges keep
// the original's user edge order (so edge arrays need no permutation). Built on first use, cached.
struct LocalityRelabel {
  bool pays = false;                     // the cost model's verdict (computed without building)
  std::span<const NodeId> order;         // = degree_ordered_in_edges().order
  Buffer<NodeId> new_id;                 // new_id[order[i]] = i
  std::shared_ptr<const Graph> graph;    // the relabelled graph
};

class Graph {
 public:
  // num_nodes < 0: infer as max id + 1 (0 for an empty edge list).
  // Throws ValueError-class errors naming `src`, `dst`, `weights` or `num_nodes`.
  static std::shared_ptr<const Graph> from_edges(const EdgeListView& edges, std::int64_t num_nodes);

  // The graph with every edge u -> v as v -> u (weights and user edge order kept), over this
  // graph's own arrays where that gives exactly the graph from_edges(dst, src) would build: its
  // CSR is `g`'s CSC when g's user edge order is its CSR order (sources non-decreasing), and its
  // CSC is g's CSR where each node's out-list is sorted by target (else those lists are copied
  // sorted, the only arrays it owns). nullptr when g's user order is not its CSR order (the
  // caller builds a copy). Keeps `g` alive; reversing the result gives `g` back. Defined in
  // src/graph/reversed_graph.cpp.
  static std::shared_ptr<const Graph> reversed(const std::shared_ptr<const Graph>& g);

  // The graph of Graph.subgraph: the nodes with node_keep[v] != 0 (empty: all), renumbered in id
  // order, and the edges selected by edge_keep (per user edge index; empty: all) whose ends are
  // both kept, in g's user order: array for array the graph from_edges builds from those edges.
  // Reads only the kept nodes' out-lists, plus one pass over E when g's user order is not its CSR
  // order and more than 1/64 of the edges are kept (to rank them). edge_ids receives, for each edge of
  // the subgraph in its user order, g's user edge index. Defined in src/graph/subgraph.cpp.
  static std::shared_ptr<const Graph> subgraph(const Graph& g, std::span<const std::uint8_t> node_keep,
                                               std::span<const std::uint8_t> edge_keep, Buffer<EdgeOffset>& edge_ids);

  // The graph of Graph.to_undirected: g's edges in user order, then b -> a for every a -> b with
  // a != b, in the same order (weights copied): array for array the graph from_edges builds from
  // those edges. edge_ids receives g's user edge index of each of them. Defined in
  // src/graph/undirected_graph.cpp.
  static std::shared_ptr<const Graph> undirected(const Graph& g, Buffer<EdgeOffset>& edge_ids);

  // Adopts prebuilt arrays without sorting (used by load_graph); computes degrees and chunks.
  // Checks sizes, offsets and id ranges; that the CSC holds the CSR's edges (exact in-degree
  // counts, in-lists sorted by source, the same multiset of (source, target, weight) by a 64-bit
  // fingerprint sum); and that user_edge_ids, if given, is a permutation of 0..E-1: ValueError
  // naming `arrays` otherwise, so no algorithm reads out of bounds or disagrees between
  // directions later.
  static std::shared_ptr<const Graph> from_arrays(GraphArrays&& arrays);

  std::int64_t num_nodes() const noexcept { return num_nodes_; }
  std::int64_t num_edges() const noexcept { return num_edges_; }
  bool has_weights() const noexcept { return has_weights_; }

  // CSR: out-edges of u are out_targets()[out_offsets()[u] .. out_offsets()[u+1]).
  // Inside the engine, edge index e in [0, E) means CSR position e; user-facing edge arrays are
  // in user order and are mapped through user_edge_ids() (see the edge-order rule above).
  std::span<const EdgeOffset> out_offsets() const noexcept { return out_offsets_; }
  std::span<const NodeId> out_targets() const noexcept { return out_targets_; }
  std::span<const double> out_weights() const noexcept { return out_weights_; }
  // Source node of each CSR edge (length E), built on first use.
  std::span<const NodeId> out_sources() const;

  // CSC: in-edges of v are in_sources()[in_offsets()[v] .. in_offsets()[v+1]).
  std::span<const EdgeOffset> in_offsets() const noexcept { return in_offsets_; }
  std::span<const NodeId> in_sources() const noexcept { return in_sources_; }
  std::span<const double> in_weights() const noexcept { return in_weights_; }
  // CSR edge index of each CSC position (length E), built on first use; lets edge arrays
  // (in CSR order) be read while pulling over in-edges.
  std::span<const EdgeOffset> in_edge_ids() const;
  // User edge index of each CSC position (length E): in_edge_ids() mapped through
  // user_edge_ids(), built on first use; in_edge_ids() itself when the user order is the CSR's.
  std::span<const EdgeOffset> in_user_edge_ids() const;

  // CSR position -> user edge index (length E), or empty when that is the identity.
  // A reversed graph's are the base's in_edge_ids(), built when first asked for.
  std::span<const EdgeOffset> user_edge_ids() const {
    return user_ids_from_base_ ? borrowed_->in_edge_ids() : user_edge_ids_;
  }
  bool user_order_is_csr() const noexcept { return user_edge_ids_.size() == 0 && !user_ids_from_base_; }
  // The graph's weights in user edge order (built on first use unless the order is the CSR's).
  std::span<const double> user_order_weights() const;
  // Sources and targets in user edge order (fresh arrays).
  void user_order_edges(Buffer<NodeId>& src, Buffer<NodeId>& dst) const;

  std::span<const std::int64_t> out_degree() const noexcept { return out_degree_; }
  std::span<const std::int64_t> in_degree() const noexcept { return in_degree_; }
  // The largest out-degree (in-degree with in_edges), 0 without nodes; found on first use.
  std::int64_t max_degree(bool in_edges) const;
  // The first CSR position whose weight is negative or NaN (num_edges() when there is none or
  // the graph is unweighted), and the largest finite weight (0 when none), found together on
  // first use: shortest-path algorithms read both per call.
  std::int64_t first_invalid_weight() const;
  double max_finite_weight() const;

  // Fixed split of the nodes into ranges of about equal work (edges + nodes) for the given
  // direction; boundaries depend only on the graph, never on the thread count, so chunked
  // reductions over them are deterministic. Returns boundaries b[0]=0 < ... < b[k]=num_nodes.
  std::span<const std::int64_t> balanced_chunks(bool in_edges) const;

  const DegreeOrderedInEdges& degree_ordered_in_edges() const;

  // Whether relabelling by degree order is expected to pay for a graph program (large graph,
  // skewed out-degrees); cheap after the first call. Defined in src/graph/locality_relabel.cpp.
  bool locality_pays() const;
  // The relabelled graph and its permutation, built on first use (src/graph/locality_relabel.cpp).
  const LocalityRelabel& locality_relabel() const;

  // Bytes held by the graph's own arrays (for memory reports): not those it reads from the graph
  // it reverses (reversed).
  std::size_t memory_bytes() const;

  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  Graph() = default;  // use from_edges()

 private:
  std::int64_t num_nodes_ = 0;
  std::int64_t num_edges_ = 0;
  bool has_weights_ = false;
  // The arrays, read through spans: over own_, or over the arrays of the graph this one
  // reverses (reversed), which borrowed_ keeps alive.
  std::span<const EdgeOffset> out_offsets_, in_offsets_;
  std::span<const NodeId> out_targets_, in_sources_;
  std::span<const double> out_weights_, in_weights_;
  std::span<const std::int64_t> out_degree_, in_degree_;
  std::span<const std::int64_t> out_chunks_, in_chunks_;
  std::span<const EdgeOffset> user_edge_ids_;
  struct Owned {
    Buffer<EdgeOffset> out_offsets, in_offsets;
    Buffer<NodeId> out_targets, in_sources;
    Buffer<double> out_weights, in_weights;
    Buffer<std::int64_t> out_degree, in_degree;
    Buffer<std::int64_t> out_chunks, in_chunks;
    Buffer<EdgeOffset> user_edge_ids;
  } own_;
  std::shared_ptr<const Graph> borrowed_;  // set on a reversed graph: the graph it reverses
  bool user_ids_from_base_ = false;         // its user_edge_ids are borrowed_->in_edge_ids()
  // Points every array span at own_ (after a build or adopt).
  void view_own_arrays() noexcept;
  // With own_'s CSR and user edge ids in place: drops an identity user-id map, builds the CSC,
  // degrees and chunks.
  void complete_from_csr();

  // Built lazily under a once_flag: the graph stays logically immutable.
  mutable std::once_flag out_sources_once_, in_edge_ids_once_, degree_ordered_once_, user_weights_once_,
      in_user_edge_ids_once_, locality_pays_once_, locality_once_, max_degree_once_, weight_facts_once_;
  mutable bool locality_pays_ = false;
  mutable std::int64_t max_out_degree_ = 0, max_in_degree_ = 0, first_invalid_weight_ = 0;
  mutable double max_finite_weight_ = 0.0;
  void find_weight_facts() const;
  mutable LocalityRelabel locality_;
  mutable Buffer<EdgeOffset> in_user_edge_ids_;
  mutable Buffer<double> user_weights_;
  mutable DegreeOrderedInEdges degree_ordered_;
  mutable Buffer<NodeId> out_sources_;
  mutable Buffer<EdgeOffset> in_edge_ids_;

  friend struct GraphBuilder;
};

}  // namespace fuseflow
