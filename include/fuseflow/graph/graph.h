// Graph: an immutable directed multigraph held as CSR (out-edges) and CSC (in-edges), built
// once by a parallel, stable counting sort and shared read-only by every program and thread.
//
// Node ids are int32 inside (num_nodes < 2^31), edge offsets int64. Within one node's list,
// edges keep the order in which they were given (the sort is stable), so every build of the
// same edge list is bitwise identical at any thread count.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <span>

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

// Prebuilt CSR + CSC arrays (as saved by save_graph); weights empty when unweighted.
struct GraphArrays {
  std::int64_t num_nodes = 0;
  Buffer<EdgeOffset> out_offsets, in_offsets;
  Buffer<NodeId> out_targets, in_sources;
  Buffer<double> out_weights, in_weights;
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

class Graph {
 public:
  // num_nodes < 0: infer as max id + 1 (0 for an empty edge list).
  // Throws ValueError-class errors naming `src`, `dst`, `weights` or `num_nodes`.
  static std::shared_ptr<const Graph> from_edges(const EdgeListView& edges, std::int64_t num_nodes);

  // Adopts prebuilt arrays without sorting (used by load_graph); computes degrees and chunks.
  // Checks sizes, offsets and id ranges (ValueError naming `arrays`); that the CSC mirrors the
  // CSR is trusted (load_graph's checksum guards it).
  static std::shared_ptr<const Graph> from_arrays(GraphArrays&& arrays);

  std::int64_t num_nodes() const noexcept { return num_nodes_; }
  std::int64_t num_edges() const noexcept { return num_edges_; }
  bool has_weights() const noexcept { return has_weights_; }

  // CSR: out-edges of u are out_targets()[out_offsets()[u] .. out_offsets()[u+1]).
  // Edge index e in [0, E) means CSR position e: this is the order of every edge array.
  std::span<const EdgeOffset> out_offsets() const noexcept { return out_offsets_.span(); }
  std::span<const NodeId> out_targets() const noexcept { return out_targets_.span(); }
  std::span<const double> out_weights() const noexcept { return out_weights_.span(); }
  // Source node of each CSR edge (length E), built on first use.
  std::span<const NodeId> out_sources() const;

  // CSC: in-edges of v are in_sources()[in_offsets()[v] .. in_offsets()[v+1]).
  std::span<const EdgeOffset> in_offsets() const noexcept { return in_offsets_.span(); }
  std::span<const NodeId> in_sources() const noexcept { return in_sources_.span(); }
  std::span<const double> in_weights() const noexcept { return in_weights_.span(); }
  // CSR edge index of each CSC position (length E), built on first use; lets edge arrays
  // (in CSR order) be read while pulling over in-edges.
  std::span<const EdgeOffset> in_edge_ids() const;

  std::span<const std::int64_t> out_degree() const noexcept { return out_degree_.span(); }
  std::span<const std::int64_t> in_degree() const noexcept { return in_degree_.span(); }

  // Fixed split of the nodes into ranges of about equal work (edges + nodes) for the given
  // direction; boundaries depend only on the graph, never on the thread count, so chunked
  // reductions over them are deterministic. Returns boundaries b[0]=0 < ... < b[k]=num_nodes.
  std::span<const std::int64_t> balanced_chunks(bool in_edges) const;

  const DegreeOrderedInEdges& degree_ordered_in_edges() const;

  // Bytes held by the graph's arrays (for memory reports).
  std::size_t memory_bytes() const;

  Graph(const Graph&) = delete;
  Graph& operator=(const Graph&) = delete;

  Graph() = default;  // use from_edges()

 private:
  std::int64_t num_nodes_ = 0;
  std::int64_t num_edges_ = 0;
  bool has_weights_ = false;
  Buffer<EdgeOffset> out_offsets_, in_offsets_;
  Buffer<NodeId> out_targets_, in_sources_;
  Buffer<double> out_weights_, in_weights_;
  Buffer<std::int64_t> out_degree_, in_degree_;
  Buffer<std::int64_t> out_chunks_, in_chunks_;

  // Built lazily under a once_flag: the graph stays logically immutable.
  mutable std::once_flag out_sources_once_, in_edge_ids_once_, degree_ordered_once_;
  mutable DegreeOrderedInEdges degree_ordered_;
  mutable Buffer<NodeId> out_sources_;
  mutable Buffer<EdgeOffset> in_edge_ids_;

  friend struct GraphBuilder;
};

}  // namespace fuseflow
