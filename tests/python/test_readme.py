"""The README quickstart runs as written (docs must not drift from the API)."""

from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[2] / "README.md"


def test_quickstart_runs_and_agrees_with_numpy():
    text = README.read_text()
    start = text.index("```python") + len("```python")
    code = text[start:text.index("```", start)]
    scope = {}
    exec(compile(code, str(README), "exec"), scope)
    g, ranks, smooth = scope["g"], scope["ranks"], scope["smooth"]
    assert abs(ranks.sum() - 1.0) < 1e-12
    # Independent check of the jit program: the same smoothing with NumPy over the CSC.
    off, srcs, _ = g.csc()
    deg = np.diff(off)
    dst_of_position = np.repeat(np.arange(g.num_nodes), deg)
    y = ranks.copy()
    for _ in range(10):
        sums = np.bincount(dst_of_position, weights=y[srcs], minlength=g.num_nodes)
        y = 0.5 * ranks + 0.5 * np.divide(sums, deg, out=np.zeros_like(y), where=deg > 0)
    np.testing.assert_allclose(smooth(g, ranks, 0.5), y, rtol=1e-12, atol=1e-15)
    assert len(scope["ids"]) == 5
    x = scope["x"]  # the N-d example and the eager array operations, against NumPy
    want = (x - x.mean(1, keepdims=True)) / x.std(1, keepdims=True)
    np.testing.assert_allclose(scope["y"], want, rtol=1e-12, atol=1e-12)
    np.testing.assert_array_equal(scope["top"], -np.sort(-x, axis=-1)[:, :5])
    np.testing.assert_allclose(scope["c"], np.cumsum(x, axis=1), rtol=1e-12)
    np.testing.assert_array_equal(scope["q"], np.quantile(x, 0.9, axis=0))
