# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in
# scripts/check_stubs.sh). Scalars in -> a Python float out; any array-like -> float64 arrays.
from typing import Literal, overload

import numpy as np
from numpy.typing import ArrayLike, NDArray

_Errors = Literal["raise", "nan"]

__all__ = ['call_price', 'put_price', 'price', 'greeks', 'implied_volatility']

@overload
def call_price(f: float, k: float, t: float, r: float, sigma: float, *, errors: _Errors = ..., validate: bool = ...) -> float: ...
@overload
def call_price(f: ArrayLike, k: ArrayLike, t: ArrayLike, r: ArrayLike, sigma: ArrayLike, *, errors: _Errors = ..., validate: bool = ...) -> NDArray[np.float64]: ...

@overload
def put_price(f: float, k: float, t: float, r: float, sigma: float, *, errors: _Errors = ..., validate: bool = ...) -> float: ...
@overload
def put_price(f: ArrayLike, k: ArrayLike, t: ArrayLike, r: ArrayLike, sigma: ArrayLike, *, errors: _Errors = ..., validate: bool = ...) -> NDArray[np.float64]: ...

@overload
def price(f: float, k: float, t: float, r: float, sigma: float, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> float: ...
@overload
def price(f: ArrayLike, k: ArrayLike, t: ArrayLike, r: ArrayLike, sigma: ArrayLike, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> NDArray[np.float64]: ...

@overload
def greeks(f: float, k: float, t: float, r: float, sigma: float, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> dict[str, float]: ...
@overload
def greeks(f: ArrayLike, k: ArrayLike, t: ArrayLike, r: ArrayLike, sigma: ArrayLike, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> dict[str, NDArray[np.float64]]: ...

@overload
def implied_volatility(price: float, f: float, k: float, t: float, r: float, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> float: ...
@overload
def implied_volatility(price: ArrayLike, f: ArrayLike, k: ArrayLike, t: ArrayLike, r: ArrayLike, is_call: bool = ..., *, errors: _Errors = ..., validate: bool = ...) -> NDArray[np.float64]: ...
