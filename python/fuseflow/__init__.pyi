# Typing stub for the fuseflow package (hand-maintained; checked against the runtime by
# mypy.stubtest in scripts/check_stubs.sh). The runtime modules carry no annotations: the
# public surface is typed here and in the sibling .pyi files, _core by nanobind's stubgen.
from . import algorithms as algorithms
from . import finance as finance
from . import generators as generators
from . import jit_cache as jit_cache
from ._version import __version__ as __version__
from ._warnings import ConvergenceError as ConvergenceError
from ._warnings import ConvergenceInfo as ConvergenceInfo
from ._warnings import ConvergenceWarning as ConvergenceWarning
from .dsl import (
    abs as abs, arange as arange, argmax as argmax, argmin as argmin, ceil as ceil, clip as clip,
    converge as converge, cos as cos, dot as dot, erf as erf, erfc as erfc, exp as exp, expm1 as expm1,
    floor as floor, fori_loop as fori_loop, full as full, log as log, log1p as log1p, max as max,
    maximum as maximum, mean as mean, min as min, minimum as minimum, neighbor_agg as neighbor_agg,
    norm as norm, norm_cdf as norm_cdf, relu as relu, round as round, sigmoid as sigmoid, sin as sin,
    sqrt as sqrt, square as square, sum as sum, tanh as tanh, where as where, while_loop as while_loop,
)
from .reductions import (
    all as all, any as any, logsumexp as logsumexp, prod as prod, softmax as softmax, std as std, var as var,
)
from .array_ops import (
    argsort as argsort, bincount as bincount, cummax as cummax, cummin as cummin, cumprod as cumprod,
    cumsum as cumsum, diff as diff, histogram as histogram, median as median, quantile as quantile, sort as sort,
    take as take, top_k as top_k,
)
from .shape_ops import concatenate as concatenate, reshape as reshape, stack as stack
from .graph import Graph as Graph
from .graph_view import GraphView as GraphView
from .index import EmbeddingIndex as EmbeddingIndex
from .io import read_edgelist as read_edgelist
from .io import read_matrix_market as read_matrix_market
from .jit import jit as jit
from .profile import Profile as Profile

def set_num_threads(n: int) -> None: ...
def get_num_threads() -> int: ...
def memory_cache_info() -> dict[str, int]: ...
def clear_memory_cache() -> None: ...

__all__ = [
    "ConvergenceError", "ConvergenceInfo", "ConvergenceWarning", "EmbeddingIndex", "Graph", "GraphView", "Profile",
    "algorithms", "clear_memory_cache", "finance", "generators", "get_num_threads", "jit", "jit_cache",
    "memory_cache_info", "read_edgelist", "read_matrix_market", "set_num_threads", "arange", "argmax", "argmin", "ceil", "clip", "converge", "cos", "dot", "erf", "erfc",
    "exp", "expm1", "floor", "fori_loop", "full", "log", "log1p", "maximum", "mean", "minimum", "neighbor_agg",
    "norm", "norm_cdf", "relu", "sigmoid", "sin", "sqrt", "square", "tanh", "where", "while_loop",
    "argsort", "bincount", "cummax", "cummin", "cumprod", "cumsum", "diff", "histogram", "median",
    "quantile", "sort", "take", "top_k", "prod", "var", "std", "logsumexp", "softmax",
    "concatenate", "reshape", "stack",
]
