"""ndarray: row softmax and layer-norm on 2-D float64 vs NumPy and JAX, once fuseflow's ff.jit
takes N-d arrays (detected by a 2-D call; skipped with one line until then)."""

import numpy as np

DESCRIPTION = "row softmax / layer-norm on 2-D arrays vs NumPy and JAX (once N-d arrays exist)"


def _softmax_ff(ff):
    def softmax(x):
        e = ff.exp(x - ff.max(x, axis=1, keepdims=True))
        return e / ff.sum(e, axis=1, keepdims=True)
    return ff.jit(softmax)


def _layernorm_ff(ff):
    def layernorm(x):
        mu = ff.mean(x, axis=1, keepdims=True)
        c = x - mu
        return c / ff.sqrt(ff.mean(c * c, axis=1, keepdims=True) + 1e-5)
    return ff.jit(layernorm)


def run(ctx):
    import fuseflow as ff

    try:
        ff.jit(lambda x: x + 1.0)(np.ones((2, 3)))
        softmax, layernorm = _softmax_ff(ff), _layernorm_ff(ff)
        softmax(np.ones((2, 3)))
        layernorm(np.ones((2, 3)))
    except Exception as e:
        ctx.skip("suite", f"ff.jit does not take 2-D arrays / axis reductions yet ({type(e).__name__}: {e})")
        return
    jax = ctx.peer("jax")

    def np_softmax(x):
        e = np.exp(x - x.max(axis=1, keepdims=True))
        return e / e.sum(axis=1, keepdims=True)

    def np_layernorm(x):
        c = x - x.mean(axis=1, keepdims=True)
        return c / np.sqrt((c * c).mean(axis=1, keepdims=True) + 1e-5)

    rng = np.random.default_rng(5)
    for rows, cols in ctx.pick([(64, 64)], [(256, 256), (4096, 256)], [(256, 256), (4096, 1024), (65536, 256)]):
        x = rng.standard_normal((rows, cols))
        for name, ours, peer in (("row softmax", softmax, np_softmax), ("layer-norm", layernorm, np_layernorm)):
            contenders = {"fuseflow": lambda ours=ours: ours(x), "numpy": lambda peer=peer: peer(x)}
            if jax is not None:
                jfn = jax.jit(_jax_version(jax, name))
                jx = jax.numpy.asarray(x)
                contenders["jax.jit"] = lambda jfn=jfn, jx=jx: jfn(jx).block_until_ready()
            ctx.measure(name, contenders, size=rows * cols, size_label=f"{rows}x{cols} float64", rtol=1e-12, atol=1e-14)


def _jax_version(jax, name):
    jnp = jax.numpy
    if name == "row softmax":
        def f(x):
            e = jnp.exp(x - x.max(axis=1, keepdims=True))
            return e / e.sum(axis=1, keepdims=True)
    else:
        def f(x):
            c = x - x.mean(axis=1, keepdims=True)
            return c / jnp.sqrt((c * c).mean(axis=1, keepdims=True) + 1e-5)
    return f
