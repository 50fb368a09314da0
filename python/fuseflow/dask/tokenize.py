"""Deterministic Dask tokens for fuseflow objects (``dask.base.tokenize``).

Registered with ``normalize_token`` here so the core classes need no Dask import:

- ``EmbeddingIndex``: its metric, dim and a SHA-256 of its binary format (the pickle bytes), so
  equal contents give equal tokens and an add/remove changes the token (an index is mutable);
- ``Graph``: the same over its binary format (a graph is immutable, computed once per object);
- ``ff.jit`` functions: module, qualified name and Dask's token of the Python function.
"""

import hashlib
import weakref

from dask.base import normalize_token

from ..graph import Graph
from ..index import EmbeddingIndex
from ..jit import JitFunction

_graph_tokens = weakref.WeakKeyDictionary()


def _digest(obj):
    reducer, args = obj.__reduce__()
    h = hashlib.sha256()
    for a in args:
        if isinstance(a, (bytes, bytearray)):
            h.update(a)
        else:
            h.update(repr(a).encode())
    return h.hexdigest()


@normalize_token.register(EmbeddingIndex)
def _tokenize_index(index):
    return ("fuseflow.EmbeddingIndex", index.metric, index.dim, _digest(index))


@normalize_token.register(Graph)
def _tokenize_graph(graph):
    token = _graph_tokens.get(graph)
    if token is None:
        token = ("fuseflow.Graph", graph.num_nodes, graph.num_edges, _digest(graph))
        _graph_tokens[graph] = token
    return token


@normalize_token.register(JitFunction)
def _tokenize_jit(f):
    fn = f._fn
    return ("fuseflow.jit", getattr(fn, "__module__", None), getattr(fn, "__qualname__", None), normalize_token(fn))
