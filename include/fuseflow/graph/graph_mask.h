// GraphMask: a subgraph of a Graph given by masks, for kernels that run on the graph itself
// instead of on a cut copy (Graph::subgraph). Graph.subgraph views run single traversals this
// way: a BFS that reaches a small part of a large subgraph then reads only the edges it reaches,
// where the cut reads every kept node's out-list and builds a CSC besides.
//
// The kept subgraph is the one Graph::subgraph builds: the nodes with node_keep[v] != 0 (empty:
// all) and the edges with edge_keep[user edge index] != 0 (empty: all) whose ends are both kept.
#pragma once

#include <cstdint>
#include <span>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct GraphMask {
  std::span<const std::uint8_t> node_keep = {};  // per node id, or empty: every node
  std::span<const std::uint8_t> edge_keep = {};  // per user edge index, or empty: every edge
  // Optional: edge_keep laid out per CSR / per CSC position (edge_keep_by_position), which a view
  // makes once so its searches read their edges' bytes in order instead of through the
  // position -> user id maps (a random read per edge: the road grid's 16M edges, whose user
  // order is not their CSR order, took seconds per search).
  std::span<const std::uint8_t> edge_keep_out = {}, edge_keep_in = {};

  // Throws ValueError naming node_mask / edge_mask when a non-empty mask is not one entry per
  // node / edge of g.
  void check_sizes(const Graph& g) const;
};

// edge_keep (per user edge) per CSR position (in_edges false) or per CSC position (true).
Buffer<std::uint8_t> edge_keep_by_position(const Graph& g, std::span<const std::uint8_t> edge_keep, bool in_edges);

// Whether each CSR or CSC position of g is a kept edge by the edge mask alone (its ends are the
// caller's business: traversals keep dropped nodes out with a sentinel in their own arrays).
// Without the by-position masks, positions map to user edge indices through g's user_edge_ids()
// and, for in-edges, in_user_edge_ids(), which is built on first use: call prepare_in() (not
// thread-safe) before in_kept(), and only where in-edges are read.
class EdgeMaskReader {
 public:
  EdgeMaskReader(const Graph& g, const GraphMask& mask);
  bool empty() const noexcept { return out_keep_ == nullptr; }
  bool out_kept(EdgeOffset p) const noexcept { return out_keep_[out_ids_ ? out_ids_[p] : p] != 0; }
  void prepare_in() const;
  bool in_kept(EdgeOffset p) const noexcept { return in_keep_[in_ids_ ? in_ids_[p] : p] != 0; }

 private:
  const Graph* g_;
  const std::uint8_t* out_keep_ = nullptr;
  const EdgeOffset* out_ids_ = nullptr;  // null: out_keep_ is per CSR position
  const std::uint8_t* in_keep_ = nullptr;
  bool in_by_user_id_ = false;
  mutable const EdgeOffset* in_ids_ = nullptr;  // null: in_keep_ is per CSC position
};

// The filter of an unmasked search, with EdgeMaskReader's interface: kernels templated on the
// filter compile the plain and the masked search from one body.
struct EveryEdge {
  static bool out_kept(EdgeOffset) { return true; }
  static void prepare_in() {}
  static bool in_kept(EdgeOffset) { return true; }
};

// The kept nodes numbered in id order, as the cut numbers them: view_id[v] is base node v's id in
// the subgraph (-1: dropped), empty when the mask keeps every node; `count` of them; and the base
// id of subgraph node `view_source` (-1 when there is no such node). With a node mask,
// on_node(v, kept) is called for every base node in order, for the caller's own arrays (a search
// marks the dropped nodes); without one it is not called.
struct KeptNodes {
  Buffer<NodeId> view_id;
  std::int64_t count = 0;
  NodeId base_source = -1;
};
template <class OnNode>
KeptNodes number_kept_nodes(const GraphMask& mask, std::int64_t n, std::int64_t view_source, OnNode on_node) {
  KeptNodes r;
  if (mask.node_keep.empty()) {
    r.count = n;
    r.base_source = view_source >= 0 && view_source < n ? static_cast<NodeId>(view_source) : NodeId{-1};
    return r;
  }
  // Serial: a byte read per node, against the edges a search reads.
  r.view_id = Buffer<NodeId>(static_cast<std::size_t>(n));
  for (std::int64_t v = 0; v < n; ++v) {
    const bool keep = mask.node_keep[static_cast<std::size_t>(v)] != 0;
    if (keep && r.count == view_source) r.base_source = static_cast<NodeId>(v);
    r.view_id[v] = keep ? static_cast<NodeId>(r.count++) : NodeId{-1};
    on_node(v, keep);
  }
  return r;
}

// The first CSR position of g holding a negative or NaN weight on an edge the mask keeps (ends
// kept, edge kept), num_edges() when there is none: shortest-path searches check only the
// subgraph's weights. Free after g's first_invalid_weight() unless g has such weights.
std::int64_t first_invalid_kept_weight(const Graph& g, const GraphMask& mask);

// What a cut of the masked subgraph would hold and read, without making it.
struct MaskedSize {
  std::int64_t kept_nodes = 0;
  std::int64_t kept_edges = 0;
};
MaskedSize masked_size(const Graph& g, const GraphMask& mask);
// Whether the mask keeps any edge: stops at the first (a view's has_weights, without counting).
bool has_kept_edge(const Graph& g, const GraphMask& mask);

}  // namespace fuseflow
