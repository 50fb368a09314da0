"""finance: option pricing. The Black-Scholes call of DESIGN.md (an ff.jit program) at 100 / 10k / 1M
options vs NumPy + scipy.special.ndtr, JAX and Numba; then fuseflow.finance's pricers when built:
European prices, greeks and one-call cost (_finance_european), Black implied volatility
(_finance_iv) and American options (_finance_american), vs NumPy + SciPy, QuantLib, py_vollib and
py_vollib_vectorized where they run."""

import numpy as np

DESCRIPTION = "Black-Scholes calls at 100..1M options vs NumPy+SciPy, JAX, Numba (and fuseflow.finance)"


def _inputs(n, seed=1):
    rng = np.random.default_rng(seed)
    return rng.uniform(50, 150, n), rng.uniform(50, 150, n), rng.uniform(0.1, 2.0, n)


def run(ctx):
    from fuseflow import examples

    scipy = ctx.peer("scipy")
    if scipy is None:
        ctx.skip("Black-Scholes", "needs scipy.special.ndtr for the NumPy reference")
        return
    from scipy.special import ndtr

    jax = ctx.peer("jax")
    numba = ctx.peer("numba")
    r, sigma = 0.03, 0.25

    def numpy_bs(s, k, t):
        sq = sigma * np.sqrt(t)
        d1 = (np.log(s / k) + (r + 0.5 * sigma * sigma) * t) / sq
        return s * ndtr(d1) - k * np.exp(-r * t) * ndtr(d1 - sq)

    if jax is not None:
        jnp = jax.numpy
        from jax.scipy.special import ndtr as jndtr

        @jax.jit
        def jax_bs(s, k, t):
            sq = sigma * jnp.sqrt(t)
            d1 = (jnp.log(s / k) + (r + 0.5 * sigma * sigma) * t) / sq
            return s * jndtr(d1) - k * jnp.exp(-r * t) * jndtr(d1 - sq)
    if numba is not None:
        import math

        @numba.njit(parallel=True)
        def numba_bs(s, k, t):
            out = np.empty_like(s)
            for i in numba.prange(s.shape[0]):
                sq = sigma * math.sqrt(t[i])
                d1 = (math.log(s[i] / k[i]) + (r + 0.5 * sigma * sigma) * t[i]) / sq
                d2 = d1 - sq
                out[i] = (s[i] * 0.5 * math.erfc(-d1 / math.sqrt(2.0))
                          - k[i] * math.exp(-r * t[i]) * 0.5 * math.erfc(-d2 / math.sqrt(2.0)))
            return out

    for n in ctx.pick((100, 10_000), (100, 10_000, 1_000_000), (100, 10_000, 1_000_000)):
        s, k, t = _inputs(n)
        c = {"fuseflow": lambda: examples.bs_call(s, k, t, r, sigma),
             "numpy + scipy.special.ndtr": lambda: numpy_bs(s, k, t)}
        if jax is not None:
            js, jk, jt = (jnp.asarray(a) for a in (s, k, t))
            c["jax.jit"] = lambda js=js, jk=jk, jt=jt: jax_bs(js, jk, jt).block_until_ready()
        if numba is not None:
            c["numba parallel"] = lambda: numba_bs(s, k, t)
        ctx.measure("Black-Scholes call (DESIGN.md ff.jit program)", c, size=n, size_label=f"{n:,} options",
                    rtol=1e-12, atol=1e-12)
    _finance_module(ctx)


def _finance_module(ctx):
    """fuseflow.finance's own pricers (European, implied volatility, American), when built."""
    try:
        import fuseflow.finance  # noqa: F401
    except ImportError as e:
        ctx.skip("fuseflow.finance pricers", f"fuseflow.finance is not available ({e})")
        return
    from . import _finance_american, _finance_european, _finance_iv

    for name, part in (("european", _finance_european), ("implied volatility", _finance_iv),
                       ("american", _finance_american)):
        try:
            part.run(ctx)
        except ImportError as e:  # a model module not merged yet
            ctx.skip(f"fuseflow.finance {name}", f"not available ({e})")
