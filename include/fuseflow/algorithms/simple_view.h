// Simple views of a graph: parallel edges merged, self-loops dropped, neighbour lists sorted.
// The library algorithms that follow NetworkX's nx.Graph(G) / nx.DiGraph(G) semantics (triangles,
// k-core, minimum spanning tree, betweenness) run on these rather than on the multigraph.
#pragma once

#include <algorithm>
#include <cstdint>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct SimpleAdjacency {
  std::int64_t num_nodes = 0;
  Buffer<EdgeOffset> offsets;  // neighbours of v: targets[offsets[v] .. offsets[v+1]), ascending ids
  Buffer<NodeId> targets;
  Buffer<double> weights;      // parallel to targets when asked for: the lightest merged edge
  std::int64_t degree(std::int64_t v) const { return offsets[v + 1] - offsets[v]; }
};

// Sorts a neighbour list. Most lists are a few ids (a road node has at most 4 neighbours each
// way): an insertion sort with plain moves, because std::sort's own insertion sort shifts with a
// memmove call per element, which was a seventh of a road-grid triangle count.
inline void sort_ids(NodeId* first, NodeId* last) {
  if (last - first > 16) {
    std::sort(first, last);
    return;
  }
  for (NodeId* i = first + 1; i < last; ++i) {
    const NodeId x = *i;
    NodeId* j = i;
    for (; j > first && j[-1] > x; --j) *j = j[-1];
    *j = x;
  }
}

// Undirected simple view: u and v are neighbours when an edge u -> v or v -> u exists (u != v).
SimpleAdjacency simple_undirected(const Graph& g);

// The same neighbour sets in no particular order: duplicates dropped with a per-thread marker
// array instead of a sort, O(m) rather than O(m log d), for algorithms that need sets, not
// sorted lists (k-core).
SimpleAdjacency simple_undirected_unsorted(const Graph& g);

// Directed simple view: out-neighbours without self-loops and repeats. with_weights keeps the
// lightest of the merged parallel edges (the graph must have weights).
SimpleAdjacency simple_directed(const Graph& g, bool with_weights);

}  // namespace fuseflow
