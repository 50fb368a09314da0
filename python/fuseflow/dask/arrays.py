"""ff.jit programs over Dask arrays: blockwise maps and tree reductions of fuseflow programs.

``map_jit(f, *args)`` (and ``f(*args)`` when an argument is a Dask array, through the hook
``jit_call``) traces ``f`` once on the client, splits its IR (``ir_split``) and builds a Dask
graph whose every task runs a compiled fuseflow program:

- array outputs: one *map* task per block (the program slice computing them), so results
  keep the inputs' chunks;
- scalar outputs: per pass, one *chunk* task per block (partial states), a tree of *combine*
  tasks (``split_every`` children each) and a *finish* step; the *tail* program then computes
  the scalar outputs from the reduced scalars. Each scalar output is a 0-d Dask array.

Programs travel as IR text (a few hundred bytes) and are compiled once per worker process.
"""

import atexit

import numpy as np

from .._fork_safe import ForkSafeLock
from ..graph import Graph
from ..jit import JitFunction, jit
from ..loops import _unflatten
from .. import _core
from ._threads import fit_threads
from .ir_split import SplitError, split_program

__all__ = ["map_jit", "jit_call", "SplitError"]

_DTYPES = {"f64": np.float64, "f32": np.float32, "i64": np.int64, "i32": np.int32, "bool": np.bool_}
_cache = {}
atexit.register(_cache.clear)  # before teardown: see fuseflow.dsl._EAGER_AGG
_cache_lock = ForkSafeLock()


def _compiled(text):
    c = _cache.get(text)
    if c is None:
        with _cache_lock:
            c = _cache.get(text)
            if c is None:
                c = _core.compile(_core.parse_ir(text))
                if len(_cache) > 512:
                    _cache.clear()
                _cache[text] = c
    return c


def _gather_inputs(spec, params, reduced):
    out = []
    for kind, ref in spec:
        out.append(params[ref] if kind == "param" else reduced[ref])
    return out


def _merged(dicts):
    out = {}
    for d in dicts:
        out.update(d)
    return out


# ---- task functions (module level: they pickle by reference)

def _run_map(text, spec, scalars, reduced, *blocks):
    fit_threads()
    params = _params(scalars, blocks)
    return tuple(_compiled(text).run(_gather_inputs(spec, params, _merged(reduced))))


def _run_map_single(text, spec, scalars, reduced, *blocks):
    # A program with one array output: its block is the task's result (no tuple, no _item task).
    return _run_map(text, spec, scalars, reduced, *blocks)[0]


def _params(scalars, blocks):
    # scalars: the full parameter list with None where an array block goes, in order.
    it = iter(blocks)
    return [next(it) if s is None else s[0] for s in scalars]


def _run_chunk(text, spec, parts, scalars, offset, skip_empty, reduced, *blocks):
    fit_threads()
    n = len(blocks[0]) if blocks else 0
    if n == 0 and skip_empty:
        return None
    params = _params(scalars, blocks)
    values = list(_compiled(text).run(_gather_inputs(spec, params, _merged(reduced))))
    for j, (_, role, _) in enumerate(parts):
        if role == "index":
            values[j] = np.int64(values[j] + offset)
    return values, n


def _run_combine(text, parts, children):
    fit_threads()
    children = [c for c in children if c is not None]
    if not children:
        return None
    if len(children) == 1:
        return children[0]
    columns = [np.array([c[0][j] for c in children], dtype=_DTYPES[elem]) for j, (_, _, elem) in enumerate(parts)]
    outs = iter(_compiled(text).run(columns))
    values = [None] * len(parts)
    j = 0
    while j < len(parts):
        role = parts[j][1]
        if role == "value" and j + 1 < len(parts) and parts[j + 1][1] == "index" and parts[j + 1][0] == parts[j][0]:
            best = int(next(outs))  # argmin/argmax over the group's values: the first best block wins
            values[j], values[j + 1] = columns[j][best], columns[j + 1][best]
            j += 2
            continue
        values[j] = next(outs)
        j += 1
    return values, sum(c[1] for c in children)


def _finish(reductions, parts, state):
    if state is None:
        raise ValueError("the arrays are empty: every block has length 0")
    values, count = state
    out = {}
    for j, (r_index, role, _) in enumerate(parts):
        rid, kind, elem = reductions[r_index]
        if kind == "mean":
            out[rid] = _DTYPES[elem](values[j] / count) if count else _DTYPES[elem](np.nan)
        elif kind in ("argmin", "argmax"):
            if role == "index":
                out[rid] = np.int64(values[j])
        else:
            out[rid] = _DTYPES[elem](values[j])
    return out


def _run_tail(text, spec, scalars, reduced):
    fit_threads()
    params = [None if s is None else s[0] for s in scalars]
    return tuple(_compiled(text).run(_gather_inputs(spec, params, _merged(reduced))))


def _item(values, j):
    return values[j]


def _item0d(values, j):
    return np.asarray(values[j])


# ---- building the graph

def _sample(name, value):
    dtype = np.dtype(value.dtype)
    return np.zeros(2, dtype=dtype)


def jit_call(f, args, kwargs=None, split_every=None):
    """What ``f(*args, **kwargs)`` returns when an argument is a Dask array: Dask arrays (the
    outputs' structure kept: a tuple of outputs stays a tuple). See :func:`map_jit`.

    Example:
        >>> import dask.array as da
        >>> from fuseflow.dask import jit_call
        >>> @ff.jit
        ... def scaled(x, a):
        ...     return x * a, ff.max(x)
        >>> y, top = jit_call(scaled, (da.arange(10.0, chunks=4), 2.0))
        >>> y.compute().tolist()[:4], float(top.compute())
        ([0.0, 2.0, 4.0, 6.0], 9.0)
    """
    import dask.array as da
    from dask.base import tokenize
    from dask.highlevelgraph import HighLevelGraph

    kwargs = kwargs or {}
    if split_every is None:
        split_every = 4
    if isinstance(split_every, bool) or not isinstance(split_every, int) or split_every < 2:
        raise ValueError(f"split_every: must be an integer >= 2, got {split_every!r}")
    names, values = f._bind(args, kwargs)
    chunks = None
    first = None
    dask_arrays = []
    converted = []
    for name, v in zip(names, values):
        if isinstance(v, Graph):
            raise TypeError(f"{name}: graph arguments cannot be split into Dask blocks; pass arrays and scalars")
        if isinstance(v, da.Array):
            if v.ndim != 1:
                raise ValueError(f"{name}: Dask arrays must be 1-D, got shape {v.shape}")
            if chunks is None:
                chunks, first = v.chunks, name
            elif v.chunks != chunks:
                raise ValueError(f"{name}: chunks {v.chunks[0]} differ from {first}'s {chunks[0]}; rechunk to "
                                 f"match ({name}.rechunk({first}.chunks))")
    if chunks is None:
        raise TypeError("jit_call: no Dask array among the arguments")
    length = sum(chunks[0])
    for name, v in zip(names, values):
        if isinstance(v, np.ndarray) and v.ndim >= 1:
            if v.ndim != 1 or v.shape[0] != length:
                raise ValueError(f"{name}: a NumPy array next to Dask arrays must be 1-D of length {length} "
                                 f"(it is split like {first}), got shape {v.shape}")
            v = da.from_array(v, chunks=chunks)
        elif isinstance(v, np.ndarray):  # 0-d: a scalar, as ff.jit takes it
            v = v[()]
        converted.append(v)
    samples = [_sample(n, v) if isinstance(v, da.Array) else v for n, v in zip(names, converted)]
    entry = f._get(tuple(samples), {})[0]
    if entry.monitors:
        raise SplitError(f"{f.__name__}: ff.converge cannot be split into Dask blocks")
    split = split_program(entry.program.print(False))
    dask_arrays = [v for v in converted if isinstance(v, da.Array)]
    # Per parameter: None for an array (its block is passed), else (value,) (a scalar literal).
    scalars = tuple(None if isinstance(v, da.Array) else (v,) for v in converted)
    token = tokenize(f.__name__, entry.program.print(False), [a.name for a in dask_arrays], scalars, split_every)
    nblocks = len(chunks[0])
    offsets = np.concatenate([[0], np.cumsum(chunks[0])[:-1]]).astype(np.int64)
    dsk = {}

    def block_keys(i):
        return [(a.name, i) for a in dask_arrays]

    reduced_keys = {}  # reduction id -> key of its pass's finish task
    for p, info in enumerate(split.passes, start=1):
        needs = sorted({reduced_keys[ref] for kind, ref in info["inputs"] if kind == "reduced"})
        level = []
        for i in range(nblocks):
            key = (f"ffchunk{p}-{token}", i)
            dsk[key] = (_run_chunk, info["chunk"], info["inputs"], info["parts"], scalars, int(offsets[i]),
                        nblocks > 1, list(needs), *block_keys(i))
            level.append(key)
        depth = 0
        while len(level) > 1:
            depth += 1
            nxt = []
            for g in range(0, len(level), split_every):
                key = (f"ffcombine{p}-{depth}-{token}", g // split_every)
                dsk[key] = (_run_combine, info["combine"], info["parts"], list(level[g:g + split_every]))
                nxt.append(key)
            level = nxt
        fin = f"fffinish{p}-{token}"
        dsk[fin] = (_finish, info["reductions"], info["parts"], level[0])
        for rid, _, _ in info["reductions"]:
            reduced_keys[rid] = fin
    outputs = []
    array_names, scalar_names = [], []
    if split.map is not None:
        needs = sorted({reduced_keys[ref] for kind, ref in split.map["inputs"] if kind == "reduced"})
        if len(split.map["outputs"]) == 1:
            # One task per block writes the output block itself: half the tasks (and scheduler
            # round trips) of a map task plus an item task per block.
            oname = f"ffout0-{token}"
            for i in range(nblocks):
                dsk[(oname, i)] = (_run_map_single, split.map["text"], split.map["inputs"], scalars, list(needs),
                                   *block_keys(i))
            array_names.append(oname)
        else:
            mname = f"ffmap-{token}"
            for i in range(nblocks):
                dsk[(mname, i)] = (_run_map, split.map["text"], split.map["inputs"], scalars, list(needs),
                                   *block_keys(i))
            for j, _ in enumerate(split.map["outputs"]):
                oname = f"ffout{j}-{token}"
                for i in range(nblocks):
                    dsk[(oname, i)] = (_item, (mname, i), j)
                array_names.append(oname)
    if split.tail is not None:
        needs = sorted({reduced_keys[ref] for kind, ref in split.tail["inputs"] if kind == "reduced"})
        tname = f"fftail-{token}"
        dsk[tname] = (_run_tail, split.tail["text"], split.tail["inputs"], scalars, list(needs))
        for j, _ in enumerate(split.tail["outputs"]):
            sname = f"ffscalar{j}-{token}"
            dsk[(sname,)] = (_item0d, tname, j)
            scalar_names.append(sname)
    for kind, j in split.outputs:
        if kind == "array":
            name = array_names[j]
            dtype = _DTYPES[split.map["outputs"][j][1].split("[", 1)[0].lstrip("~")]
            graph = HighLevelGraph.from_collections(name, dsk, dependencies=dask_arrays)
            outputs.append(da.Array(graph, name, chunks, dtype=dtype))
        else:
            name = scalar_names[j]
            dtype = _DTYPES[split.tail["outputs"][j][1].lstrip("~")]
            graph = HighLevelGraph.from_collections(name, dsk, dependencies=dask_arrays)
            outputs.append(da.Array(graph, name, (), dtype=dtype))
    if entry.structure is None:
        return outputs[0]
    return _unflatten(entry.structure, iter(outputs))


def map_jit(f, *args, split_every=None, **kwargs):
    """Run the ff.jit program ``f`` (or a plain function, jitted here) over Dask arrays.

    Arguments: 1-D Dask arrays with identical chunks (else ValueError naming the argument),
    1-D NumPy arrays of the same length (split like the Dask arrays), and scalars. Array outputs
    are Dask arrays with the inputs' chunks; scalar outputs computed by whole-array reductions
    are 0-d Dask arrays (tree reductions, ``split_every`` children per combine step, default 4).
    Results equal the single-process ``f`` on the whole arrays: bitwise for elementwise outputs,
    min/max/argmin/argmax; within summation-order rounding (1e-12 relative in the tests) for
    sums, means, dots and norms. A program that cannot be cut into blocks raises SplitError (a
    ValueError) naming the op.

    Example:
        >>> import dask.array as da
        >>> import fuseflow.dask as fdask
        >>> @ff.jit
        ... def centred(x):
        ...     return x - ff.mean(x)  # a tree reduction of the blocks, then a blockwise map
        >>> x = da.from_array(np.arange(8.0), chunks=3)
        >>> out = fdask.map_jit(centred, x)
        >>> out.chunks, out.compute().tolist()
        (((3, 3, 2),), [-3.5, -2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 3.5])
    """
    if not isinstance(f, JitFunction):
        if not callable(f):
            raise TypeError(f"f: must be an ff.jit function or a callable, got {type(f).__name__}")
        f = jit(f)
    return jit_call(f, args, kwargs, split_every)
