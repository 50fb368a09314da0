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
