"""Implied volatility front end: the sigma that reproduces an undiscounted (forward) option price.

``black_implied_volatility(forward_price, f, k, t, is_call=True, *, errors="nan", validate=True)``
    Black model (Black-76 on the forward ``f``; Black-Scholes with ``f = s e^{(r - q) t}`` and
    ``forward_price = price e^{r t}``).
``normal_implied_volatility(forward_price, f, k, t, is_call=True, *, errors="nan", validate=True)``
    Bachelier (normal) model; ``f`` and ``k`` may be zero or negative.

Arguments broadcast like the pricers' (:mod:`fuseflow.finance._common`: any array-like, NumPy
rules, float64 out, a Python float when every input is a Python scalar; ``is_call`` a bool or a
bool array). The solver (C++, src/finance/implied_vol_black.cpp) reduces to the out-of-the-money
option, starts from a closed-form guess in one of four branches and takes Householder steps of
order 3; it reaches |error| <= 1e-12 in sigma for every price strictly inside the bounds in at
most 3 steps (Bachelier: 2).

Results per option:
    * a price strictly inside the no-arbitrage bounds -> its volatility;
    * exactly at intrinsic (``max(F - K, 0)`` for a call, ``max(K - F, 0)`` for a put) -> 0.0;
    * Black, exactly at the upper bound (``F`` for a call, ``K`` for a put) -> ``inf``;
    * outside the bounds, or invalid other inputs -> no volatility: ``errors="nan"`` (the default)
      puts NaN in that slot and solves the rest; ``errors="raise"`` raises ``ValueError`` naming
      the argument, the rule and the first offending index, e.g.
      ``price: is below the intrinsic value max(F - K, 0): no volatility reproduces it, got 19.5
      at index 3 (the first offending element)``.
Rules for the other inputs: Black ``f > 0``, ``k > 0``; both models ``t > 0``; all finite.
``validate=False`` skips the raise checks (the solver itself is total: an option without an
answer is NaN either way). Bachelier has no upper bound.

``names`` (keyword) relabels (price, f, k, t) in error messages for the model wrappers.
"""

from __future__ import annotations

import numpy as np

from .. import _core
from . import _common

_fin = _core.finance
_NAMES = ("price", "f", "k", "t")


def black_implied_volatility(forward_price, f, k, t, is_call=True, *, errors="nan", validate=True, names=_NAMES):
    """Black implied volatility of undiscounted prices; see the module docstring."""
    return _solve(True, forward_price, f, k, t, is_call, errors, validate, names)


def normal_implied_volatility(forward_price, f, k, t, is_call=True, *, errors="nan", validate=True, names=_NAMES):
    """Bachelier (normal) implied volatility of undiscounted prices; see the module docstring."""
    return _solve(False, forward_price, f, k, t, is_call, errors, validate, names)


def _solve(black, price, f, k, t, is_call, errors, validate, names):
    fast = type(errors) is str and errors == "nan" and validate is True  # the default, without a call
    mode = 1 if fast else _common.error_mode(errors, validate)
    if type(price) is float and type(f) is float and type(k) is float and type(t) is float and type(is_call) is bool:
        # One option from plain floats: straight to the C++ solver, no NumPy.
        solve = _fin._black_implied_volatility_scalar if black else _fin._normal_implied_volatility_scalar
        sigma = solve(price, f, k, t, is_call)
        if sigma != sigma and mode == 0:
            _raise(names, _fin._implied_volatility_check(black, price, f, k, t, is_call), ())
        return sigma
    operands, flag, shape, scalar_only = _common.prepare(names, (price, f, k, t), is_call)
    size = 1
    for dim in shape:
        size *= dim
    solve = _fin._black_implied_volatility if black else _fin._normal_implied_volatility
    out, index, argument, rule, value = solve(*operands, flag, size, mode)
    if index >= 0:
        _raise(names, (index, argument, rule, value), shape)
    if scalar_only:
        return float(out[0])
    return out.reshape(shape)


def _raise(names, report, shape):
    index, argument, rule, value = report
    message = f"{names[argument]}: {rule}, got {float(value)!r}"
    if len(shape) == 1:
        message += f" at index {index} (the first offending element)"
    elif len(shape) > 1:
        where = ", ".join(str(int(i)) for i in np.unravel_index(index, shape))
        message += f" at index ({where}) (the first offending element)"
    raise ValueError(message)


__all__ = ["black_implied_volatility", "normal_implied_volatility"]
