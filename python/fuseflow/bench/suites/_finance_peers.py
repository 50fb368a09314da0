"""Pricing peers that need care to import: py_vollib_vectorized patches py_vollib's functions when
imported and its numba kernels fail to compile on some numba versions, which would take the
scalar py_vollib peer down with it; so it is probed in a subprocess first."""

import subprocess
import sys
import warnings

_PROBE = ("import numpy as np, py_vollib_vectorized as p; "
          "p.vectorized_black_scholes(np.array(['c']), np.array([100.0]), np.array([100.0]), np.array([1.0]), "
          "np.array([0.0]), np.array([0.2]), return_as='numpy'); "
          "p.vectorized_implied_volatility_black(np.array([5.0]), np.array([100.0]), np.array([100.0]), 0.0, "
          "np.array([1.0]), np.array(['c']), return_as='numpy')")
_STATE = {}


def py_vollib_vectorized(ctx):
    """The module when its pricer and solver run here, else None (skipped with one line)."""
    if "module" in _STATE:
        return _STATE["module"]
    module = None
    if "py_vollib_vectorized" in ctx.peers.disabled:
        ctx.skip("peer py_vollib_vectorized", "disabled (--skip-peers)")
    elif ctx.profile.name == "tiny":
        ctx.skip("peer py_vollib_vectorized", "not probed at tiny sizes (the probe compiles numba kernels for seconds)")
    else:
        done = subprocess.run([sys.executable, "-c", _PROBE], capture_output=True, text=True, timeout=300)
        if done.returncode != 0:
            last = (done.stderr.strip().splitlines() or ["?"])[-1]
            ctx.skip("peer py_vollib_vectorized", f"not usable here: {last[:160]}")
        else:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore")
                import py_vollib_vectorized as module
            ctx.peers.modules["py_vollib_vectorized"] = module
    _STATE["module"] = module
    return module
