# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in
# scripts/check_stubs.sh). Scalars in -> a Python float out; any array-like -> float64 arrays.
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

_Errors = Literal["raise", "nan"]

__all__ = ['call_price', 'put_price', 'price', 'greeks', 'implied_volatility']

@overload
def call_price(s: float, k: float, t: float, r: float, q: float, sigma: float, *, errors: _Errors = ..., validate: bool = ...) -> float: ...
@overload
def call_price(s: ArrayLike, k: ArrayLike, t: ArrayLike, r: ArrayLike, q: ArrayLike, sigma: ArrayLike, *, errors: _Errors = ..., validate: bool = ...) -> NDArray[np.float64]: ...

@overload
def put_price(s: float, k: float, t: float, r: float, q: float, sigma: float, *, errors: _Errors = ..., validate: bool = ...) -> float: ...
@overload
def put_price(s: ArrayLike, k: ArrayLike, t: ArrayLike, r: ArrayLike, q: ArrayLike, sigma: ArrayLike, *, errors: _Errors = ..., validate: bool = ...) -> NDArray[np.float64]: ...

@overload
def price(s: float, k: float, t: float, r: float, q: float, sigma: float, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> float: ...
@overload
def price(s: ArrayLike, k: ArrayLike, t: ArrayLike, r: ArrayLike, q: ArrayLike, sigma: ArrayLike, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> NDArray[np.float64]: ...

@overload
def greeks(s: float, k: float, t: float, r: float, q: float, sigma: float, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> dict[str, float]: ...
@overload
def greeks(s: ArrayLike, k: ArrayLike, t: ArrayLike, r: ArrayLike, q: ArrayLike, sigma: ArrayLike, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> dict[str, NDArray[np.float64]]: ...

@overload
def implied_volatility(price: float, s: float, k: float, t: float, r: float, q: float, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> float: ...
@overload
def implied_volatility(price: ArrayLike, s: ArrayLike, k: ArrayLike, t: ArrayLike, r: ArrayLike, q: ArrayLike, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> NDArray[np.float64]: ...
