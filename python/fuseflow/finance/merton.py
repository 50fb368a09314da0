"""Merton (1973): Black-Scholes with a continuous dividend yield ``q`` as a positional argument.

The same model and kernels as :mod:`fuseflow.finance.black_scholes` (which takes ``q=`` as a
keyword); kept under its own name because users look for it.

``call_price(s, k, t, r, q, sigma, *, errors="raise", validate=True)``, ``put_price(...)``,
``price(s, k, t, r, q, sigma, is_call=True, ...)``, ``greeks(s, k, t, r, q, sigma, is_call=True,
...)`` and ``implied_volatility(price, s, k, t, r, q, is_call=True, *, errors="nan")``: rules,
units and keys as in :mod:`fuseflow.finance.black_scholes`.

Example:
    >>> from fuseflow.finance import merton
    >>> round(merton.call_price(100.0, 100.0, 1.0, 0.05, 0.02, 0.2), 6)  # q = 0.02
    9.227006
"""

from __future__ import annotations

from . import _common

_NAMES = ("s", "k", "t", "r", "q", "sigma")
_MODEL = _common.BLACK_SCHOLES


def _call_price(s, k, t, r, q, sigma, *, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (s, k, t, r, q, sigma), True, errors, validate)


def _put_price(s, k, t, r, q, sigma, *, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (s, k, t, r, q, sigma), False, errors, validate)


def _price(s, k, t, r, q, sigma, is_call=True, *, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (s, k, t, r, q, sigma), is_call, errors, validate)


call_price = _common.register("merton_call_price", _call_price)
put_price = _common.register("merton_put_price", _put_price)
price = _common.register("merton_price", _price)


def greeks(s, k, t, r, q, sigma, is_call=True, *, errors="raise", validate=True):
    """All greeks in one kernel pass (keys and units: fuseflow.finance.black_scholes).

    Example:
        >>> from fuseflow.finance import merton
        >>> round(merton.greeks(100.0, 100.0, 1.0, 0.05, 0.02, 0.2)["delta"], 6)
        0.586851
    """
    return _common.evaluate_greeks(_MODEL, _NAMES, (s, k, t, r, q, sigma), is_call, errors, validate)


def implied_volatility(price, s, k, t, r, q, is_call=True, *, errors="nan", validate=True):
    """sigma reproducing the Merton ``price`` (NaN where none exists); see black_scholes.

    Example:
        >>> from fuseflow.finance import merton
        >>> p = merton.call_price(100.0, 100.0, 1.0, 0.05, 0.02, 0.2)
        >>> round(merton.implied_volatility(p, 100.0, 100.0, 1.0, 0.05, 0.02), 6)
        0.2
    """
    return _common.implied_volatility(
        True, ("price", "s", "k", "t", "r", "q"), price, s, k, t, r, q, is_call, errors, validate, False
    )


__all__ = ["call_price", "put_price", "price", "greeks", "implied_volatility"]
