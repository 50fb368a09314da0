"""Black-Scholes(-Merton) European options on a spot ``s`` with continuous dividend yield ``q``.

Functions (every argument a scalar or an array, NumPy broadcasting, float64 out; a Python float
when every input is a Python scalar; see :mod:`fuseflow.finance._common` for conversion and
error rules):

``call_price(s, k, t, r, sigma, *, q=0.0, errors="raise", validate=True)``
``put_price(s, k, t, r, sigma, *, q=0.0, errors="raise", validate=True)``
``price(s, k, t, r, sigma, is_call=True, *, q=0.0, errors="raise", validate=True)``
    ``is_call`` may be a bool array. Rules: s > 0, k > 0, t >= 0, sigma > 0, every input finite;
    t = 0 gives the intrinsic value. Prices are exact to ~1e-14 relative (normalised Black form,
    no cancellation out of the money).
``greeks(s, k, t, r, sigma, is_call=True, *, q=0.0, errors="raise", validate=True)``
    dict of arrays, all from one kernel pass: ``delta`` (per 1 of s), ``gamma`` (per 1 of s,
    squared), ``vega`` (per 1.00 of sigma, i.e. 100 vol points), ``theta`` (per year of calendar
    time, -dV/dt), ``rho`` (per 1.00 of r), ``dividend_rho`` (per 1.00 of q), ``vanna``
    (d delta / d sigma), ``volga`` (= ``vomma``, d vega / d sigma), ``charm`` (d delta / d calendar
    time, per year). At t = 0 (no time value left) the greeks are those of the discounted
    intrinsic value max(+-(s e^{-qt} - k e^{-rt}), 0) at t -> 0+: delta 0 or +-1, gamma, vega,
    vanna and volga 0, theta q s - r k (in-the-money call; 0 out of the money).
``implied_volatility(price, s, k, t, r, is_call=True, *, q=0.0, errors="nan")``
    sigma reproducing ``price``; NaN where the price lies outside the no-arbitrage bounds.

The public price functions are C++ functions: called with plain Python floats they price one
option without touching NumPy (~100 ns); any other call goes through the array front end.

Example:
    >>> from fuseflow.finance import black_scholes
    >>> round(black_scholes.call_price(100.0, 100.0, 1.0, 0.05, 0.2), 6)
    10.450584
    >>> round(black_scholes.put_price(100.0, 100.0, 1.0, 0.05, 0.2), 6)
    5.573526
    >>> s = np.array([90.0, 100.0, 110.0])
    >>> black_scholes.price(s, 100.0, 1.0, 0.05, 0.2, np.array([True, False, True])).round(6)
    array([ 5.091222,  5.573526, 17.662954])
"""

from __future__ import annotations

from . import _common

_NAMES = ("s", "k", "t", "r", "q", "sigma")
_MODEL = _common.BLACK_SCHOLES


def _call_price(s, k, t, r, sigma, *, q=0.0, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (s, k, t, r, q, sigma), True, errors, validate)


def _put_price(s, k, t, r, sigma, *, q=0.0, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (s, k, t, r, q, sigma), False, errors, validate)


def _price(s, k, t, r, sigma, is_call=True, *, q=0.0, errors="raise", validate=True):
    return _common.evaluate(_MODEL, _NAMES, (s, k, t, r, q, sigma), is_call, errors, validate)


call_price = _common.register("black_scholes_call_price", _call_price)
put_price = _common.register("black_scholes_put_price", _put_price)
price = _common.register("black_scholes_price", _price)


def greeks(s, k, t, r, sigma, is_call=True, *, q=0.0, errors="raise", validate=True):
    """All greeks in one kernel pass; see the module docstring for keys and units.

    Example:
        >>> from fuseflow.finance import black_scholes
        >>> g = black_scholes.greeks(100.0, 100.0, 1.0, 0.05, 0.2)
        >>> round(g["delta"], 6), round(g["gamma"], 6), round(g["vega"], 4)
        (0.636831, 0.018762, 37.524)
    """
    return _common.evaluate_greeks(_MODEL, _NAMES, (s, k, t, r, q, sigma), is_call, errors, validate)


def implied_volatility(price, s, k, t, r, is_call=True, *, q=0.0, errors="nan", validate=True):
    """sigma reproducing the Black-Scholes ``price`` (NaN where none exists: the price is outside
    the no-arbitrage bounds; ``errors="raise"`` raises instead). Solved on the forward
    ``s e^{(r-q)t}`` with the undiscounted price ``price e^{rt}`` by the Black solver of
    :mod:`fuseflow.finance._implied` (|error| <= 1e-12 in sigma inside the bounds).

    Example:
        >>> from fuseflow.finance import black_scholes
        >>> round(black_scholes.implied_volatility(10.450584, 100.0, 100.0, 1.0, 0.05), 6)
        0.2
        >>> black_scholes.implied_volatility(200.0, 100.0, 100.0, 1.0, 0.05)  # above the spot: no sigma
        nan
    """
    return _common.implied_volatility(
        True, ("price", "s", "k", "t", "r", "q"), price, s, k, t, r, q, is_call, errors, validate, False
    )


__all__ = ["call_price", "put_price", "price", "greeks", "implied_volatility"]
