"""A typed program using fuseflow's public API; `mypy --strict` must pass on it
(scripts/check_stubs.sh) and it must run (tests/python/test_typing.py runs main())."""

from __future__ import annotations

import logging

import numpy as np
from numpy.typing import NDArray

import fuseflow as ff


@ff.jit
def scaled_softplus(x: NDArray[np.float64], scale: float) -> NDArray[np.float64]:
    return ff.log1p(ff.exp(x)) * scale


@ff.jit(static_argnames=("mode",))
def reduce(x: NDArray[np.float64], mode: str) -> np.float64:
    return ff.sum(x) if mode == "sum" else ff.mean(x)


def graph_figures(n: int) -> tuple[NDArray[np.float64], int, float]:
    src = np.arange(n, dtype=np.int64)
    dst = (src + 1) % n
    g: ff.Graph = ff.Graph.from_edges(src, dst, weights=np.ones(n))
    ranks, info = ff.algorithms.pagerank(g, tol=1e-10, return_info=True)
    iterations: int = int(info.iterations)
    labels: NDArray[np.int64] = ff.algorithms.connected_components(g)
    levels = ff.algorithms.bfs(g, 0)
    levels2, parents = ff.algorithms.bfs(g, 0, return_parents=True)
    dist: NDArray[np.float64] = ff.algorithms.sssp(g, 0)
    assert int(levels.max()) == n - 1 and int(parents[1]) == 0 and bool((levels == levels2).all())
    assert len(np.unique(labels)) == 1
    return ranks, iterations, float(dist[-1])


def nearest(vectors: NDArray[np.float32], k: int) -> NDArray[np.int64]:
    index = ff.EmbeddingIndex(vectors.shape[1], metric="cosine")
    index.add(vectors, progress=False)
    scores, ids = index.search(vectors[:2], k=k)
    assert scores.dtype == np.float32
    return ids


def prices(spots: NDArray[np.float64]) -> tuple[NDArray[np.float64], float]:
    calls = ff.finance.black_scholes.call_price(spots, 100.0, 1.0, 0.01, 0.2)
    one: float = ff.finance.black_scholes.call_price(100.0, 100.0, 1.0, 0.01, 0.2)
    greeks = ff.finance.black_scholes.greeks(spots, 100.0, 1.0, 0.01, 0.2)
    delta: NDArray[np.float64] = greeks["delta"]
    assert delta.shape == spots.shape
    return calls, one


def main() -> None:
    logging.getLogger("fuseflow").setLevel(logging.WARNING)
    x = np.linspace(-2.0, 2.0, 5)
    y = scaled_softplus(x, 2.0)
    assert np.allclose(y, np.log1p(np.exp(x)) * 2.0)
    assert float(reduce(x, "sum")) == 0.0
    ranks, iterations, far = graph_figures(10)
    assert abs(float(ranks.sum()) - 1.0) < 1e-12 and iterations >= 1 and far == 9.0
    rng = np.random.default_rng(0)
    ids = nearest(rng.standard_normal((20, 4)).astype(np.float32), 3)
    assert ids.shape == (2, 3) and ids[0, 0] == 0
    calls, one = prices(np.array([90.0, 100.0, 110.0]))
    assert abs(float(calls[1]) - one) < 1e-12
    print(ff.__version__)


if __name__ == "__main__":
    main()
