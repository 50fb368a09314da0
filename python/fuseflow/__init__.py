"""fuseflow: trace Python array and graph programs once, run them fused and native."""

import os as _os

# Development: FUSEFLOW_DEV_BUILD=<cmake build dir>/python imports the extension from a build
# tree, so tests can run against a fresh build without reinstalling.
_dev_build = _os.environ.get("FUSEFLOW_DEV_BUILD")
if _dev_build:
    __path__.insert(0, _dev_build)  # noqa: F821 (package __path__)

from . import _core  # noqa: E402
from ._core import clear_memory_cache, get_num_threads, memory_cache_info, set_num_threads  # noqa: E402
from ._warnings import ConvergenceError, ConvergenceInfo, ConvergenceWarning  # noqa: E402
from .graph import Graph  # noqa: E402
from .graph_view import GraphView  # noqa: E402
from .index import EmbeddingIndex  # noqa: E402
from .io import read_edgelist, read_matrix_market  # noqa: E402
from . import algorithms, finance, generators, jit_cache  # noqa: E402
from .jit import jit  # noqa: E402
from .profile import Profile  # noqa: E402
from .dsl import (  # noqa: E402,A004 (ff.abs/ff.sum/... mirror NumPy names on purpose)
    abs, arange, argmax, argmin, ceil, clip, converge, cos, dot, erf, erfc, exp, expm1, floor,
    fori_loop, full, log, log1p, max, maximum, mean, min, minimum, neighbor_agg, norm, norm_cdf,
    relu, round, sigmoid, sin, sqrt, square, sum, tanh, where, while_loop,
)
from .reductions import all, any, logsumexp, prod, softmax, std, var  # noqa: E402,A004
from .array_ops import (  # noqa: E402 (native kernels on NumPy arrays, and steps inside ff.jit)
    argsort, bincount, cummax, cummin, cumprod, cumsum, diff, histogram, median, quantile, sort, take, top_k,
)

from .shape_ops import concatenate, reshape, stack  # noqa: E402

from ._version import __version__

# ff.abs/min/max/round/sum/any/all exist too but stay out of __all__: `from fuseflow import *` must not
# shadow Python's builtins.
_DSL_NAMES = [
    "arange", "argmax", "argmin", "ceil", "clip", "converge", "cos", "dot", "erf", "erfc", "exp",
    "expm1", "floor", "fori_loop", "full", "log", "log1p", "maximum", "mean", "minimum",
    "neighbor_agg", "norm", "norm_cdf", "relu", "sigmoid", "sin", "sqrt", "square", "tanh", "where",
    "while_loop", "prod", "var", "std", "logsumexp", "softmax",
]
_ARRAY_OP_NAMES = [
    "argsort", "bincount", "cummax", "cummin", "cumprod", "cumsum", "diff", "histogram", "median",
    "quantile", "sort", "take", "top_k",
]
_SHAPE_OP_NAMES = ["concatenate", "reshape", "stack"]

__all__ = [
    "ConvergenceError", "ConvergenceInfo", "ConvergenceWarning", "EmbeddingIndex", "Graph", "GraphView", "Profile",
    "algorithms", "clear_memory_cache", "finance", "generators", "get_num_threads", "jit", "jit_cache",
    "memory_cache_info", "read_edgelist", "read_matrix_market", "set_num_threads",
] + _DSL_NAMES + _ARRAY_OP_NAMES + _SHAPE_OP_NAMES

# What `dir(ff)` and tab completion show: the public API, not the modules it is built from
# (ff.dsl, ff.io, ...) nor private names. Those stay importable for whoever needs them.
_PUBLIC = sorted(set(__all__) | {"__version__", "abs", "all", "any", "max", "min", "round", "sum"})


def __dir__():
    return list(_PUBLIC)
