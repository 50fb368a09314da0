"""American options under Black-Scholes with a continuous dividend yield ``q``.

Functions (every argument a scalar or an array, NumPy broadcasting, float64 out; a Python float
when every input is a Python scalar; conversion and error rules as in
:mod:`fuseflow.finance._common`: s > 0, k > 0, t >= 0, sigma > 0, every input finite, a
``ValueError`` naming the argument, the rule and the first offending index, or NaN in that slot
with ``errors="nan"``; ``validate=False`` skips the checks, unchecked):

``call_price(s, k, t, r, q, sigma, *, method="qdfp", errors="raise", validate=True)``
``put_price(s, k, t, r, q, sigma, *, method="qdfp", errors="raise", validate=True)``
``price(s, k, t, r, q, sigma, is_call=True, *, method="qdfp", errors="raise", validate=True)``
    ``method``:

    - ``"qdfp"`` (default): the fixed-point exercise-boundary scheme of Andersen, Lake and
      Offengenden (2016), started from Li's QD+ boundary (C++ ``american_qdfp.cpp``); within
      1.4e-3 for K = 100 (1.4e-5 K) of QuantLib's QdFp high-precision engine on a 900-case grid.
    - ``"bjerksund_stensland"``: the Bjerksund-Stensland (2002) two-step closed form.
    - ``"bjerksund_stensland_1993"``: the 1993 one-step form, which is what QuantLib's
      ``BjerksundStenslandApproximationEngine`` computes (agrees with it to ~1e-10).

    Both Bjerksund-Stensland forms return the larger of the closed form and the European price
    (both are values of feasible exercise strategies).

    Regimes, for a put (a call is the put with r and q swapped, C(S, K, r, q) = P(K, S, q, r)):
    r > 0: one exercise boundary (the methods above); r <= 0 and q >= r: early exercise never
    pays, the European price exactly (so a call with q <= 0 <= r is its European price); q < r <= 0:
    two exercise boundaries, which the one-boundary methods do not cover: every method prices it
    with the average of Cox-Ross-Rubinstein trees of 2000 and 2001 steps (~1e-3 accurate for
    K = 100). t = 0 gives the intrinsic value.

``greeks(s, k, t, r, q, sigma, is_call=True, *, method="qdfp", errors="raise", validate=True)``
    dict of arrays: ``delta``, ``gamma``, ``vega``, ``theta``, ``rho``, ``dividend_rho``,
    ``vanna``, ``volga`` (also under ``vomma``), ``charm``; units as in
    :mod:`fuseflow.finance.black_scholes` (vega per 1.00 of sigma, theta = -dV/dt per year, rho
    per 1.00 of rate, charm = d delta / d calendar time per year). Central finite differences of
    the chosen method's price, all 19 shifted prices in one kernel call. Steps: s by 1e-4 s
    (first order) and 1e-3 s (gamma and the mixed terms), sigma by 1e-4 (1e-3 for volga and the
    mixed terms), r and q by 1e-5, t by min(1e-4, t/2) years (central differences throughout).
    The QD-FP price is smooth in every input to ~1e-14 relative (its inner
    root solves converge to rounding), so these steps leave ~1e-7 relative error in first-order
    greeks and ~1e-5 in second-order ones on smooth stretches. Near the exercise boundary (s
    within a step of it) gamma and the mixed greeks straddle the kink of the payoff. At t = 0
    the greeks are the payoff's: delta 0 or +-1, the rest 0.

``implied_volatility(price, s, k, t, r, q, is_call=True, *, method="qdfp", errors="nan", validate=True)``
    sigma in [1e-4, 10] whose American price (by ``method``) is ``price``: a bracketed
    Newton-bisection solve on the price, to |delta sigma| <= 1e-10. NaN when the price is not
    strictly between the prices at the two ends (below: at or under the intrinsic/low-vol value,
    where sigma is not determined; above: beyond what sigma = 10 gives). ``errors="raise"``
    raises ``ValueError`` for those instead; invalid s, k, t, r, q follow the usual rules, and
    a non-finite or negative price is invalid.

``binomial(s, k, t, r, q, sigma, is_call=True, *, steps=1000, errors="raise", validate=True)``
    Cox-Ross-Rubinstein tree, early exercise at every node, O(steps) memory; converges to the
    exact price as steps grows (error O(1/steps), alternating between odd and even steps).
    ``steps`` an int in [1, 100000] (O(steps^2) work per option).

``exercise_boundary(k, t, r, q, sigma, is_call=True, *, times=None, n=64)``
    The early-exercise boundary of one option from the QD-FP solution: the spot at or below
    which a put (at or above which a call) is exercised, as a function of the time to maturity
    tau in [0, t]. With ``times=None`` returns ``(times, boundary)`` on ``n`` points from 0 to t;
    with ``times`` (scalar or array in [0, t]) returns the boundary at those times (same shape).
    Where early exercise never pays, a put's boundary is 0 and a call's +inf; in the
    double-boundary regime (q < r <= 0 for a put) it is NaN. At tau = 0 the limit
    K min(1, r/q) (put) / K max(1, r/q) (call).
"""

from __future__ import annotations

import numbers

import numpy as np

from . import _common
from .. import _core

_fin = _core.finance
_NAMES = ("s", "k", "t", "r", "q", "sigma")
# (The C++ layer also has Li's QD+ price, id 2, the fixed point's starting point; it is not
# offered here: it differs from QuantLib's QdPlusAmericanEngine by up to 0.21 for K = 100.)
_METHODS = {"qdfp": 0, "bjerksund_stensland": 1, "bjerksund_stensland_1993": 3}
_MAX_STEPS = 100000


def _method_id(method) -> int:
    try:
        return _METHODS[method]
    except (KeyError, TypeError):
        raise ValueError(f"method: must be one of {', '.join(repr(m) for m in _METHODS)}, got {method!r}") from None


def _lazy(func, values, is_call, **kwargs):
    """Dask arguments: the same function per block (fuseflow.dask.finance.elementwise)."""
    from ..dask import finance as dask_finance

    return dask_finance.elementwise(func, values, is_call, kwargs)


def _evaluate(method, values, is_call, errors, validate):
    mid = _method_id(method)
    if _common._has_dask(values, is_call):
        return _lazy(price, values, is_call, method=method, errors=errors, validate=validate)
    mode = _common.error_mode(errors, validate)
    operands, flag, shape, scalar_only = _common.prepare(_NAMES, values, is_call)
    out = _fin._american_price(mid, *operands, flag, shape, mode)
    return float(out) if scalar_only else out


def call_price(s, k, t, r, q, sigma, *, method="qdfp", errors="raise", validate=True):
    """American call prices; see the module docstring.

    Example:
        >>> from fuseflow.finance import american
        >>> round(american.call_price(100.0, 100.0, 1.0, 0.05, 0.0, 0.2), 6)  # q = 0: no early exercise
        10.450584
    """
    return _evaluate(method, (s, k, t, r, q, sigma), True, errors, validate)


def put_price(s, k, t, r, q, sigma, *, method="qdfp", errors="raise", validate=True):
    """American put prices; see the module docstring.

    Example:
        >>> from fuseflow.finance import american
        >>> round(american.put_price(100.0, 100.0, 1.0, 0.05, 0.0, 0.2), 4)
        6.0904
    """
    return _evaluate(method, (s, k, t, r, q, sigma), False, errors, validate)


def price(s, k, t, r, q, sigma, is_call=True, *, method="qdfp", errors="raise", validate=True):
    """American prices, ``is_call`` a bool or a bool array; see the module docstring.

    Example:
        >>> from fuseflow.finance import american
        >>> american.price(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, np.array([True, False])).round(4)
        array([10.4506,  6.0904])
    """
    return _evaluate(method, (s, k, t, r, q, sigma), is_call, errors, validate)


def binomial(s, k, t, r, q, sigma, is_call=True, *, steps=1000, errors="raise", validate=True):
    """Cox-Ross-Rubinstein tree prices; see the module docstring.

    Example:
        >>> from fuseflow.finance import american
        >>> round(american.binomial(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, False, steps=1000), 3)
        6.09
    """
    if isinstance(steps, bool) or not isinstance(steps, numbers.Integral):
        raise TypeError(f"steps: must be an int, got {type(steps).__name__}")
    steps = int(steps)
    if not 1 <= steps <= _MAX_STEPS:
        raise ValueError(f"steps: must be in [1, {_MAX_STEPS}], got {steps}")
    mode = _common.error_mode(errors, validate)
    if _common._has_dask((s, k, t, r, q, sigma), is_call):
        return _lazy(binomial, (s, k, t, r, q, sigma), is_call, steps=steps, errors=errors, validate=validate)
    operands, flag, shape, scalar_only = _common.prepare(_NAMES, (s, k, t, r, q, sigma), is_call)
    out = _fin._american_binomial(steps, *operands, flag, shape, mode)
    return float(out) if scalar_only else out


# ---------------------------------------------------------------- greeks (finite differences)

_H_S1, _H_S2 = 1e-4, 1e-3  # relative spot steps: first order, second order / mixed
_H_V1, _H_V2 = 1e-4, 1e-3  # absolute sigma steps
_H_R = 1e-5  # absolute rate and dividend steps
_H_T = 1e-4  # years


def _broadcast_inputs(values, is_call, errors, validate, method):
    """Validated, broadcast float64 arrays (1-D) of the inputs, the flags, the shape, and the
    NaN mask of invalid slots (errors="nan")."""
    mid = _method_id(method)
    mode = _common.error_mode(errors, validate)
    operands, flag, shape, scalar_only = _common.prepare(_NAMES, values, is_call)
    # The base prices validate (raise or NaN per slot) and are reused as the centre point.
    base = np.asarray(_fin._american_price(mid, *operands, flag, shape, mode), dtype=np.float64).reshape(-1)
    n = base.size
    arrays = [np.broadcast_to(np.asarray(o, dtype=np.float64), (n,)) for o in operands]
    flags = np.broadcast_to(np.asarray(flag, dtype=np.bool_), (n,))
    return mid, arrays, flags, shape, scalar_only, base


_GREEKS_CHUNK = 1 << 16  # options per kernel call: 22 shifted copies stay ~70 MB of inputs


def greeks(s, k, t, r, q, sigma, is_call=True, *, method="qdfp", errors="raise", validate=True):
    """All greeks by central differences of the price; see the module docstring.

    Example:
        >>> from fuseflow.finance import american
        >>> round(american.greeks(100.0, 100.0, 1.0, 0.05, 0.0, 0.2, False)["delta"], 3)
        -0.411
    """
    if _common._has_dask((s, k, t, r, q, sigma), is_call):
        from ..dask import finance as dask_finance

        _method_id(method)
        keys = ("delta", "gamma", "vega", "theta", "rho", "dividend_rho", "vanna", "volga", "charm")
        out = dask_finance.elementwise_dict(greeks, keys, (s, k, t, r, q, sigma), is_call,
                                            dict(method=method, errors=errors, validate=validate))
        out["vomma"] = out["volga"]
        return out
    mid, arrays, flags, shape, scalar_only, base = _broadcast_inputs(
        (s, k, t, r, q, sigma), is_call, errors, validate, method
    )
    n = base.size
    keys = ("delta", "gamma", "vega", "theta", "rho", "dividend_rho", "vanna", "volga", "charm")
    out = {key: np.empty(n) for key in keys}
    for lo in range(0, n, _GREEKS_CHUNK):
        sl = slice(lo, min(n, lo + _GREEKS_CHUNK))
        part = _greeks_chunk(mid, [a[sl] for a in arrays], flags[sl], base[sl])
        for key in keys:
            out[key][sl] = part[key]
    invalid = np.isnan(base)
    for key in keys:
        value = np.where(invalid, np.nan, out[key])
        out[key] = float(value[0]) if scalar_only else value.reshape(shape)
    out["vomma"] = out["volga"]
    return out


def _greeks_chunk(mid, arrays, flags, base):
    s_, k_, t_, r_, q_, v_ = arrays
    n = base.size
    hs1, hs2 = _H_S1 * s_, _H_S2 * s_
    hv1 = np.minimum(_H_V1, 0.5 * v_)
    hv2 = np.minimum(_H_V2, 0.5 * v_)
    # Time: central where t >= 2 h, else a step of t/2 (still central; t - h >= 0).
    ht = np.minimum(_H_T, 0.5 * t_)
    at_expiry = t_ == 0
    ht = np.where(at_expiry, 1.0, ht)  # placeholder, replaced by the payoff's greeks below
    shifts = [  # (ds, dk, dt, dr, dq, dsigma) per shifted price
        (hs1, 0, 0, 0, 0, 0), (-hs1, 0, 0, 0, 0, 0),
        (hs2, 0, 0, 0, 0, 0), (-hs2, 0, 0, 0, 0, 0),
        (0, 0, 0, 0, 0, hv1), (0, 0, 0, 0, 0, -hv1),
        (0, 0, 0, 0, 0, hv2), (0, 0, 0, 0, 0, -hv2),
        (0, 0, ht, 0, 0, 0), (0, 0, -ht, 0, 0, 0),
        (0, 0, 0, _H_R, 0, 0), (0, 0, 0, -_H_R, 0, 0),
        (0, 0, 0, 0, _H_R, 0), (0, 0, 0, 0, -_H_R, 0),
        (hs2, 0, 0, 0, 0, hv2), (hs2, 0, 0, 0, 0, -hv2), (-hs2, 0, 0, 0, 0, hv2), (-hs2, 0, 0, 0, 0, -hv2),
        (hs2, 0, ht, 0, 0, 0), (hs2, 0, -ht, 0, 0, 0), (-hs2, 0, ht, 0, 0, 0), (-hs2, 0, -ht, 0, 0, 0),
    ]
    m = len(shifts)
    cols = []
    for j, base_arr in enumerate((s_, k_, t_, r_, q_, v_)):
        cols.append(np.concatenate([base_arr + np.broadcast_to(sh[j], (n,)) for sh in shifts]))
    tflags = np.tile(flags, m)
    p = np.asarray(_fin._american_price(mid, *cols, tflags, (m * n,), 2)).reshape(m, n)
    (s1p, s1m, s2p, s2m, v1p, v1m, v2p, v2m, tp, tm, rp, rm, qp, qm,
     sv_pp, sv_pm, sv_mp, sv_mm, st_pp, st_pm, st_mp, st_mm) = p
    with np.errstate(invalid="ignore", divide="ignore"):
        out = {
            "delta": (s1p - s1m) / (2 * hs1),
            "gamma": (s2p - 2 * base + s2m) / (hs2 * hs2),
            "vega": (v1p - v1m) / (2 * hv1),
            "theta": -(tp - tm) / (2 * ht),
            "rho": (rp - rm) / (2 * _H_R),
            "dividend_rho": (qp - qm) / (2 * _H_R),
            "vanna": (sv_pp - sv_pm - sv_mp + sv_mm) / (4 * hs2 * hv2),
            "volga": (v2p - 2 * base + v2m) / (hv2 * hv2),
            # charm = d delta / d calendar time = -d delta / d t
            "charm": -(st_pp - st_mp - st_pm + st_mm) / (4 * hs2 * ht),
        }
    if at_expiry.any():
        itm_call = flags & (s_ > k_)
        itm_put = ~flags & (s_ < k_)
        payoff_delta = np.where(itm_call, 1.0, np.where(itm_put, -1.0, 0.0))
        for key, value in out.items():
            out[key] = np.where(at_expiry, payoff_delta if key == "delta" else 0.0, value)
    return out


# ---------------------------------------------------------------- implied volatility

_SIGMA_LO, _SIGMA_HI = 1e-4, 10.0


def implied_volatility(price, s, k, t, r, q, is_call=True, *, method="qdfp", errors="nan", validate=True):
    """sigma reproducing the American ``price``; see the module docstring.

    Example:
        >>> from fuseflow.finance import american
        >>> p = american.put_price(100.0, 100.0, 1.0, 0.05, 0.0, 0.2)
        >>> round(american.implied_volatility(p, 100.0, 100.0, 1.0, 0.05, 0.0, False), 6)
        0.2
    """
    mid = _method_id(method)
    if errors not in ("raise", "nan"):
        raise ValueError(f"errors: must be 'raise' or 'nan', got {errors!r}")
    if _common._has_dask((price, s, k, t, r, q), is_call):
        return _lazy(implied_volatility, (price, s, k, t, r, q), is_call, method=method, errors=errors,
                     validate=validate)
    names = ("price",) + _NAMES[:5]
    operands, flag, shape, scalar_only = _common.prepare(names, (price, s, k, t, r, q), is_call)
    n = int(np.prod(shape)) if shape else 1
    target, s_, k_, t_, r_, q_ = (np.array(np.broadcast_to(np.asarray(o, dtype=np.float64), (n,))) for o in operands)
    flags = np.array(np.broadcast_to(np.asarray(flag, dtype=np.bool_), (n,)))
    mode = _common.error_mode("raise" if errors == "raise" else "nan", validate)
    # Validate s, k, t, r, q through the kernel's rules (sigma = 1 stands in), and the price.
    probe = np.asarray(_fin._american_price(mid, s_, k_, t_, r_, q_, 1.0, flags, (n,), mode)).reshape(-1)
    bad_price = ~np.isfinite(target) | (target < 0)
    if validate and errors == "raise" and bad_price.any():
        i = int(np.argmax(bad_price))
        index = np.unravel_index(i, shape) if len(shape) > 1 else i
        where = f" at index {index} (the first offending element)" if shape else ""
        rule = "must be finite" if not np.isfinite(target[i]) else "must be >= 0"
        raise ValueError(f"price: {rule}, got {target[i]!r}{where}")
    active = np.isfinite(probe) & ~bad_price
    sigma = np.full(n, np.nan)
    idx = np.nonzero(active)[0]
    if idx.size:
        sigma[idx] = _solve(mid, target[idx], s_[idx], k_[idx], t_[idx], r_[idx], q_[idx], flags[idx])
    if errors == "raise":
        unreachable = active & np.isnan(sigma)
        if unreachable.any():
            i = int(np.argmax(unreachable))
            where = f" at index {np.unravel_index(i, shape) if len(shape) > 1 else i}" if shape else ""
            raise ValueError(
                f"price: must lie strictly between the American prices at sigma = {_SIGMA_LO} and "
                f"{_SIGMA_HI}, got {target[i]!r}{where} (the first offending element)"
            )
    return float(sigma[0]) if scalar_only else sigma.reshape(shape)


def _solve(mid, target, s, k, t, r, q, flags):
    """Bracketed Newton-bisection in sigma on the price (monotone increasing in sigma)."""
    n = target.size

    def prices(sig, sel):
        return np.asarray(_fin._american_price(mid, s[sel], k[sel], t[sel], r[sel], q[sel], sig, flags[sel],
                                               (int(np.count_nonzero(sel)) if sel.dtype == bool else sel.size,), 2))

    every = np.arange(n)
    p_lo = prices(np.full(n, _SIGMA_LO), every)
    p_hi = prices(np.full(n, _SIGMA_HI), every)
    tol = 1e-14 * np.maximum(k, s)
    ok = (target > p_lo + tol) & (target < p_hi)
    out = np.full(n, np.nan)
    lo = np.full(n, _SIGMA_LO)
    hi = np.full(n, _SIGMA_HI)
    x = np.full(n, 0.3)
    live = np.nonzero(ok)[0]
    for _ in range(100):
        if live.size == 0:
            break
        xl = x[live]
        h = 1e-6 * xl
        both = prices(np.concatenate([xl, xl + h]), np.concatenate([live, live]))
        f = both[: live.size] - target[live]
        slope = (both[live.size:] - both[: live.size]) / h
        # Shrink the bracket with the sign of f (price increasing in sigma).
        above = f > 0
        hi[live] = np.where(above, xl, hi[live])
        lo[live] = np.where(above, lo[live], xl)
        with np.errstate(divide="ignore", invalid="ignore"):
            newton = xl - f / slope
        inside = np.isfinite(newton) & (newton >= lo[live]) & (newton <= hi[live])
        nxt = np.where(inside, newton, 0.5 * (lo[live] + hi[live]))
        nxt = np.where(f == 0, xl, nxt)  # exact hit
        done = (np.abs(nxt - xl) <= 1e-10 * np.maximum(xl, 1e-3)) | (hi[live] - lo[live] <= 1e-12)
        x[live] = nxt
        out[live[done]] = nxt[done]
        live = live[~done]
    return out


# ---------------------------------------------------------------- exercise boundary


def _check_scalar(name, value, rule):
    if isinstance(value, bool) or not isinstance(value, numbers.Real):
        raise TypeError(f"{name}: must be a real number, got {type(value).__name__}")
    v = float(value)
    if not np.isfinite(v):
        raise ValueError(f"{name}: must be finite, got {v!r}")
    if rule == ">0" and not v > 0:
        raise ValueError(f"{name}: must be > 0, got {v!r}")
    if rule == ">=0" and not v >= 0:
        raise ValueError(f"{name}: must be >= 0, got {v!r}")
    return v


def exercise_boundary(k, t, r, q, sigma, is_call=True, *, times=None, n=64):
    """The early-exercise boundary of one option; see the module docstring.

    Example:
        >>> from fuseflow.finance import american
        >>> times, spots = american.exercise_boundary(100.0, 1.0, 0.05, 0.0, 0.2, False, n=4)
        >>> times.round(3), spots.round(2)  # exercise the put when the spot is below
        (array([0.   , 0.333, 0.667, 1.   ]), array([100.  ,  85.65,  82.66,  80.87]))
    """
    k = _check_scalar("k", k, ">0")
    t = _check_scalar("t", t, ">=0")
    r = _check_scalar("r", r, None)
    q = _check_scalar("q", q, None)
    sigma = _check_scalar("sigma", sigma, ">0")
    if not isinstance(is_call, (bool, np.bool_)):
        raise TypeError(f"is_call: must be a bool, got {type(is_call).__name__}")
    if times is None:
        if isinstance(n, bool) or not isinstance(n, numbers.Integral) or n < 2:
            raise ValueError(f"n: must be an int >= 2, got {n!r}")
        grid = np.linspace(0.0, t, int(n))
        return grid, _fin._american_boundary(k, t, r, q, sigma, bool(is_call), grid)
    tau = np.asarray(times, dtype=np.float64)
    flat = tau.reshape(-1)
    bad = ~np.isfinite(flat) | (flat < 0) | (flat > t)
    if bad.any():
        i = int(np.argmax(bad))
        raise ValueError(
            f"times: must lie in [0, t] = [0, {t!r}], got {flat[i]!r} at index {i} (the first offending element)"
        )
    out = _fin._american_boundary(k, t, r, q, sigma, bool(is_call), np.ascontiguousarray(flat))
    if tau.ndim == 0:
        return float(out[0])
    return out.reshape(tau.shape)


__all__ = ["call_price", "put_price", "price", "greeks", "implied_volatility", "binomial", "exercise_boundary"]
