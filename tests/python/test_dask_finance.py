"""ff.finance over Dask arrays: blockwise pricing equals the NumPy call, with NumPy broadcasting
across Dask and NumPy arguments, greeks as lazy arrays, and the error rules.

Tolerance: the European kernel picks its series/direct branch per SIMD vector, so an option's
last bits can depend on which options share its vector, i.e. on the chunking: results agree to
1e-14 relative (both are within the kernel's 1e-13 accuracy), bitwise when the chunks line up."""

import numpy as np
import pytest

from numpy.testing import assert_allclose

import fuseflow as ff

da = pytest.importorskip("dask.array")
pytest.importorskip("fuseflow.dask")

fin = ff.finance


def close(actual, desired):
    assert_allclose(actual, desired, rtol=1e-14, atol=0)


def grid(rng, n):
    return (rng.uniform(50, 150, n), rng.uniform(60, 140, n), rng.uniform(0.01, 3, n),
            rng.uniform(-0.02, 0.08, n), rng.uniform(0.05, 0.9, n))


@pytest.mark.parametrize("chunks", [7, 64, 1000])
def test_black_scholes_blockwise_equals_numpy(rng, chunks):
    s, k, t, r, sigma = grid(rng, 1000)
    lazy = fin.black_scholes.call_price(da.from_array(s, chunks=chunks), k, t, r, da.from_array(sigma, chunks=chunks))
    assert isinstance(lazy, da.Array)
    close(lazy.compute(scheduler="threads"), fin.black_scholes.call_price(s, k, t, r, sigma))


def test_models_and_is_call_array(rng):
    s, k, t, r, sigma = grid(rng, 300)
    is_call = rng.random(300) < 0.5
    ds = da.from_array(s, chunks=50)
    for model, extra in ((fin.black76, ()), (fin.bachelier, ())):
        close(model.price(ds, k, t, r, sigma, is_call).compute(),
                                      model.price(s, k, t, r, sigma, is_call))
    close(fin.merton.price(ds, k, t, r, 0.01, sigma, da.from_array(is_call, chunks=50)).compute(),
                                  fin.merton.price(s, k, t, r, 0.01, sigma, is_call))
    close(fin.black_scholes.put_price(ds, k, t, r, sigma, q=0.02).compute(),
                                  fin.black_scholes.put_price(s, k, t, r, sigma, q=0.02))


def test_broadcasting_across_dask_and_numpy():
    strikes = da.from_array(np.linspace(80, 120, 9), chunks=4)        # (9,)
    spots = np.linspace(90, 110, 5)[:, None]                            # (5, 1)
    lazy = fin.black_scholes.call_price(spots, strikes, 0.5, 0.01, 0.25)
    assert lazy.shape == (5, 9)
    close(lazy.compute(), fin.black_scholes.call_price(spots, np.linspace(80, 120, 9), 0.5, 0.01, 0.25))


def test_greeks_are_lazy_and_equal(rng):
    s, k, t, r, sigma = grid(rng, 200)
    lazy = fin.black_scholes.greeks(da.from_array(s, chunks=33), k, t, r, sigma, q=0.01)
    eager = fin.black_scholes.greeks(s, k, t, r, sigma, q=0.01)
    assert set(lazy) == set(eager)
    for key in eager:
        assert isinstance(lazy[key], da.Array)
        close(lazy[key].compute(), eager[key])


def test_errors_raise_at_compute_or_nan():
    sigma = np.array([0.2, 0.3, -0.1, 0.4])
    lazy = fin.black_scholes.call_price(da.from_array(np.full(4, 100.0), chunks=2), 100.0, 1.0, 0.0, sigma)
    with pytest.raises(ValueError, match="sigma: must be > 0"):
        lazy.compute()
    nan = fin.black_scholes.call_price(da.from_array(np.full(4, 100.0), chunks=2), 100.0, 1.0, 0.0, sigma, errors="nan")
    out = nan.compute()
    assert np.isnan(out[2]) and np.isfinite(out[[0, 1, 3]]).all()


def test_on_a_distributed_cluster(dask_client, rng):
    s, k, t, r, sigma = grid(rng, 5000)
    lazy = fin.black_scholes.call_price(da.from_array(s, chunks=1000), k, t, r, sigma)
    close(dask_client.compute(lazy).result(timeout=60), fin.black_scholes.call_price(s, k, t, r, sigma))
