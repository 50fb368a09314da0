"""Bachelier (normal) model: European options on a forward ``f`` with normal volatility ``sigma``
(absolute units of f per sqrt(year)), discounted at ``r``.

f and k may be zero or negative (rates, spreads). Rules: t >= 0, sigma > 0, every input finite;
t = 0 gives the discounted intrinsic value. The time value is computed as
s (phi(z) - z N(-z)), z = |f - k| / s, through erfcx, without the cancellation of the textbook form.

Functions (broadcasting and error rules: :mod:`fuseflow.finance._common`):
``call_price(f, k, t, r, sigma, *, errors="raise", validate=True)``, ``put_price(...)``,
``price(f, k, t, r, sigma, is_call=True, ...)``,
``greeks(f, k, t, r, sigma, is_call=True, ...)`` -> dict of arrays from one kernel pass:
    ``delta`` is d price / d f, ``gamma`` per 1 of f squared, ``vega`` per 1 of the normal vol,
    ``rho`` = d price / d r with f fixed (= -t price); no ``dividend_rho``.
    Other keys and units as in :mod:`fuseflow.finance.black_scholes` (theta per year of calendar
    time, vega/volga per 1.00 of sigma, ``vomma`` = ``volga``).
``implied_volatility(price, f, k, t, r, is_call=True, *, errors="nan")``.

Example:
    >>> from fuseflow.finance import bachelier
    >>> round(bachelier.call_price(0.02, 0.015, 1.0, 0.0, 0.01), 6)  # a rate option, 100 bp normal vol
    0.006978
"""

from __future__ import annotations

from . import _common

_NAMES = ("f", "k", "t", "r", "q", "sigma")
_MODEL = _common.BACHELIER


def _call_price(f, k, t, r, sigma, *, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (f, k, t, r, 0.0, sigma), True, errors, validate)


def _put_price(f, k, t, r, sigma, *, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (f, k, t, r, 0.0, sigma), False, errors, validate)


def _price(f, k, t, r, sigma, is_call=True, *, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (f, k, t, r, 0.0, sigma), is_call, errors, validate)


call_price = _common.register("bachelier_call_price", _call_price)
put_price = _common.register("bachelier_put_price", _put_price)
price = _common.register("bachelier_price", _price)


def greeks(f, k, t, r, sigma, is_call=True, *, errors="raise", validate=True):
    """All greeks in one kernel pass; see the module docstring for keys and units.

    Example:
        >>> from fuseflow.finance import bachelier
        >>> round(bachelier.greeks(0.02, 0.015, 1.0, 0.0, 0.01)["delta"], 6)
        0.691462
    """
    return _common.evaluate_greeks(_MODEL, _NAMES, (f, k, t, r, 0.0, sigma), is_call, errors, validate)


def implied_volatility(price, f, k, t, r, is_call=True, *, errors="nan", validate=True):
    """Normal (Bachelier) volatility reproducing ``price`` (NaN where none exists: below the
    discounted intrinsic value; ``errors="raise"`` raises instead).

    Example:
        >>> from fuseflow.finance import bachelier
        >>> p = bachelier.call_price(0.02, 0.015, 1.0, 0.0, 0.01)
        >>> round(bachelier.implied_volatility(p, 0.02, 0.015, 1.0, 0.0), 6)
        0.01
    """
    return _common.implied_volatility(
        False, ("price", "f", "k", "t", "r", "q"), price, f, k, t, r, 0.0, is_call, errors, validate, True
    )


__all__ = ["call_price", "put_price", "price", "greeks", "implied_volatility"]
