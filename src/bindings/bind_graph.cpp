#include <nanobind/stl/optional.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/shared_ptr.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include "bindings.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/progress.h"
#include "fuseflow/graph/edge_list_reader.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/graph/graph_file.h"
#include "fuseflow/graph/graph_mask.h"
#include "fuseflow/graph/matrix_market_reader.h"
#include "fuseflow/graph/rmat.h"

namespace fuseflow::bindings {
namespace {

std::shared_ptr<Graph> graph_from_edges(const AnyArray1D& src, const AnyArray1D& dst, std::int64_t num_nodes,
                                        std::optional<AnyArray1D> weights, ProgressCounter* progress) {
  EdgeListView view;
  for (auto [name, arr] : {std::pair{"src", &src}, std::pair{"dst", &dst}}) {
    if (!has_dtype<std::int32_t>(*arr) && !has_dtype<std::int64_t>(*arr)) {
      throw_type_error(name, "node ids must be an int32 or int64 array, got " + dtype_name(arr->dtype()));
    }
  }
  if (src.dtype() != dst.dtype()) throw_type_error("dst", "must have the same dtype as src");
  if (has_dtype<std::int32_t>(src)) {
    view.src32 = as_span<std::int32_t>(src);
    view.dst32 = as_span<std::int32_t>(dst);
  } else {
    view.src64 = as_span<std::int64_t>(src);
    view.dst64 = as_span<std::int64_t>(dst);
  }
  if (weights) {
    if (!has_dtype<double>(*weights)) throw_type_error("weights", "must be a float64 array");
    view.weights = as_span<double>(*weights);
  }
  std::shared_ptr<const Graph> g;
  {
    NativeCall call;  // GIL released, Ctrl-C polled by the build's long loops
    ProgressScope reporting(progress);
    g = Graph::from_edges(view, num_nodes);
  }
  return std::const_pointer_cast<Graph>(g);
}

// The loaders return a const graph; the Python class wraps it read-only like from_edges.
std::shared_ptr<Graph> adopt(std::shared_ptr<const Graph> g) { return std::const_pointer_cast<Graph>(std::move(g)); }

// Paths arrive as bytes (os.fsencode in Python): any file name the OS accepts, UTF-8 or not.
std::string path_string(const nb::bytes& path) { return std::string(path.c_str(), path.size()); }

// Python passes single characters as str; '' means "none" (whitespace delimiter / no comments).
char single_char(const std::string& value, const char* name) {
  if (value.size() > 1) throw_value_error(name, "must be a single character or empty, got '" + value + "'");
  return value.empty() ? '\0' : value[0];
}

}  // namespace

void bind_graph(nb::module_& m) {
  // Polled by fuseflow._progress from a Python thread while a native call runs with the GIL
  // released; the call writes it through ProgressScope (include/fuseflow/core/progress.h).
  nb::class_<ProgressCounter>(m, "ProgressCounter", "Progress of one native call (stage, done, total, residual).")
      .def(nb::init<>())
      .def_prop_ro("stage", &ProgressCounter::stage, "Stage of the call (-1 before it starts).")
      .def_prop_ro("done", &ProgressCounter::done, "Units done in the current stage.")
      .def_prop_ro("total", &ProgressCounter::total, "Units in the current stage (0: unknown).")
      .def_prop_ro("residual", &ProgressCounter::residual, "Last iteration's residual (NaN: none).")
      .def("stage_total", &ProgressCounter::stage_total, nb::arg("stage"), "The total stage `stage` began with (0: not reached).");

  nb::class_<Graph>(m, "Graph", "Immutable CSR + CSC multigraph (use fuseflow.Graph).")
      .def_prop_ro("num_nodes", &Graph::num_nodes)
      .def_prop_ro("num_edges", &Graph::num_edges)
      .def_prop_ro("has_weights", &Graph::has_weights)
      .def("memory_bytes", &Graph::memory_bytes)
      .def("out_degree", [](const Graph& g) { return view_numpy(g.out_degree(), nb::find(&g)); })
      .def("in_degree", [](const Graph& g) { return view_numpy(g.in_degree(), nb::find(&g)); })
      .def("out_offsets", [](const Graph& g) { return view_numpy(g.out_offsets(), nb::find(&g)); })
      .def("out_targets", [](const Graph& g) { return view_numpy(g.out_targets(), nb::find(&g)); })
      .def("out_weights", [](const Graph& g) { return view_numpy(g.out_weights(), nb::find(&g)); })
      .def("in_offsets", [](const Graph& g) { return view_numpy(g.in_offsets(), nb::find(&g)); })
      .def("in_sources", [](const Graph& g) { return view_numpy(g.in_sources(), nb::find(&g)); })
      .def("in_weights", [](const Graph& g) { return view_numpy(g.in_weights(), nb::find(&g)); })
      .def("user_order_weights", [](const Graph& g) {
        std::span<const double> w;
        {
          nb::gil_scoped_release release;
          w = g.user_order_weights();
        }
        return view_numpy(w, nb::find(&g));
      })
      .def("user_order_edges", [](const Graph& g) {
        Buffer<NodeId> src, dst;
        {
          nb::gil_scoped_release release;
          g.user_order_edges(src, dst);
        }
        return std::make_pair(to_numpy(std::move(src)), to_numpy(std::move(dst)));
      })
      .def_prop_ro("user_order_is_csr", &Graph::user_order_is_csr)
      .def("out_sources", [](const Graph& g) {
        std::span<const NodeId> s;
        {
          nb::gil_scoped_release release;
          s = g.out_sources();
        }
        return view_numpy(s, nb::find(&g));
      });

  m.def("graph_from_edges", &graph_from_edges, nb::arg("src"), nb::arg("dst"), nb::arg("num_nodes"),
        nb::arg("weights").none(), nb::arg("progress").none() = nb::none());

  // Graph::reversed: None when the graph's user edge order is not its CSR order.
  m.def(
      "graph_reversed",
      [](const std::shared_ptr<Graph>& g) -> std::shared_ptr<Graph> {
        std::shared_ptr<const Graph> r;
        {
          NativeCall call;
          r = Graph::reversed(g);
        }
        return r ? adopt(std::move(r)) : nullptr;
      },
      nb::arg("graph"), nb::sig("def graph_reversed(graph: Graph) -> Graph | None"));

  // Graph::subgraph; the masks are bool arrays (None: keep all), checked in Python.
  m.def(
      "graph_subgraph",
      [](const std::shared_ptr<Graph>& g, std::optional<AnyArray1D> node_keep, std::optional<AnyArray1D> edge_keep) {
        const std::span<const std::uint8_t> nodes = mask_bytes(node_keep, "node_mask");
        const std::span<const std::uint8_t> edges = mask_bytes(edge_keep, "edge_mask");
        std::shared_ptr<const Graph> r;
        Buffer<EdgeOffset> edge_ids;
        {
          NativeCall call;
          r = Graph::subgraph(*g, nodes, edges, edge_ids);
        }
        return std::make_pair(adopt(std::move(r)), to_numpy(std::move(edge_ids)));
      },
      nb::arg("graph"), nb::arg("node_keep").none(), nb::arg("edge_keep").none());

  m.def(
      "graph_masked_size",
      [](const Graph& g, std::optional<AnyArray1D> node_keep, std::optional<AnyArray1D> edge_keep) {
        const GraphMask mask = view_mask(node_keep, edge_keep);
        MaskedSize size;
        {
          NativeCall call;
          size = masked_size(g, mask);
        }
        return std::make_pair(size.kept_nodes, size.kept_edges);
      },
      nb::arg("graph"), nb::arg("node_keep").none(), nb::arg("edge_keep").none());

  m.def(
      "graph_masked_has_edge",
      [](const Graph& g, std::optional<AnyArray1D> node_keep, std::optional<AnyArray1D> edge_keep) {
        const GraphMask mask = view_mask(node_keep, edge_keep);
        NativeCall call;
        return has_kept_edge(g, mask);
      },
      nb::arg("graph"), nb::arg("node_keep").none(), nb::arg("edge_keep").none());

  m.def(
      "graph_edge_keep_by_position",
      [](const Graph& g, AnyArray1D edge_keep, bool in_edges) {
        const std::span<const std::uint8_t> keep = mask_bytes(edge_keep, "edge_mask");
        Buffer<std::uint8_t> out;
        {
          NativeCall call;
          out = edge_keep_by_position(g, keep, in_edges);
        }
        return to_numpy(std::move(out));
      },
      nb::arg("graph"), nb::arg("edge_keep"), nb::arg("in_edges"));

  m.def(
      "graph_undirected",
      [](const std::shared_ptr<Graph>& g) {
        std::shared_ptr<const Graph> r;
        Buffer<EdgeOffset> edge_ids;
        {
          NativeCall call;
          r = Graph::undirected(*g, edge_ids);
        }
        return std::make_pair(adopt(std::move(r)), to_numpy(std::move(edge_ids)));
      },
      nb::arg("graph"));

  m.def(
      "read_edgelist",
      [](const nb::bytes& path, const std::string& delimiter, const std::string& comment, bool weighted,
         std::int64_t skip_rows, std::int64_t num_nodes, ProgressCounter* progress) {
        EdgeListFormat format;
        format.delimiter = single_char(delimiter, "delimiter");
        format.comment = single_char(comment, "comment");
        format.weighted = weighted;
        format.skip_rows = skip_rows;
        const std::string p = path_string(path);
        std::shared_ptr<const Graph> g;
        {
          NativeCall call;
          ProgressScope reporting(progress);
          g = read_edge_list(p, format, num_nodes);
        }
        return adopt(std::move(g));
      },
      nb::arg("path"), nb::arg("delimiter"), nb::arg("comment"), nb::arg("weighted"), nb::arg("skip_rows"),
      nb::arg("num_nodes"), nb::arg("progress").none() = nb::none());

  m.def(
      "read_matrix_market",
      [](const nb::bytes& path, ProgressCounter* progress) {
        const std::string p = path_string(path);
        std::shared_ptr<const Graph> g;
        {
          NativeCall call;
          ProgressScope reporting(progress);
          g = read_matrix_market(p);
        }
        return adopt(std::move(g));
      },
      nb::arg("path"), nb::arg("progress").none() = nb::none());

  m.def(
      "save_graph",
      [](const Graph& g, const nb::bytes& path) {
        const std::string p = path_string(path);
        NativeCall call;
        save_graph(g, p);
      },
      nb::arg("graph"), nb::arg("path"));

  m.def(
      "load_graph",
      [](const nb::bytes& path) {
        const std::string p = path_string(path);
        std::shared_ptr<const Graph> g;
        {
          NativeCall call;
          g = load_graph(p);
        }
        return adopt(std::move(g));
      },
      nb::arg("path"));

  m.def(
      "rmat",
      [](int scale, std::int64_t edge_factor, double a, double b, double c, std::uint64_t seed, bool scramble) {
        RmatEdges edges;
        {
          NativeCall call;
          edges = generate_rmat(scale, edge_factor, a, b, c, seed, scramble);
        }
        return std::make_pair(to_numpy(std::move(edges.src)), to_numpy(std::move(edges.dst)));
      },
      nb::arg("scale"), nb::arg("edge_factor"), nb::arg("a"), nb::arg("b"), nb::arg("c"), nb::arg("seed"),
      nb::arg("scramble"));
}

}  // namespace fuseflow::bindings
