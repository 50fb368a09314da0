"""batched option pricing kernels (src/finance)"""

from typing import overload


MIN_OPTIONS_PER_THREAD: int = ...

@overload
def black_scholes_call_price(s: float, k: float, t: float, r: float, sigma: float, *, q: float = ...) -> float: ...

@overload
def black_scholes_call_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def black_scholes_put_price(s: float, k: float, t: float, r: float, sigma: float, *, q: float = ...) -> float: ...

@overload
def black_scholes_put_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def black_scholes_price(s: float, k: float, t: float, r: float, sigma: float, is_call: bool = ..., *, q: float = ...) -> float: ...

@overload
def black_scholes_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def merton_call_price(s: float, k: float, t: float, r: float, q: float, sigma: float) -> float: ...

@overload
def merton_call_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def merton_put_price(s: float, k: float, t: float, r: float, q: float, sigma: float) -> float: ...

@overload
def merton_put_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def merton_price(s: float, k: float, t: float, r: float, q: float, sigma: float, is_call: bool = ...) -> float: ...

@overload
def merton_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def black76_call_price(f: float, k: float, t: float, r: float, sigma: float) -> float: ...

@overload
def black76_call_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def black76_put_price(f: float, k: float, t: float, r: float, sigma: float) -> float: ...

@overload
def black76_put_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def black76_price(f: float, k: float, t: float, r: float, sigma: float, is_call: bool = ...) -> float: ...

@overload
def black76_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def bachelier_call_price(f: float, k: float, t: float, r: float, sigma: float) -> float: ...

@overload
def bachelier_call_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def bachelier_put_price(f: float, k: float, t: float, r: float, sigma: float) -> float: ...

@overload
def bachelier_put_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def bachelier_price(f: float, k: float, t: float, r: float, sigma: float, is_call: bool = ...) -> float: ...

@overload
def bachelier_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def digital_cash_call_price(s: float, k: float, t: float, r: float, sigma: float, *, q: float = ...) -> float: ...

@overload
def digital_cash_call_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def digital_cash_put_price(s: float, k: float, t: float, r: float, sigma: float, *, q: float = ...) -> float: ...

@overload
def digital_cash_put_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def digital_cash_price(s: float, k: float, t: float, r: float, sigma: float, is_call: bool = ..., *, q: float = ...) -> float: ...

@overload
def digital_cash_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def digital_asset_call_price(s: float, k: float, t: float, r: float, sigma: float, *, q: float = ...) -> float: ...

@overload
def digital_asset_call_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def digital_asset_put_price(s: float, k: float, t: float, r: float, sigma: float, *, q: float = ...) -> float: ...

@overload
def digital_asset_put_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

@overload
def digital_asset_price(s: float, k: float, t: float, r: float, sigma: float, is_call: bool = ..., *, q: float = ...) -> float: ...

@overload
def digital_asset_price(*args, **kwargs) -> object:
    """Public pricing function; documented in its fuseflow.finance module."""

MIN_IMPLIED_VOLS_PER_THREAD: int = ...
