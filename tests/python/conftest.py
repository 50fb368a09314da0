import numpy as np
import pytest


def pytest_configure(config):
    # Tests marked `plan` check what the optimizer's passes make of a program (fused kernels, steps
    # per pass over the data). Every other test must pass with any pass disabled:
    #   FUSEFLOW_DISABLE_PASSES=elementwise_fusion pytest tests/python -m "not plan"
    config.addinivalue_line("markers", "plan: asserts the optimized plan's shape (fails when a pass is disabled)")


@pytest.fixture
def rng():
    return np.random.default_rng(12345)


@pytest.fixture(scope="module")
def dask_client():
    """A Dask LocalCluster of 2 worker processes on 127.0.0.1, one per test module (a module that
    kills a worker does not leak into the next). Every blocking call is bounded by 60 s."""
    distributed = pytest.importorskip("distributed")
    timeout = 60
    cluster = distributed.LocalCluster(n_workers=2, processes=True, threads_per_worker=1, host="127.0.0.1",
                                       dashboard_address=None, timeout=timeout, worker_dashboard_address=None)
    c = distributed.Client(cluster, timeout=timeout)
    try:
        yield c
    finally:
        c.close(timeout=timeout)
        cluster.close(timeout=timeout)
