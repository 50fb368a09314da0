"""fuseflow on Dask (optional dependency: ``pip install fuseflow[dask]``, i.e. dask[array,distributed]).

- :class:`ShardedIndex`: exact top-k search over EmbeddingIndex shards held by the workers.
- :func:`map_jit` / :func:`jit_call`: ff.jit programs over Dask arrays (blockwise maps and tree
  reductions whose steps are fuseflow programs split from the traced IR).
- ``ff.finance`` prices and greeks with Dask arguments are lazy Dask arrays priced blockwise
  (:mod:`fuseflow.dask.finance`; the European models and digitals).
- deterministic ``dask.base.tokenize`` of Graph, EmbeddingIndex and ff.jit functions.

Task functions size fuseflow's OpenMP teams per task (see ``_threads``) so Dask threads and
OpenMP threads do not oversubscribe the cores.
"""

try:
    import dask  # noqa: F401
    import distributed  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised only without the optional dependency
    raise ImportError("fuseflow.dask needs Dask: pip install 'fuseflow[dask]' "
                      "(dask[array,distributed])") from e

from . import tokenize as _tokenize  # noqa: F401 (registers normalize_token handlers)
from ._threads import task_threads
from .arrays import SplitError, jit_call, map_jit
from ._topk import merge_topk
from .sharded_index import ShardedIndex, shard_of

__all__ = ["ShardedIndex", "SplitError", "jit_call", "map_jit", "merge_topk", "shard_of", "task_threads"]
