"""A script that used fuseflow exits quietly: nothing on stderr, exit status 0.

nanobind reports at interpreter teardown every instance of its types still alive ("nanobind:
leaked 3 instances!" and a list). Caches held by fuseflow's own modules kept jit functions alive
that long: any eager ``ff.neighbor_agg`` call printed a leak report at exit, as did Dask
``map_jit``/``jit_call`` programs. The child script below touches each layer that keeps state.
"""

import subprocess
import sys
import textwrap

import pytest

SCRIPT = textwrap.dedent(
    """
    import numpy as np
    import fuseflow as ff
    from fuseflow import examples
    g = ff.Graph.from_edges([0, 1, 2], [1, 2, 0], weights=[1.0, 2.0, 3.0])
    ff.neighbor_agg(g, np.ones(3), "sum")
    ff.neighbor_agg(g, np.zeros(3), "min", combine="add", active=np.array([True, False, True]))
    examples.pagerank(g, 0.85, 3)
    ff.algorithms.pagerank(g)
    ff.jit(lambda x: ff.exp(x) + 1)(np.ones(5))
    examples.bs_call(np.ones(4) * 100, np.ones(4) * 90, 1.0, 0.03, 0.25)
    ff.finance.black_scholes.call_price(100.0, np.array([90.0, 110.0]), 1.0, 0.03, 0.25)
    ff.finance.black_implied_volatility(np.array([10.0]), 100.0, 100.0, 1.0)
    index = ff.EmbeddingIndex(4, metric="l2")
    index.add(np.eye(4, dtype=np.float32))
    index.search(np.eye(4, dtype=np.float32)[:1], 2)
    g.subgraph(node_mask=[0, 1]).to_undirected()
    if {dask}:
        import dask.array as da
        from fuseflow.dask import map_jit
        map_jit(lambda x: x * 2.0 + ff.sum(x), da.arange(10.0, chunks=4)).compute()
    print("done")
    """
)


@pytest.mark.parametrize("dask", [False, True])
def test_a_script_using_fuseflow_exits_quietly(dask):
    if dask:
        pytest.importorskip("dask.array")
    done = subprocess.run([sys.executable, "-c", SCRIPT.format(dask=dask)], capture_output=True, text=True,
                          timeout=300)
    assert done.returncode == 0, done.stderr[-3000:]
    assert done.stdout.strip() == "done"
    assert done.stderr == "", done.stderr[-3000:]
