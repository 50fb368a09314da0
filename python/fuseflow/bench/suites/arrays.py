"""arrays: whole ff.jit array programs by size vs NumPy, numexpr, JAX (jax.jit) and Numba
(@njit(parallel=True)); the vector math and reduction kernels alone vs NumPy / SciPy (one thread
both sides, kernels called directly); the executor's OpenMP threshold (1 vs all threads).

Threads: fuseflow, numexpr, JAX and Numba use all cores; NumPy and SciPy are single-threaded."""

import numpy as np

DESCRIPTION = "elementwise chains, reductions, math kernels at 1e3..1e7 vs NumPy, numexpr, JAX, Numba"

WHERE = "where(x > 0, x*y + 2.5*x - y/3, exp(-x)*y)"


def _numba_kernels(numba):
    prange = numba.prange

    @numba.njit(parallel=True, fastmath=False)
    def where_expr(x, y):
        out = np.empty_like(x)
        for i in prange(x.shape[0]):
            a, b = x[i], y[i]
            out[i] = a * b + 2.5 * a - b / 3 if a > 0 else np.exp(-a) * b
        return out

    @numba.njit(parallel=True, fastmath=False)
    def centred_ss(x):
        m = 0.0
        for i in prange(x.shape[0]):
            m += x[i]
        m /= x.shape[0]
        s = 0.0
        for i in prange(x.shape[0]):
            c = x[i] - m
            s += c * c
        return s

    return where_expr, centred_ss


def run(ctx):
    import fuseflow as ff

    where_expr = ff.jit(lambda x, y: ff.where(x > 0, x * y + 2.5 * x - y / 3, ff.exp(-x) * y))

    @ff.jit
    def centred_ss(x):
        c = x - ff.mean(x)
        return ff.sum(c * c)

    ne = ctx.peer("numexpr")
    jax = ctx.peer("jax")
    numba = ctx.peer("numba")
    if jax is not None:
        jnp = jax.numpy
        j_where = jax.jit(lambda x, y: jnp.where(x > 0, x * y + 2.5 * x - y / 3, jnp.exp(-x) * y))
        j_css = jax.jit(lambda x: jnp.sum((x - jnp.mean(x)) ** 2))
    if numba is not None:
        nb_where, nb_css = _numba_kernels(numba)

    rng = np.random.default_rng(0)
    sizes = ctx.pick((1000, 100_000), (1000, 100_000, 1_000_000), (1000, 10_000, 100_000, 1_000_000, 10_000_000))
    for n in sizes:
        x = rng.standard_normal(n)
        y = rng.standard_normal(n)
        c = {"fuseflow": lambda: where_expr(x, y),
             "numpy": lambda: np.where(x > 0, x * y + 2.5 * x - y / 3, np.exp(-x) * y)}
        if ne is not None:
            c[f"numexpr ({ne.get_num_threads()} threads)"] = lambda: ne.evaluate(
                "where(x > 0, x*y + 2.5*x - y/3, exp(-x)*y)", local_dict={"x": x, "y": y})
        if jax is not None:
            jx, jy = jnp.asarray(x), jnp.asarray(y)
            c["jax.jit"] = lambda jx=jx, jy=jy: j_where(jx, jy).block_until_ready()
        if numba is not None:
            c["numba parallel"] = lambda: nb_where(x, y)
        ctx.measure(f"{WHERE}", c, size=n, size_label=f"{n:,} float64", rtol=1e-13)

        c = {"fuseflow": lambda: centred_ss(x), "numpy": lambda: np.sum((x - x.mean()) ** 2)}
        if jax is not None:
            c["jax.jit"] = lambda jx=jx: j_css(jx).block_until_ready()
        if numba is not None:
            c["numba parallel"] = lambda: nb_css(x)
        # Summation order differs between sides: relative agreement, not bitwise.
        ctx.measure("sum((x - mean(x))^2)", c, size=n, size_label=f"{n:,} float64", rtol=1e-10)
        del x, y

    _kernels(ctx, rng)
    _threshold(ctx, rng, where_expr)


MATH_OPS = {
    # name: (peer label, peer function, input range)
    "exp": ("numpy.exp", "exp", (-20.0, 20.0)),
    "log": ("numpy.log", "log", (1e-3, 1e3)),
    "log1p": ("numpy.log1p", "log1p", (-0.9, 100.0)),
    "expm1": ("numpy.expm1", "expm1", (-5.0, 5.0)),
    "sqrt": ("numpy.sqrt", "sqrt", (0.0, 1e6)),
    "sin": ("numpy.sin", "sin", (-100.0, 100.0)),
    "cos": ("numpy.cos", "cos", (-100.0, 100.0)),
    "tanh": ("numpy.tanh", "tanh", (-5.0, 5.0)),
    "sigmoid": ("scipy.special.expit", "expit", (-20.0, 20.0)),
    "erf": ("scipy.special.erf", "erf", (-5.0, 5.0)),
    "erfc": ("scipy.special.erfc", "erfc", (-5.0, 20.0)),
    "norm_cdf": ("scipy.special.ndtr", "ndtr", (-10.0, 10.0)),
    "floor": ("numpy.floor", "floor", (-1e6, 1e6)),
    "ceil": ("numpy.ceil", "ceil", (-1e6, 1e6)),
    "round": ("numpy.round", "round", (-1e6, 1e6)),
    "abs": ("numpy.abs", "abs", (-1e6, 1e6)),
}


def _kernels(ctx, rng):
    """The math kernels alone (_core.unary_math: no executor blocks, no OpenMP) vs NumPy/SciPy."""
    from fuseflow import _core

    scipy = ctx.peer("scipy")
    n = ctx.pick(1000, 100_000, 1_000_000)
    for dtype in (np.float64, np.float32):
        tol = 4e-16 if dtype == np.float64 else 3e-7
        for name, (label, fn_name, (lo, hi)) in MATH_OPS.items():
            if label.startswith("scipy"):
                if scipy is None:
                    continue
                import scipy.special as sc

                peer = getattr(sc, fn_name)
            else:
                peer = getattr(np, fn_name)
            x = rng.uniform(lo, hi, n).astype(dtype)
            ctx.measure(f"kernel {name} ({np.dtype(dtype).name}, 1 thread)",
                        {"fuseflow": lambda name=name, x=x: _core.unary_math(name, x), label: lambda peer=peer, x=x: peer(x)},
                        size=n, size_label=f"{n:,} {np.dtype(dtype).name}", rtol=16 * tol, atol=1e-300,
                        params={"op": name, "dtype": np.dtype(dtype).name})
        x = rng.standard_normal(n).astype(dtype)
        y = rng.standard_normal(n).astype(dtype)
        for name, label, peer, ours in [
            ("sum", "numpy.sum", lambda: np.sum(x), lambda: _core.reduce_kernel("sum", x)),
            ("dot", "numpy.dot", lambda: np.dot(x, y), lambda: _core.reduce_kernel("dot", x, y)),
            ("min", "numpy.min", lambda: np.min(x), lambda: _core.reduce_kernel("min", x)),
            ("max", "numpy.max", lambda: np.max(x), lambda: _core.reduce_kernel("max", x)),
            ("argmin", "numpy.argmin", lambda: np.argmin(x), lambda: _core.reduce_kernel("argmin", x)),
            ("argmax", "numpy.argmax", lambda: np.argmax(x), lambda: _core.reduce_kernel("argmax", x)),
        ]:
            # Sums in another order: agreement relative to sum |x| (~0.8 n), not to the result.
            rt = 0.0 if name.startswith("arg") or name in ("min", "max") else n * (1e-15 if dtype == np.float64 else 1e-6)
            ctx.measure(f"reduce kernel {name} ({np.dtype(dtype).name}, 1 thread)", {"fuseflow": ours, label: peer},
                        size=n, size_label=f"{n:,} {np.dtype(dtype).name}", rtol=0.0, atol=rt,
                        params={"op": name, "dtype": np.dtype(dtype).name},
                        note="NumPy's dot may use a multithreaded BLAS" if name == "dot" else "")


def _threshold(ctx, rng, where_expr):
    """Where the OpenMP split starts paying off: the same program at all threads vs 1 thread."""
    import fuseflow as ff

    threads = ff.get_num_threads()
    if threads < 2:
        ctx.skip("OpenMP threshold", "one thread only")
        return

    def at(k, fn):
        def run():
            ff.set_num_threads(k)
            try:
                return fn()
            finally:
                ff.set_num_threads(threads)
        return run

    for n in ctx.pick((16_384, 262_144), (16_384, 65_536, 262_144, 1_048_576),
                      (16_384, 32_768, 65_536, 131_072, 262_144, 524_288, 1_048_576)):
        x = rng.standard_normal(n)
        y = rng.standard_normal(n)
        ctx.measure(f"OpenMP threshold: {WHERE}", {"fuseflow": lambda: where_expr(x, y),
                                                    "fuseflow 1 thread": at(1, lambda: where_expr(x, y))},
                    size=n, size_label=f"{n:,} float64 ({threads} vs 1 threads)", rtol=0.0)
