// Locality relabelling of a graph for compiled graph programs: the order native PageRank pulls in
// (out-degree descending, DegreeOrderedInEdges) applied to the whole graph, so a program's node
// arrays can be stored in that order and the hot, most-gathered values share cache lines.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <vector>

#include "fuseflow/core/interrupt.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {
namespace {

// Below this many nodes a float64 node array fits in L2 (1 MiB), so gathers hit cache in any
// order and relabelling buys nothing.
constexpr std::int64_t kMinNodes = std::int64_t{1} << 17;
// Skew test: the sources of at least half of the edges are among the 1/16 of nodes with the
// largest out-degree (power-law graphs; R-MAT 20 has ~90%). Near-regular graphs (grids, roads)
// fail it: sorting them by degree only scatters their natural locality.
constexpr std::int64_t kHotFraction = 16;

}  // namespace

bool Graph::locality_pays() const {
  std::call_once(locality_pays_once_, [this] {
    const std::int64_t n = num_nodes_;
    if (n < kMinNodes || num_edges_ < n) return;
    std::vector<std::int64_t> deg(out_degree_.begin(), out_degree_.end());
    const std::int64_t hot = n / kHotFraction;
    std::nth_element(deg.begin(), deg.begin() + hot, deg.end(), std::greater<>());
    std::int64_t hot_edges = 0;
    for (std::int64_t i = 0; i < hot; ++i) hot_edges += deg[static_cast<std::size_t>(i)];
    locality_pays_ = 2 * hot_edges >= num_edges_;
  });
  return locality_pays_;
}

const LocalityRelabel& Graph::locality_relabel() const {
  std::call_once(locality_once_, [this] {
    const std::int64_t n = num_nodes_;
    const std::int64_t m = num_edges_;
    LocalityRelabel r;
    r.pays = locality_pays();
    r.order = degree_ordered_in_edges().order.span();
    r.new_id = Buffer<NodeId>(static_cast<std::size_t>(n));
    for (std::int64_t i = 0; i < n; ++i) r.new_id[r.order[static_cast<std::size_t>(i)]] = static_cast<NodeId>(i);
    check_interrupt();
    // The edges in user order, renamed: user edge i stays user edge i, so every E-length array
    // (weights, edge_src results) means the same edge in both graphs.
    Buffer<NodeId> src, dst;
    user_order_edges(src, dst);
    for (std::int64_t e = 0; e < m; ++e) {
      src[static_cast<std::size_t>(e)] = r.new_id[src[static_cast<std::size_t>(e)]];
      dst[static_cast<std::size_t>(e)] = r.new_id[dst[static_cast<std::size_t>(e)]];
    }
    EdgeListView view;
    view.src32 = src.span();
    view.dst32 = dst.span();
    if (has_weights_) view.weights = user_order_weights();
    r.graph = Graph::from_edges(view, n);
    locality_ = std::move(r);
  });
  return locality_;
}

}  // namespace fuseflow
