"""fuseflow: trace Python array and graph programs once, run them fused and native."""

import os as _os

# Development: FUSEFLOW_DEV_BUILD=<cmake build dir>/python imports the extension from a build
# tree, so tests can run against a fresh build without reinstalling.
_dev_build = _os.environ.get("FUSEFLOW_DEV_BUILD")
if _dev_build:
    __path__.insert(0, _dev_build)  # noqa: F821 (package __path__)

from . import _core  # noqa: E402
from ._core import get_num_threads, set_num_threads  # noqa: E402
from .graph import Graph  # noqa: E402
from .index import EmbeddingIndex  # noqa: E402
from .io import read_edgelist, read_matrix_market  # noqa: E402
from . import algorithms, generators  # noqa: E402

__version__ = "0.1.0"

__all__ = [
    "EmbeddingIndex",
    "Graph",
    "algorithms",
    "generators",
    "get_num_threads",
    "read_edgelist",
    "read_matrix_market",
    "set_num_threads",
]
