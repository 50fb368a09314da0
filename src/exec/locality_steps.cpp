// Locality relabelling of a whole graph program (plan.h LocalityStep): the program runs on the
// graph relabelled by out-degree (Graph::locality_relabel) with its node arrays permuted on the
// way in and back on the way out, so every gather of every neighbor_agg reads the hot, high-degree
// nodes' values from a few cache lines, as the native PageRank does.
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "exec/graph_steps.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::exec {
namespace {

enum class LocalityMode { kAuto, kAlways, kNever };

// FUSEFLOW_LOCALITY: auto (default: the graph's cost model decides), always, never. Read per run
// so tests and benchmarks can compare both orders on one compiled program.
LocalityMode locality_mode() {
  const char* env = std::getenv("FUSEFLOW_LOCALITY");
  if (env == nullptr || *env == '\0' || std::strcmp(env, "auto") == 0) return LocalityMode::kAuto;
  if (std::strcmp(env, "always") == 0) return LocalityMode::kAlways;
  if (std::strcmp(env, "never") == 0) return LocalityMode::kNever;
  throw_value_error("FUSEFLOW_LOCALITY", std::string("must be 'auto', 'always' or 'never', got '") + env + "'");
}

constexpr std::int64_t kMinPermutePerThread = 1 << 16;

// out[i] = in[order[i]] (gather) or out[order[i]] = in[i] (scatter), elements of `bytes` bytes.
template <class T>
void permute(const T* in, T* out, const NodeId* order, std::int64_t n, bool gather) {
  const int threads = threads_for(n, kMinPermutePerThread);
  if (gather) {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) out[i] = in[order[i]];
  } else {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t i = 0; i < n; ++i) out[order[i]] = in[i];
  }
}

void permute_value(Value& v, const NodeId* order, std::int64_t n, bool gather, std::int64_t& elements) {
  if (!v.is_array() || v.length != n) {
    throw Error(ErrorCode::kInternal, "locality: a node array does not have one value per node");
  }
  Value out = Value::array(v.type, n, "locality");
  switch (dtype_size(v.type)) {
    case 1: permute(v.data<std::uint8_t>(), out.data<std::uint8_t>(), order, n, gather); break;
    case 4: permute(v.data<std::uint32_t>(), out.data<std::uint32_t>(), order, n, gather); break;
    case 8: permute(v.data<std::uint64_t>(), out.data<std::uint64_t>(), order, n, gather); break;
    default: throw Error(ErrorCode::kInternal, "locality: unexpected element size");
  }
  v = std::move(out);
  elements += n;
}

}  // namespace

void run_locality_in(const LocalityStep& s, std::vector<Value>& slots, std::int64_t& elements) {
  Value& user = slots[static_cast<std::size_t>(s.user_graph_slot)];
  user.graph.reset();
  const std::shared_ptr<const Graph> g = slots[static_cast<std::size_t>(s.graph_slot)].graph;
  const LocalityMode mode = locality_mode();
  if (mode == LocalityMode::kNever || (mode == LocalityMode::kAuto && !g->locality_pays())) return;
  const LocalityRelabel& r = g->locality_relabel();  // built once per graph, then cached on it
  const std::int64_t n = g->num_nodes();
  user.kind = SlotKind::kGraph;
  user.graph = g;
  slots[static_cast<std::size_t>(s.graph_slot)] = Value::of_graph(r.graph);
  for (int slot : s.node_slots) permute_value(slots[static_cast<std::size_t>(slot)], r.order.data(), n, true, elements);
}

void run_locality_out(const LocalityStep& s, std::vector<Value>& slots, std::int64_t& elements) {
  Value& user = slots[static_cast<std::size_t>(s.user_graph_slot)];
  if (!user.graph) return;  // the program ran in the caller's order
  const LocalityRelabel& r = user.graph->locality_relabel();
  const std::int64_t n = user.graph->num_nodes();
  for (int slot : s.node_slots) permute_value(slots[static_cast<std::size_t>(slot)], r.order.data(), n, false, elements);
  slots[static_cast<std::size_t>(s.graph_slot)] = Value::of_graph(user.graph);
  user.graph.reset();
}

}  // namespace fuseflow::exec
