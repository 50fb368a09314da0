#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/tuple.h>

#include "bindings.h"
#include "fuseflow/algorithms/bfs.h"
#include "fuseflow/algorithms/connected_components.h"
#include "fuseflow/algorithms/label_propagation.h"
#include "fuseflow/algorithms/pagerank.h"
#include "fuseflow/algorithms/sssp.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/progress.h"

namespace fuseflow::bindings {

// The graph algorithm library (bind_graph_library.cpp).
void bind_graph_library(nb::module_& m);

void bind_algorithms(nb::module_& m) {
  bind_graph_library(m);

  m.def(
      "pagerank",
      [](const Graph& g, double damping, double tol, std::int64_t max_iter, std::optional<AnyArray1D> personalization,
         ProgressCounter* progress) {
        PageRankOptions options{damping, tol, max_iter, {}};
        if (personalization) {
          if (!has_dtype<double>(*personalization)) throw_type_error("personalization", "must be a float64 array");
          options.personalization = as_span<double>(*personalization);
        }
        PageRankResult result;
        {
          NativeCall call;
          ProgressScope reporting(progress);
          result = pagerank(g, options);
        }
        return std::make_tuple(to_numpy(std::move(result.rank)), result.iterations, result.last_delta,
                               result.converged);
      },
      nb::arg("graph"), nb::arg("damping"), nb::arg("tol"), nb::arg("max_iter"), nb::arg("personalization").none(),
      nb::arg("progress").none() = nb::none());

  m.def(
      "label_propagation",
      [](const Graph& g, std::int64_t max_iter, std::uint64_t seed, ProgressCounter* progress) {
        LabelPropagationResult result;
        {
          NativeCall call;
          ProgressScope reporting(progress);
          result = label_propagation(g, max_iter, seed);
        }
        return std::make_tuple(to_numpy(std::move(result.labels)), result.iterations, result.pending,
                               result.converged);
      },
      nb::arg("graph"), nb::arg("max_iter"), nb::arg("seed"), nb::arg("progress").none() = nb::none());

  m.def(
      "connected_components",
      [](const Graph& g, ProgressCounter* progress) {
        Buffer<std::int64_t> labels;
        {
          NativeCall call;
          ProgressScope reporting(progress);
          labels = connected_components(g);
        }
        return to_numpy(std::move(labels));
      },
      nb::arg("graph"), nb::arg("progress").none() = nb::none());

  m.def(
      "bfs",
      [](const Graph& g, std::int64_t source, bool return_parents, ProgressCounter* progress) {
        BfsResult result;
        {
          NativeCall call;
          ProgressScope reporting(progress);
          result = bfs(g, source, return_parents);
        }
        std::optional<NumpyArray<std::int64_t>> parents;
        if (return_parents) parents = to_numpy(std::move(result.parent));
        return std::make_pair(to_numpy(std::move(result.level)), parents);
      },
      nb::arg("graph"), nb::arg("source"), nb::arg("return_parents"),
      nb::arg("progress").none() = nb::none());

  // The same over the subgraph the masks keep, on g's arrays (Graph.subgraph views before a cut):
  // results in the subgraph's ids, plus the reached nodes' out-degree sum for the view's cost model.
  m.def(
      "bfs_masked",
      [](const Graph& g, std::optional<AnyArray1D> node_keep, std::optional<AnyArray1D> edge_keep,
         std::optional<AnyArray1D> edge_keep_out, std::optional<AnyArray1D> edge_keep_in, std::int64_t source,
         bool return_parents, ProgressCounter* progress) {
        const GraphMask mask = view_mask(node_keep, edge_keep, edge_keep_out, edge_keep_in);
        BfsResult result;
        {
          NativeCall call;
          ProgressScope reporting(progress);
          result = bfs(g, mask, source, return_parents);
        }
        std::optional<NumpyArray<std::int64_t>> parents;
        if (return_parents) parents = to_numpy(std::move(result.parent));
        return std::make_tuple(to_numpy(std::move(result.level)), parents, result.reached_out_edges);
      },
      nb::arg("graph"), nb::arg("node_keep").none(), nb::arg("edge_keep").none(), nb::arg("edge_keep_out").none(),
      nb::arg("edge_keep_in").none(), nb::arg("source"), nb::arg("return_parents"),
      nb::arg("progress").none() = nb::none());

  m.def(
      "sssp_masked",
      [](const Graph& g, std::optional<AnyArray1D> node_keep, std::optional<AnyArray1D> edge_keep,
         std::optional<AnyArray1D> edge_keep_out, std::int64_t source, double delta, ProgressCounter* progress) {
        const GraphMask mask = view_mask(node_keep, edge_keep, edge_keep_out);
        MaskedSssp result;
        {
          NativeCall call;
          ProgressScope reporting(progress);
          result = sssp(g, mask, source, delta);
        }
        return std::make_pair(to_numpy(std::move(result.dist)), result.reached_out_edges);
      },
      nb::arg("graph"), nb::arg("node_keep").none(), nb::arg("edge_keep").none(), nb::arg("edge_keep_out").none(),
      nb::arg("source"), nb::arg("delta"), nb::arg("progress").none() = nb::none());

  m.def(
      "sssp",
      [](const Graph& g, std::int64_t source, double delta, ProgressCounter* progress) {
        Buffer<double> dist;
        {
          NativeCall call;
          ProgressScope reporting(progress);
          dist = sssp(g, source, delta);
        }
        return to_numpy(std::move(dist));
      },
      nb::arg("graph"), nb::arg("source"), nb::arg("delta"),
      nb::arg("progress").none() = nb::none());
}

}  // namespace fuseflow::bindings
