// Argument checks shared by the single-source searches (bfs, sssp, dijkstra, bellman_ford, dfs,
// astar), so each rule has one message.
#pragma once

#include <cstdint>

#include "fuseflow/graph/graph.h"

namespace fuseflow {

// ValueError naming `name` ("source", "target") unless 0 <= v < n.
void check_node_id(const char* name, std::int64_t v, std::int64_t n);

// ValueError naming g when g has edges but no weights, or when `first_bad` (a CSR position with a
// negative or NaN weight, num_edges() for none) is an edge. `who` is the algorithm, `hint` ends the
// message in parentheses, `ids_note` precedes the edge's ids ("(base ids) " for a masked search).
void check_search_weights(const Graph& g, std::int64_t first_bad, const char* who, const char* hint,
                          const char* ids_note = "");

}  // namespace fuseflow
