"""f(..., out=buf) for ff.jit: the rules the caller's out arrays follow (checked here before the
program runs; the dtype and shape of each are checked by Compiled.run_into)."""

import numpy as np


def out_leaves(fn_name, entry, out):
    """The out arrays of one call as a list matching the program's results (one array for a
    function returning one array, else a tuple/list of as many), each checked: numpy.ndarray,
    C-contiguous, aligned, native byte order, writeable, rank 1-4."""
    if entry.monitors:
        raise TypeError(f"{fn_name}: out= is not supported for functions that call ff.converge")
    leaves = []
    if entry.structure is None:
        if isinstance(out, (tuple, list)):
            raise TypeError(f"out: {fn_name} returns one array; pass one numpy.ndarray, "
                            f"got a {type(out).__name__}")
        leaves = [out]
    else:
        if not isinstance(out, (tuple, list)):
            raise TypeError(f"out: {fn_name} returns {entry.num_results} values; pass a tuple "
                            f"or list of as many arrays, got {type(out).__name__}")
        leaves = list(out)
        if len(leaves) != entry.num_results:
            raise ValueError(f"out: {fn_name} returns {entry.num_results} values, got "
                             f"{len(leaves)} out arrays")
    for i, a in enumerate(leaves):
        name = "out" if entry.structure is None else f"out[{i}]"
        if type(a) is not np.ndarray:
            raise TypeError(f"{name}: must be a numpy.ndarray, got {type(a).__name__}")
        if not a.flags.c_contiguous or not a.flags.aligned or not a.dtype.isnative:
            raise ValueError(f"{name}: must be C-contiguous, aligned and in native byte order")
        if not a.flags.writeable:
            raise ValueError(f"{name}: must be writeable")
        if a.ndim < 1 or a.ndim > 4:
            raise ValueError(f"{name}: must have rank 1-4 (scalar outputs cannot go to out=), got shape {a.shape}")
    return leaves
