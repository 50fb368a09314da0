# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in
# scripts/check_stubs.sh). Scalars in -> a Python float out; any array-like -> float64 arrays.
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

_Errors = Literal["raise", "nan"]

__all__ = ["black_implied_volatility", "normal_implied_volatility"]

@overload
def black_implied_volatility(forward_price: float, f: float, k: float, t: float, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ..., names: tuple[str, str, str, str] = ...) -> float: ...
@overload
def black_implied_volatility(forward_price: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ..., names: tuple[str, str, str, str] = ...) -> NDArray[np.float64]: ...

@overload
def normal_implied_volatility(forward_price: float, f: float, k: float, t: float, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ..., names: tuple[str, str, str, str] = ...) -> float: ...
@overload
def normal_implied_volatility(forward_price: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ..., names: tuple[str, str, str, str] = ...) -> NDArray[np.float64]: ...
