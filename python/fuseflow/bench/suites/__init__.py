"""The suites, in the order a full run takes them. Each module has DESCRIPTION and run(ctx)."""

from . import arrays, boundary, finance, fusion, graph, graph_library, index, loading, memory, ndarray

SUITES = {
    "boundary": boundary,
    "arrays": arrays,
    "ndarray": ndarray,
    "graph": graph,
    "graph_library": graph_library,
    "index": index,
    "finance": finance,
    "loading": loading,
    "memory": memory,
    "fusion": fusion,
}
