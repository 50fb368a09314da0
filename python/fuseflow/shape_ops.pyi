# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in scripts/check_stubs.sh).
from collections.abc import Sequence
from typing import Any

from numpy.typing import ArrayLike, NDArray

__all__ = ["reshape", "concatenate", "stack"]

def reshape(x: ArrayLike, *shape: Any, order: str = "C") -> NDArray[Any]: ...
def concatenate(arrays: Sequence[ArrayLike], axis: int = 0) -> NDArray[Any]: ...
def stack(arrays: Sequence[ArrayLike], axis: int = 0) -> NDArray[Any]: ...
