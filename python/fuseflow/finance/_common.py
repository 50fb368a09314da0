"""The front end every pricing model of ``fuseflow.finance`` shares.

:func:`evaluate` (prices) and :func:`evaluate_greeks` take the user's arguments, broadcast them
with NumPy rules and hand them to one C++ kernel pass (``fuseflow._core.finance``), which
validates each option as it prices it. :func:`prepare` is the broadcasting/conversion step on its
own, for kernels of other helpers (implied volatility, American) that bring their own C++ call.

Conversion rules (one place, so every model behaves the same):

- A Python ``float``/``int`` (or any size-1 input) is passed as one value shared by every option:
  a stride-0 operand, never materialised as an array.
- NumPy arrays of float64 are passed as they are, strided 1-D arrays included (no copy);
  other real dtypes (float32, integers) are converted to float64 once. pandas Series and PyArrow
  arrays go through ``numpy.asarray`` (zero-copy for float64 without nulls; a null becomes NaN,
  which the checks then reject as non-finite).
- N-d inputs broadcast by NumPy rules; an input whose shape differs from the broadcast shape in
  more than size 1 is materialised once (``numpy.broadcast_to`` + copy).
- ``is_call`` is a bool or a bool array (broadcast like the rest).

The result is a float64 array of the broadcast shape, or a Python ``float`` when every input was
a Python scalar.

Errors: ``errors="raise"`` (the default for prices and greeks) raises ``ValueError`` naming the
argument, the rule and the first offending index (``sigma: must be > 0, got -0.2 at index 3 (the
first offending element)``); ``errors="nan"`` returns NaN in the offending slots and prices the
rest; ``validate=False`` skips the checks altogether (unchecked: invalid inputs then give
unspecified numbers, never a crash). Arguments that cannot be numbers raise ``TypeError``;
shapes that do not broadcast raise ``ValueError``.
"""

from __future__ import annotations

import math

import numpy as np

from .. import _core
from .._checks import as_array

_fin = _core.finance

# Model ids of the C++ kernels (fuseflow::finance::Model).
BLACK_SCHOLES = 0
BLACK76 = 1
BACHELIER = 2
DIGITAL_CASH = 3
DIGITAL_ASSET = 4

_F64 = np.dtype(np.float64)
_BOOL = np.dtype(np.bool_)
_MODES = {"raise": 0, "nan": 1}
_UNCHECKED = 2


def error_mode(errors: str, validate: bool) -> int:
    """The kernel's error mode for ``errors=`` and ``validate=`` (0 raise, 1 nan, 2 unchecked)."""
    if validate is False:
        return _UNCHECKED
    if validate is not True:
        raise TypeError(f"validate: must be True or False, got {validate!r}")
    try:
        return _MODES[errors]
    except (KeyError, TypeError):
        raise ValueError(f"errors: must be 'raise' or 'nan', got {errors!r}") from None


def _as_real_array(value, name: str) -> np.ndarray:
    a = as_array(value)  # ndarray as is; DLPack producers (JAX, PyTorch CPU) without a copy
    kind = a.dtype.kind
    if kind == "f" or kind in "iu":
        return a if a.dtype == _F64 else a.astype(_F64)
    if kind == "O":  # e.g. a pandas Series of a nullable dtype, a list mixing ints and floats
        try:
            return np.asarray(value, dtype=_F64)
        except (TypeError, ValueError):
            pass
    raise TypeError(f"{name}: must be a real number or an array of real numbers, got dtype {a.dtype}")


def _as_flag_array(value) -> np.ndarray:
    a = as_array(value)
    if a.dtype != _BOOL:
        raise TypeError(f"is_call: must be a bool or an array of bools, got dtype {a.dtype}")
    return a


def prepare(names, values, is_call=True):
    """Broadcast the user's arguments for a kernel call.

    ``names`` are the argument names used in error messages, ``values`` the user's values (the
    same length). Returns ``(operands, flag, shape, scalar_only)``: each operand is a Python float
    (shared by every option) or a 1-D float64 array of ``prod(shape)`` elements (any stride); flag
    is a Python bool or a 1-D bool array of that size; ``scalar_only`` is True when every value
    (and is_call) was a Python scalar, in which case the caller returns a Python float.
    """
    operands = list(values)
    arrays = None  # index -> array, only for the non-Python-scalar inputs
    for i, v in enumerate(operands):
        tv = type(v)
        if tv is float:
            continue
        if tv is int:
            operands[i] = float(v)
            continue
        if tv is bool or isinstance(v, (str, bytes)):
            raise TypeError(f"{names[i]}: must be a real number or an array of real numbers, got {tv.__name__}")
        if arrays is None:
            arrays = {}
        arrays[i] = _as_real_array(v, names[i])
    flag = is_call
    flag_array = None
    if type(is_call) is not bool:
        if isinstance(is_call, np.bool_):
            flag = bool(is_call)
        else:
            flag_array = _as_flag_array(is_call)
    if arrays is None and flag_array is None:
        return operands, flag, (), True

    shapes = [a.shape for a in arrays.values()] if arrays else []
    if flag_array is not None:
        shapes.append(flag_array.shape)
    shape = shapes[0]
    for other in shapes[1:]:
        if other != shape:
            shape = _broadcast_shape(names, arrays, flag_array)
            break
    size = 1
    for dim in shape:
        size *= dim
    if arrays:
        for i, a in arrays.items():
            operands[i] = _flat_operand(a, shape, size)
    if flag_array is not None:
        flag = _flat_operand(flag_array, shape, size)
        if type(flag) is not np.ndarray:
            flag = bool(flag)
    return operands, flag, shape, False


def _flat_operand(a: np.ndarray, shape, size: int):
    if a.size == 1:
        return a.reshape(-1)[0].item()  # one value for every option: stride 0
    if a.shape == shape:
        return a if a.ndim == 1 else a.ravel()  # ravel: a view when C-contiguous
    return np.broadcast_to(a, shape).ravel()  # partial broadcast: materialised once


def _broadcast_shape(names, arrays, flag_array):
    labelled = [(names[i], a.shape) for i, a in (arrays or {}).items()]
    if flag_array is not None:
        labelled.append(("is_call", flag_array.shape))
    try:
        return np.broadcast_shapes(*(s for _, s in labelled))
    except ValueError:
        described = ", ".join(f"{n} {s}" for n, s in labelled)
        raise ValueError(f"shapes do not broadcast together (NumPy broadcasting rules): {described}") from None


def _has_dask(values, is_call) -> bool:
    return hasattr(is_call, "__dask_graph__") or any(hasattr(v, "__dask_graph__") for v in values)


def evaluate(model: int, names, values, is_call=True, errors: str = "raise", validate: bool = True):
    """Prices of ``model`` for the user's arguments (see the module docstring for the rules).

    ``values`` are always six, in the kernel's order (spot or forward, strike, t, r, q, sigma);
    models without q pass 0.0. ``names`` labels them for error messages. A Dask array among the
    arguments makes the result a lazy Dask array priced blockwise (fuseflow.dask.finance).
    """
    if _has_dask(values, is_call):
        from ..dask import finance as dask_finance
        return dask_finance.price(model, names, values, is_call, errors, validate)
    mode = error_mode(errors, validate)
    operands, flag, shape, scalar_only = prepare(names, values, is_call)
    out = _fin._price(model, *operands, flag, shape, mode)
    if scalar_only:
        return float(out)
    return out


def evaluate_greeks(model: int, names, values, is_call=True, errors: str = "raise", validate: bool = True):
    """All greeks of ``model`` in one kernel pass: a dict of arrays (floats for scalar input; lazy
    Dask arrays when an argument is a Dask array)."""
    if _has_dask(values, is_call):
        from ..dask import finance as dask_finance
        return dask_finance.greeks(model, names, values, is_call, errors, validate)
    mode = error_mode(errors, validate)
    operands, flag, shape, scalar_only = prepare(names, values, is_call)
    out = _fin._greeks(model, *operands, flag, shape, mode)
    if scalar_only:
        return {key: float(v) for key, v in out.items()}
    return out


def register(public_name: str, front_end):
    """Makes ``front_end`` the array path of the C++ public function ``public_name`` and returns
    that function: plain-float calls stay in C++, every other call reaches ``front_end``."""
    _fin._set_fallback(public_name, front_end)
    return getattr(_fin, public_name)


def implied_volatility(black: bool, names, price, spot, k, t, r, q, is_call, errors, validate, spot_is_forward):
    """Implied volatility for the model wrappers: discounted prices on a spot or a forward, solved
    by the forward solvers of :mod:`fuseflow.finance._implied` (Black or normal).

    ``names`` labels (price, spot, k, t, r, q) in error messages. The forward price is
    ``price * e^{r t}``; on a spot, the forward is ``spot * e^{(r - q) t}``. Non-finite r or q
    raise (``errors="raise"``) or give NaN (``errors="nan"``, the default of the wrappers).
    """
    from . import _implied  # the solver module (helper "iv"); imported on first use

    if _has_dask((price, spot, k, t, r, q), is_call):  # lazy, blockwise (fuseflow.dask.finance)
        from ..dask import finance as dask_finance

        def solve_block(price, spot, k, t, r, q, is_call):
            return implied_volatility(black, names, price, spot, k, t, r, q, is_call, errors, validate,
                                      spot_is_forward)

        return dask_finance.elementwise(solve_block, (price, spot, k, t, r, q), is_call, {})
    mode = error_mode(errors, validate)
    operands, flag, shape, scalar_only = prepare(names, (price, spot, k, t, r, q), is_call)
    price_, spot_, k_, t_, r_, q_ = operands
    if mode == 0:  # the solver checks price, spot, k, t; r and q are checked here
        for label, value in ((names[4], r_), (names[5], q_)):
            if type(value) is float:
                if not math.isfinite(value):
                    raise ValueError(f"{label}: must be finite, got {value!r}")
            else:
                bad = np.flatnonzero(~np.isfinite(value))
                if bad.size:
                    got, where = float(value[bad[0]]), _where(int(bad[0]), shape)
                    raise ValueError(f"{label}: must be finite, got {got!r}{where}")
    if scalar_only:
        forward_price = price_ * _exp(r_ * t_)
        forward = spot_ if spot_is_forward else spot_ * _exp((r_ - q_) * t_)
    else:
        with np.errstate(over="ignore", invalid="ignore"):
            growth = np.exp(np.multiply(r_, t_))
            forward_price = np.multiply(price_, growth)
            forward = spot_ if spot_is_forward else np.multiply(spot_, np.exp(np.multiply(np.subtract(r_, q_), t_)))
        # Back to the broadcast shape, so the solver's messages carry N-d indices.
        forward_price, forward, k_, t_ = (_reshaped(v, shape) for v in (forward_price, forward, k_, t_))
        if type(flag) is np.ndarray:
            flag = flag.reshape(shape)
    solve = _implied.black_implied_volatility if black else _implied.normal_implied_volatility
    out = solve(forward_price, forward, k_, t_, flag, errors=errors, validate=validate, names=names[:4])
    if scalar_only:
        return float(out)
    if type(out) is not np.ndarray or out.shape != shape:
        out = np.broadcast_to(out, shape).copy()
    return out


def _exp(x: float) -> float:
    try:
        return math.exp(x)
    except OverflowError:
        return math.inf


def _reshaped(value, shape):
    if type(value) is np.ndarray and value.ndim == 1 and value.size != 1:
        return value.reshape(shape)
    if type(value) is np.ndarray and value.size == 1:
        return float(value.reshape(-1)[0])
    return value


def _where(index, shape):
    if len(shape) == 0:
        return ""
    if len(shape) == 1:
        return f" at index {index} (the first offending element)"
    return f" at index {tuple(int(i) for i in np.unravel_index(index, shape))} (the first offending element)"


__all__ = ["evaluate", "evaluate_greeks", "prepare", "error_mode", "register", "implied_volatility"]
