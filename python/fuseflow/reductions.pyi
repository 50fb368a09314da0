# Typing stub (hand-maintained; checked by mypy.stubtest): the reductions are typed once in
# dsl.pyi, which re-exports them as ff.* does; any/all live only here (dsl.py uses the builtins).
from typing import Any, Literal, overload

import numpy as np
from numpy.typing import ArrayLike

from .dsl import (
    argmax as argmax, argmin as argmin, dot as dot, logsumexp as logsumexp, max as max, mean as mean, min as min,
    norm as norm, prod as prod, softmax as softmax, std as std, sum as sum, var as var,
)

__all__ = ["sum", "mean", "min", "max", "prod", "any", "all", "argmin", "argmax", "var", "std", "dot",
           "norm", "logsumexp", "softmax"]

@overload
def any(x: ArrayLike, axis: None = None, keepdims: Literal[False] = False) -> np.bool_: ...
@overload
def any(x: ArrayLike, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Any: ...
@overload
def all(x: ArrayLike, axis: None = None, keepdims: Literal[False] = False) -> np.bool_: ...
@overload
def all(x: ArrayLike, axis: int | tuple[int, ...] | None = None, keepdims: bool = False) -> Any: ...
