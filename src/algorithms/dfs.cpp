#include "fuseflow/algorithms/dfs.h"

#include <string>
#include <utility>
#include <vector>

#include "fuseflow/algorithms/search_inputs.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"

namespace fuseflow {

DfsResult dfs(const Graph& g, std::int64_t source) {
  const std::int64_t n = g.num_nodes();
  check_node_id("source", source, n);
  const auto off = g.out_offsets();
  const auto tgt = g.out_targets();
  DfsResult result;
  result.parent = Buffer<std::int64_t>(static_cast<std::size_t>(n), -1);
  std::vector<std::uint8_t> seen(static_cast<std::size_t>(n), 0);
  std::vector<std::int64_t> preorder;
  // Explicit call stack of (node, next out-edge): the same visiting order as the recursion.
  std::vector<std::pair<NodeId, EdgeOffset>> stack;
  stack.emplace_back(static_cast<NodeId>(source), off[source]);
  seen[source] = 1;
  preorder.push_back(source);
  std::int64_t steps = 0;
  while (!stack.empty()) {
    if ((++steps & 65535) == 0) check_interrupt();
    auto& [u, e] = stack.back();
    if (e == off[u + 1]) {
      stack.pop_back();
      continue;
    }
    const NodeId v = tgt[e++];
    if (seen[v]) continue;
    seen[v] = 1;
    result.parent[v] = u;
    preorder.push_back(v);
    stack.emplace_back(v, off[v]);
  }
  result.preorder = Buffer<std::int64_t>(preorder.size());
  std::copy(preorder.begin(), preorder.end(), result.preorder.data());
  return result;
}

}  // namespace fuseflow
