"""ff.finance prices and greeks over Dask arrays: blockwise, one kernel call per block.

Pricing is elementwise, so a Dask argument makes the call lazy: the arguments are broadcast
(NumPy rules; Dask aligns their chunks), and each block is priced by the same front end as a
NumPy call (``fuseflow.finance._common``), sized to the worker's threads. ``errors="raise"``
raises when the block holding the first invalid input is computed; the index in its message is
the position inside that block. Greeks come back as a dict of Dask arrays sharing one task per
block (the kernel computes every greek in one pass).

``elementwise`` / ``elementwise_dict`` do the same for any front-end function whose result is
elementwise in its arguments (American prices of every method, the binomial tree, American
greeks, and the implied volatility of every model): the block task calls the very function the
NumPy call does, with the NumPy blocks, so a block's result is the single-process result of its
options.
"""

import dask.array as da
import numpy as np

from ._threads import fit_threads


def has_dask(values):
    return any(hasattr(v, "__dask_graph__") for v in values)


def _broadcast(values, is_call):
    args = [v if hasattr(v, "__dask_graph__") else da.asarray(np.asarray(v)) for v in (*values, is_call)]
    return da.broadcast_arrays(*args)


def _price_block(*blocks, model, names, errors, validate):
    from ..finance import _common

    fit_threads()
    *values, is_call = blocks
    return np.asarray(_common.evaluate(model, names, values, is_call, errors, validate), dtype=np.float64)


def _greeks_block(*blocks, model, names, errors, validate, keys):
    from ..finance import _common

    fit_threads()
    *values, is_call = blocks
    out = _common.evaluate_greeks(model, names, values, is_call, errors, validate)
    return np.stack([np.asarray(out[key], dtype=np.float64) for key in keys])


def price(model, names, values, is_call, errors, validate):
    """A lazy Dask array of prices (see the module docstring)."""
    args = _broadcast(values, is_call)
    return da.map_blocks(_price_block, *args, dtype=np.float64, model=model, names=names, errors=errors,
                         validate=validate)


def greeks(model, names, values, is_call, errors, validate):
    """A dict of lazy Dask arrays, one per greek, computed by one task per block."""
    from ..finance import _common

    # The model's greek names, from one valid option (every model accepts these values).
    keys = list(_common.evaluate_greeks(model, names, (100.0, 100.0, 1.0, 0.0, 0.0, 0.2), True))
    args = _broadcast(values, is_call)
    stacked = da.map_blocks(_greeks_block, *args, dtype=np.float64, new_axis=0,
                            chunks=((len(keys),),) + args[0].chunks, model=model, names=names,
                            errors=errors, validate=validate, keys=keys)
    return {key: stacked[i] for i, key in enumerate(keys)}


def _call_block(*blocks, function, kwargs):
    fit_threads()
    *values, is_call = blocks
    return np.asarray(function(*values, is_call, **kwargs), dtype=np.float64)


def _call_dict_block(*blocks, function, kwargs, keys):
    fit_threads()
    *values, is_call = blocks
    out = function(*values, is_call, **kwargs)
    return np.stack([np.asarray(out[key], dtype=np.float64) for key in keys])


def elementwise(func, values, is_call, kwargs):
    """A lazy Dask array of ``func(*values, is_call, **kwargs)``, one call per block."""
    args = _broadcast(values, is_call)
    return da.map_blocks(_call_block, *args, dtype=np.float64, function=func, kwargs=dict(kwargs))


def elementwise_dict(func, keys, values, is_call, kwargs):
    """A dict of lazy Dask arrays (``keys``) of ``func``'s dict result, one task per block."""
    args = _broadcast(values, is_call)
    stacked = da.map_blocks(_call_dict_block, *args, dtype=np.float64, new_axis=0,
                            chunks=((len(keys),),) + args[0].chunks, function=func, kwargs=dict(kwargs),
                            keys=list(keys))
    return {key: stacked[i] for i, key in enumerate(keys)}
