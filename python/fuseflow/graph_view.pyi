# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in scripts/check_stubs.sh).
from collections.abc import Hashable, Sequence
from typing import Any

import numpy as np
from numpy.typing import ArrayLike, NDArray

from . import _core
from .graph import Graph

class GraphView(Graph):
    def __init__(self, _native: _core.Graph | None, _labels: Sequence[Hashable] | object | None, base: Graph,
                 node_ids: NDArray[np.int64] | None, edge_ids: NDArray[np.int64] | None, how: str,
                 _pending: Any = None) -> None: ...
    def materialize(self) -> GraphView: ...
    @property
    def materialized(self) -> bool: ...
    @property
    def base(self) -> Graph: ...
    @property
    def node_ids(self) -> NDArray[np.int64]: ...
    @property
    def edge_ids(self) -> NDArray[np.int64]: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

