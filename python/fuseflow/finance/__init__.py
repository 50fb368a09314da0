"""fuseflow.finance: batched option pricing that is exact and fast at every size.

Models, each a module with the same function names (``call_price``, ``put_price``, ``price``,
``greeks``, ``implied_volatility``):
:mod:`black_scholes` (``q=`` keyword), :mod:`merton` (q positional), :mod:`black76` (futures),
:mod:`bachelier` (normal model, f and k may be <= 0), :mod:`digital` (cash-or-nothing and
asset-or-nothing under Black-Scholes), :mod:`american` (QD-FP by default, Bjerksund-Stensland,
binomial trees, the exercise boundary).

Implied volatility on forwards directly: :func:`black_implied_volatility` and
:func:`normal_implied_volatility` (undiscounted prices; see :mod:`fuseflow.finance._implied`).

Every argument may be a scalar or an array (NumPy broadcasting, float64 out); a call with only
Python floats returns a Python float through a C++ fast path. Invalid inputs raise ValueError
naming the argument, the rule and the first offending index (``errors="nan"`` puts NaN there
instead; ``validate=False`` skips the checks). See :mod:`fuseflow.finance._common`.
"""

from . import american, bachelier, black76, black_scholes, digital, merton
from ._implied import black_implied_volatility, normal_implied_volatility

__all__ = [
    "american", "bachelier", "black76", "black_scholes", "digital", "merton", "black_implied_volatility",
    "normal_implied_volatility",
]
