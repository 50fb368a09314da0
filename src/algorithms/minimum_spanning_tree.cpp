#include "fuseflow/algorithms/minimum_spanning_tree.h"

#include <algorithm>

#include <cmath>
#include <numeric>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {

Buffer<std::int64_t> minimum_spanning_tree(const Graph& g) {
  const std::int64_t n = g.num_nodes();
  const std::int64_t m = g.num_edges();
  const auto tgt = g.out_targets();
  const auto src = g.out_sources();
  const auto w = g.out_weights();
  const auto user = g.user_edge_ids();
  const bool weighted = g.has_weights();
  auto user_id = [&](std::int64_t e) { return user.empty() ? e : user[e]; };
  if (weighted) {
    for (std::int64_t e = 0; e < m; ++e) {
      if (std::isnan(w[e])) throw_value_error("g", "minimum_spanning_tree needs weights that are not NaN");
    }
  }
  std::vector<std::int64_t> edges;  // CSR positions of the non-loop edges
  edges.reserve(static_cast<std::size_t>(m));
  for (std::int64_t e = 0; e < m; ++e) {
    if (src[e] != tgt[e]) edges.push_back(e);
  }
  check_interrupt();
  auto lighter = [&](std::int64_t a, std::int64_t b) {
    const double wa = weighted ? w[a] : 1.0, wb = weighted ? w[b] : 1.0;
    return wa < wb || (wa == wb && user_id(a) < user_id(b));
  };
  // Keys are unique (edge index breaks ties), so the order is the same at any thread count.
  // A serial sort: libstdc++'s parallel-mode sort synchronises through libgomp barriers that
  // ThreadSanitizer cannot see, and the sort is a small share of the spanning-tree time.
  std::sort(edges.begin(), edges.end(), lighter);
  check_interrupt();

  std::vector<NodeId> parent(static_cast<std::size_t>(n));
  std::iota(parent.begin(), parent.end(), 0);
  auto find = [&](NodeId x) {
    while (parent[x] != x) x = parent[x] = parent[parent[x]];
    return x;
  };
  std::vector<std::int64_t> chosen;
  chosen.reserve(static_cast<std::size_t>(std::max<std::int64_t>(n - 1, 0)));
  for (const std::int64_t e : edges) {
    if (static_cast<std::int64_t>(chosen.size()) == n - 1) break;
    const NodeId a = find(src[e]), b = find(tgt[e]);
    if (a == b) continue;
    parent[std::max(a, b)] = std::min(a, b);
    chosen.push_back(user_id(e));
  }
  Buffer<std::int64_t> result(chosen.size());
  std::copy(chosen.begin(), chosen.end(), result.data());
  return result;
}

}  // namespace fuseflow
