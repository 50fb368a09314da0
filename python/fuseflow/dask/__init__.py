"""fuseflow on Dask (optional dependency: ``pip install fuseflow[dask]``, i.e. dask[array,distributed]).

- :class:`ShardedIndex`: exact top-k search over EmbeddingIndex shards held by the workers.

Task functions size fuseflow's OpenMP teams per task (see ``_threads``) so Dask threads and
OpenMP threads do not oversubscribe the cores.
"""

try:
    import dask  # noqa: F401
    import distributed  # noqa: F401
except ImportError as e:  # pragma: no cover - exercised only without the optional dependency
    raise ImportError("fuseflow.dask needs Dask: pip install 'fuseflow[dask]' "
                      "(dask[array,distributed])") from e

from ._threads import task_threads
from ._topk import merge_topk
from .sharded_index import ShardedIndex, shard_of

__all__ = ["ShardedIndex", "merge_topk", "shard_of", "task_threads"]
