"""The scale_out benchmark's Dask helpers measure what they claim: each block's inputs on one
worker, every timed call computing afresh, and results bitwise those of one process."""

import io

import numpy as np
import pytest


distributed = pytest.importorskip("distributed")
pytest.importorskip("fuseflow.dask")

from fuseflow.bench.suites import scale_out  # noqa: E402

TIMEOUT = 60


@pytest.fixture(scope="module")
def client(dask_client):
    return dask_client


def test_colocated_blocks_share_a_worker_round_robin(client, rng):
    arrays = [rng.standard_normal(1001) for _ in range(3)]
    dargs = scale_out._colocated(client, arrays, 4)
    who = client.who_has()  # every key the scheduler holds (before anything reads the blocks)
    workers = sorted(client.scheduler_info()["workers"])
    for i in range(4):
        holders = {tuple(who[d.__dask_keys__()[i]]) for d in dargs}
        assert holders == {(workers[i % len(workers)],)}  # block i of every array on one worker
    for a, d in zip(arrays, dargs):
        assert d.chunks == ((250, 250, 250, 251),)
        assert np.array_equal(d.compute(), a)


def test_fresh_run_recomputes_every_call_and_matches_one_process(client, rng):
    bs_call = scale_out._bs_call()
    n = 4000
    s, k = rng.uniform(50, 150, n), rng.uniform(50, 150, n)
    t, sigma = rng.uniform(0.1, 2.0, n), rng.uniform(0.1, 0.6, n)
    want = bs_call(s, k, t, 0.03, sigma)
    dargs = scale_out._colocated(client, (s, k, t, sigma), 4)
    import fuseflow.dask as fdask

    run = scale_out._FreshRun(client, lambda: fdask.map_jit(bs_call, dargs[0], dargs[1], dargs[2], 0.03, dargs[3]),
                              dargs, gather=True)
    computed = []
    for _ in range(3):
        with distributed.get_task_stream(client) as ts:
            got, seconds = run(None)
        assert seconds > 0 and np.array_equal(got, want)  # bitwise: blockwise is elementwise
        computed.append(sum(1 for task in ts.data if task["key"][0].startswith("ffout0")))
    assert computed == [4, 4, 4]  # one task per block, every call: nothing answered from a cache
    persisted = scale_out._FreshRun(client, lambda: fdask.map_jit(bs_call, dargs[0], dargs[1], dargs[2], 0.03,
                                                                  dargs[3]), dargs, gather=False)
    empty = scale_out._FreshRun(client, lambda: dargs[0].map_blocks(scale_out._first, chunks=((1,) * 4,),
                                                                    dtype=np.float64), dargs, gather=False)
    assert np.array_equal(empty(None)[0].compute(), s[[0, 1000, 2000, 3000]])  # one element per block
    summary = scale_out._WorkerCompute(client, persisted, empty).summary()
    assert "tasks computed per call [4, 4, 4, 4, 4]" in summary and "input transfers in the last call 0.0 ms" in summary


def test_black_scholes_case_records_agreeing_figures(client):
    from rich.console import Console

    from fuseflow.bench._context import Context
    from fuseflow.bench._harness import PROFILES

    ctx = Context(PROFILES["tiny"], Console(file=io.StringIO()))
    ctx.suite = "scale_out"
    scale_out._dask_black_scholes(ctx, client)
    (case,) = ctx.cases
    assert not case.errors and not case.disagreements
    assert set(case.figures) == {"fuseflow", "fuseflow.dask persisted", "fuseflow.dask gathered"}
    assert case.max_abs_diff == {"fuseflow.dask persisted": 0.0, "fuseflow.dask gathered": 0.0}
