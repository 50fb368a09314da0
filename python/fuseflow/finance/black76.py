"""Black (1976): European options on a forward or futures price ``f``, discounted at ``r``.

Rules: f > 0, k > 0, t >= 0, sigma > 0, every input finite; t = 0 gives the discounted
intrinsic value. Prices use the same exact normalised-Black kernel as Black-Scholes.

Functions (broadcasting and error rules: :mod:`fuseflow.finance._common`):
``call_price(f, k, t, r, sigma, *, errors="raise", validate=True)``, ``put_price(...)``,
``price(f, k, t, r, sigma, is_call=True, ...)``,
``greeks(f, k, t, r, sigma, is_call=True, ...)`` -> dict of arrays from one kernel pass:
    ``delta`` is d price / d f (per 1 of f), ``gamma`` per 1 of f squared; ``rho`` is d price / d r with
    f held fixed (= -t price); no ``dividend_rho``.
    Other keys and units as in :mod:`fuseflow.finance.black_scholes` (theta per year of calendar
    time, vega/volga per 1.00 of sigma, ``vomma`` = ``volga``).
``implied_volatility(price, f, k, t, r, is_call=True, *, errors="nan")``.

Example:
    >>> from fuseflow.finance import black76
    >>> round(black76.call_price(100.0, 100.0, 1.0, 0.05, 0.2), 6)
    7.577082
"""

from __future__ import annotations

from . import _common

_NAMES = ("f", "k", "t", "r", "q", "sigma")
_MODEL = _common.BLACK76


def _call_price(f, k, t, r, sigma, *, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (f, k, t, r, 0.0, sigma), True, errors, validate)


def _put_price(f, k, t, r, sigma, *, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (f, k, t, r, 0.0, sigma), False, errors, validate)


def _price(f, k, t, r, sigma, is_call=True, *, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (f, k, t, r, 0.0, sigma), is_call, errors, validate)


call_price = _common.register("black76_call_price", _call_price)
put_price = _common.register("black76_put_price", _put_price)
price = _common.register("black76_price", _price)


def greeks(f, k, t, r, sigma, is_call=True, *, errors="raise", validate=True):
    """All greeks in one kernel pass; see the module docstring for keys and units.

    Example:
        >>> from fuseflow.finance import black76
        >>> round(black76.greeks(100.0, 100.0, 1.0, 0.05, 0.2)["delta"], 6)
        0.5135
    """
    return _common.evaluate_greeks(_MODEL, _NAMES, (f, k, t, r, 0.0, sigma), is_call, errors, validate)


def implied_volatility(price, f, k, t, r, is_call=True, *, errors="nan", validate=True):
    """sigma reproducing the Black-76 ``price`` of an option on the forward ``f`` (NaN where none
    exists: outside the no-arbitrage bounds; ``errors="raise"`` raises instead).

    Example:
        >>> from fuseflow.finance import black76
        >>> p = black76.put_price(100.0, 95.0, 0.5, 0.03, 0.25)
        >>> round(black76.implied_volatility(p, 100.0, 95.0, 0.5, 0.03, False), 6)
        0.25
    """
    return _common.implied_volatility(
        True, ("price", "f", "k", "t", "r", "q"), price, f, k, t, r, 0.0, is_call, errors, validate, True
    )


__all__ = ["call_price", "put_price", "price", "greeks", "implied_volatility"]
