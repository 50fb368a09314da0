// Bindings of the graph algorithm library (triangles, components, cores, centralities, paths,
// spanning trees): convert arguments, release the GIL, forward. Registered by bind_algorithms.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/tuple.h>

#include "bindings.h"
#include "fuseflow/algorithms/astar.h"
#include "fuseflow/algorithms/bellman_ford.h"
#include "fuseflow/algorithms/betweenness_centrality.h"
#include "fuseflow/algorithms/closeness_centrality.h"
#include "fuseflow/algorithms/clustering.h"
#include "fuseflow/algorithms/dfs.h"
#include "fuseflow/algorithms/dijkstra.h"
#include "fuseflow/algorithms/k_core.h"
#include "fuseflow/algorithms/leiden.h"
#include "fuseflow/algorithms/louvain.h"
#include "fuseflow/algorithms/minimum_spanning_tree.h"
#include "fuseflow/algorithms/strongly_connected_components.h"
#include "fuseflow/algorithms/transitivity.h"
#include "fuseflow/algorithms/triangle_count.h"
#include "fuseflow/core/error.h"

namespace fuseflow::bindings {

void bind_graph_library(nb::module_& m) {
  m.def(
      "triangle_count",
      [](const Graph& g) {
        TriangleCounts t;
        {
          NativeCall call;
          t = triangle_count(g);
        }
        return std::make_pair(to_numpy(std::move(t.per_node)), t.total);
      },
      nb::arg("graph"));

  m.def(
      "clustering",
      [](const Graph& g) {
        Buffer<double> c;
        {
          NativeCall call;
          c = clustering(g);
        }
        return to_numpy(std::move(c));
      },
      nb::arg("graph"));

  m.def(
      "transitivity",
      [](const Graph& g) {
        NativeCall call;
        return transitivity(g);
      },
      nb::arg("graph"));

  m.def(
      "strongly_connected_components",
      [](const Graph& g) {
        Buffer<std::int64_t> labels;
        {
          NativeCall call;
          labels = strongly_connected_components(g);
        }
        return to_numpy(std::move(labels));
      },
      nb::arg("graph"));

  m.def(
      "k_core",
      [](const Graph& g) {
        Buffer<std::int64_t> core;
        {
          NativeCall call;
          core = k_core(g);
        }
        return to_numpy(std::move(core));
      },
      nb::arg("graph"));

  m.def(
      "betweenness_centrality",
      [](const Graph& g, std::optional<AnyArray1D> sources, bool weighted, bool normalized) {
        BetweennessOptions options;
        options.weighted = weighted;
        options.normalized = normalized;
        if (sources) {
          if (!has_dtype<std::int64_t>(*sources)) throw_type_error("sources", "must be an int64 array");
          options.sources = as_span<std::int64_t>(*sources);
          options.use_sources = true;
        }
        Buffer<double> bc;
        {
          NativeCall call;
          bc = betweenness_centrality(g, options);
        }
        return to_numpy(std::move(bc));
      },
      nb::arg("graph"), nb::arg("sources").none(), nb::arg("weighted"), nb::arg("normalized"));

  m.def(
      "closeness_centrality",
      [](const Graph& g, bool harmonic, bool wf_improved) {
        Buffer<double> c;
        {
          NativeCall call;
          c = closeness_centrality(g, harmonic, wf_improved);
        }
        return to_numpy(std::move(c));
      },
      nb::arg("graph"), nb::arg("harmonic"), nb::arg("wf_improved"));

  m.def(
      "dfs",
      [](const Graph& g, std::int64_t source) {
        DfsResult r;
        {
          NativeCall call;
          r = dfs(g, source);
        }
        return std::make_pair(to_numpy(std::move(r.preorder)), to_numpy(std::move(r.parent)));
      },
      nb::arg("graph"), nb::arg("source"));

  m.def(
      "dijkstra",
      [](const Graph& g, std::int64_t source, std::int64_t target) {
        ShortestPaths r;
        {
          NativeCall call;
          r = dijkstra(g, source, target);
        }
        return std::make_pair(to_numpy(std::move(r.dist)), to_numpy(std::move(r.parent)));
      },
      nb::arg("graph"), nb::arg("source"), nb::arg("target"));

  m.def(
      "dijkstra_masked",
      [](const Graph& g, std::optional<AnyArray1D> node_keep, std::optional<AnyArray1D> edge_keep,
         std::optional<AnyArray1D> edge_keep_out, std::int64_t source, std::int64_t target) {
        const GraphMask mask = view_mask(node_keep, edge_keep, edge_keep_out);
        MaskedShortestPaths r;
        {
          NativeCall call;
          r = dijkstra(g, mask, source, target);
        }
        return std::make_tuple(to_numpy(std::move(r.paths.dist)), to_numpy(std::move(r.paths.parent)),
                               r.settled_out_edges);
      },
      nb::arg("graph"), nb::arg("node_keep").none(), nb::arg("edge_keep").none(), nb::arg("edge_keep_out").none(),
      nb::arg("source"), nb::arg("target"));

  m.def(
      "astar",
      [](const Graph& g, std::int64_t source, std::int64_t target, std::optional<AnyArray1D> heuristic,
         std::optional<AnyArray1D> coordinates, std::int64_t dim, bool check) {
        AstarHeuristic h;
        h.check = check;
        if (heuristic) {
          if (!has_dtype<double>(*heuristic)) throw_type_error("heuristic", "must be a float64 array");
          h.kind = AstarHeuristic::Kind::kLowerBound;
          h.lower_bound = as_span<double>(*heuristic);
        } else if (coordinates) {
          if (!has_dtype<double>(*coordinates)) throw_type_error("coordinates", "must be a float64 array");
          h.kind = AstarHeuristic::Kind::kCoordinates;
          h.coordinates = as_span<double>(*coordinates);
          h.dim = dim;
        }
        AstarResult r;
        {
          NativeCall call;
          r = astar(g, source, target, h);
        }
        return std::make_tuple(to_numpy(std::move(r.path)), r.length, r.expanded);
      },
      nb::arg("graph"), nb::arg("source"), nb::arg("target"), nb::arg("heuristic").none(),
      nb::arg("coordinates").none(), nb::arg("dim"), nb::arg("check"));

  m.def(
      "bellman_ford",
      [](const Graph& g, std::int64_t source) {
        ShortestPaths r;
        {
          NativeCall call;
          r = bellman_ford(g, source);
        }
        return std::make_pair(to_numpy(std::move(r.dist)), to_numpy(std::move(r.parent)));
      },
      nb::arg("graph"), nb::arg("source"));

  m.def(
      "louvain",
      [](const Graph& g, double resolution, std::uint64_t seed, bool use_weights) {
        LouvainResult r;
        {
          NativeCall call;
          r = louvain(g, resolution, seed, use_weights);
        }
        return std::make_tuple(to_numpy(std::move(r.labels)), r.modularity, r.levels);
      },
      nb::arg("graph"), nb::arg("resolution"), nb::arg("seed"), nb::arg("use_weights"));

  m.def(
      "leiden",
      [](const Graph& g, double resolution, std::uint64_t seed, bool use_weights, std::int64_t iterations) {
        LouvainResult r;
        {
          NativeCall call;
          r = leiden(g, resolution, seed, use_weights, iterations);
        }
        return std::make_tuple(to_numpy(std::move(r.labels)), r.modularity, r.levels);
      },
      nb::arg("graph"), nb::arg("resolution"), nb::arg("seed"), nb::arg("use_weights"), nb::arg("iterations"));

  m.def(
      "minimum_spanning_tree",
      [](const Graph& g) {
        Buffer<std::int64_t> edges;
        {
          NativeCall call;
          edges = minimum_spanning_tree(g);
        }
        return to_numpy(std::move(edges));
      },
      nb::arg("graph"));
}

}  // namespace fuseflow::bindings
