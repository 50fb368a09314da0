"""Digital (binary) European options under Black-Scholes with dividend yield ``q``.

Two payoffs, chosen by ``kind``:
- ``"cash"`` (cash-or-nothing): pays 1 if the option ends in the money; price e^{-rt} N(+-d2).
- ``"asset"`` (asset-or-nothing): pays the asset; price s e^{-qt} N(+-d1).

Functions (broadcasting and error rules: :mod:`fuseflow.finance._common`; rules as for
Black-Scholes: s > 0, k > 0, t >= 0, sigma > 0, finite):
``call_price(s, k, t, r, sigma, *, q=0.0, kind="cash", errors="raise", validate=True)``,
``put_price(...)``, ``price(s, k, t, r, sigma, is_call=True, *, q=0.0, kind="cash", ...)``,
``greeks(s, k, t, r, sigma, is_call=True, *, q=0.0, kind="cash", ...)`` (keys and units as in
:mod:`fuseflow.finance.black_scholes`; all 0 at expiry, where delta is a point mass).
Shortcuts with the kind in the name, each also a C++ scalar fast path:
``cash_call_price``, ``cash_put_price``, ``cash_price``, ``asset_call_price``,
``asset_put_price``, ``asset_price`` (same arguments, no ``kind``).

There is no ``implied_volatility`` here: a digital's price is not monotone in sigma (it rises
then falls), so a price does not determine one volatility.

At expiry (t = 0) a cash digital pays 1 strictly in the money, 0 strictly out of it and 1/2 at
the strike (the average of the two one-sided limits); an asset digital pays s, 0, s/2 alike.

Example:
    >>> from fuseflow.finance import digital
    >>> round(digital.cash_call_price(100.0, 100.0, 1.0, 0.05, 0.2), 6)  # e^{-rt} N(d2)
    0.532325
"""

from __future__ import annotations

from . import _common

_NAMES = ("s", "k", "t", "r", "q", "sigma")
_KINDS = {"cash": _common.DIGITAL_CASH, "asset": _common.DIGITAL_ASSET}


def _model(kind):
    try:
        return _KINDS[kind]
    except (KeyError, TypeError):
        raise ValueError(f"kind: must be 'cash' or 'asset', got {kind!r}") from None


def _fixed(model, is_call):
    def front_end(s, k, t, r, sigma, *, q=0.0, errors="raise", validate=True):
        return _common.evaluate(model, _NAMES, (s, k, t, r, q, sigma), is_call, errors, validate)

    return front_end


def _either(model):
    def front_end(s, k, t, r, sigma, is_call=True, *, q=0.0, errors="raise", validate=True):
        return _common.evaluate(model, _NAMES, (s, k, t, r, q, sigma), is_call, errors, validate)

    return front_end


cash_call_price = _common.register("digital_cash_call_price", _fixed(_common.DIGITAL_CASH, True))
cash_put_price = _common.register("digital_cash_put_price", _fixed(_common.DIGITAL_CASH, False))
cash_price = _common.register("digital_cash_price", _either(_common.DIGITAL_CASH))
asset_call_price = _common.register("digital_asset_call_price", _fixed(_common.DIGITAL_ASSET, True))
asset_put_price = _common.register("digital_asset_put_price", _fixed(_common.DIGITAL_ASSET, False))
asset_price = _common.register("digital_asset_price", _either(_common.DIGITAL_ASSET))


def call_price(s, k, t, r, sigma, *, q=0.0, kind="cash", errors="raise", validate=True):
    """Digital call price; ``kind`` "cash" (pays 1) or "asset" (pays the asset).

    Example:
        >>> from fuseflow.finance import digital
        >>> round(digital.call_price(100.0, 100.0, 1.0, 0.05, 0.2, kind="asset"), 6)
        63.683065
    """
    return _common.evaluate(_model(kind), _NAMES, (s, k, t, r, q, sigma), True, errors, validate)


def put_price(s, k, t, r, sigma, *, q=0.0, kind="cash", errors="raise", validate=True):
    """Digital put price; ``kind`` "cash" (pays 1) or "asset" (pays the asset).

    Example:
        >>> from fuseflow.finance import digital
        >>> round(digital.put_price(100.0, 100.0, 1.0, 0.05, 0.2), 6)
        0.418905
    """
    return _common.evaluate(_model(kind), _NAMES, (s, k, t, r, q, sigma), False, errors, validate)


def price(s, k, t, r, sigma, is_call=True, *, q=0.0, kind="cash", errors="raise", validate=True):
    """Digital price, call or put per ``is_call`` (a bool or a bool array).

    Example:
        >>> from fuseflow.finance import digital
        >>> round(digital.price(100.0, 100.0, 1.0, 0.05, 0.2, False, kind="asset"), 6)
        36.316935
    """
    return _common.evaluate(_model(kind), _NAMES, (s, k, t, r, q, sigma), is_call, errors, validate)


def greeks(s, k, t, r, sigma, is_call=True, *, q=0.0, kind="cash", errors="raise", validate=True):
    """All greeks of the digital in one kernel pass (keys and units: fuseflow.finance.black_scholes).

    Example:
        >>> from fuseflow.finance import digital
        >>> round(digital.greeks(100.0, 100.0, 1.0, 0.05, 0.2)["delta"], 6)
        0.018762
    """
    return _common.evaluate_greeks(_model(kind), _NAMES, (s, k, t, r, q, sigma), is_call, errors, validate)


__all__ = [
    "call_price", "put_price", "price", "greeks", "cash_call_price", "cash_put_price", "cash_price",
    "asset_call_price", "asset_put_price", "asset_price",
]
