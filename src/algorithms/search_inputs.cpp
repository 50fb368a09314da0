#include "fuseflow/algorithms/search_inputs.h"

#include <algorithm>
#include <cstdio>
#include <string>

#include "fuseflow/core/error.h"

namespace fuseflow {

void check_node_id(const char* name, std::int64_t v, std::int64_t n) {
  if (v < 0 || v >= n) {
    throw_value_error(name, "must be a node id in [0, num_nodes) = [0, " + std::to_string(n) + "), got " +
                                std::to_string(v));
  }
}

void check_search_weights(const Graph& g, std::int64_t first_bad, const char* who, const char* hint,
                          const char* ids_note) {
  if (!g.has_weights()) {
    if (g.num_edges() > 0) {
      throw_value_error("g", std::string(who) + " needs edge weights; build the graph with weights= (bfs counts hops)");
    }
    return;
  }
  if (first_bad >= g.num_edges()) return;
  const auto off = g.out_offsets();
  const auto u = std::upper_bound(off.begin(), off.end(), first_bad) - off.begin() - 1;
  char weight[32];
  std::snprintf(weight, sizeof weight, "%g", g.out_weights()[first_bad]);
  throw_value_error("g", std::string(who) + " needs non-negative edge weights, but edge " + ids_note +
                             std::to_string(u) + " -> " + std::to_string(g.out_targets()[first_bad]) +
                             " has weight " + weight + " (" + hint + ")");
}

}  // namespace fuseflow
