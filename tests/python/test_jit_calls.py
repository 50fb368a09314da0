"""ff.jit calls as users write them (issue 15 item 4): keyword calls and defaults on the native
path, captured arrays (closures, globals) and methods, explain_recompile / FUSEFLOW_LOG_COMPILES.
References are plain NumPy on the same values."""

import gc
import weakref

import numpy as np
import pytest

import fuseflow as ff

G = np.array([1.0, 2.0, 3.0])  # a module global read by a jit function below


def _count_slow(f):
    """Replaces f's Python fallback with a counting wrapper (the native dispatcher looks
    _call_slow up on the instance)."""
    calls = []
    slow = f._call_slow

    def counting(*args, **kwargs):
        calls.append((args, kwargs))
        return slow(*args, **kwargs)

    f._call_slow = counting
    return calls


def test_keyword_and_default_calls_run_natively_after_the_first():
    @ff.jit
    def axpy(x, y, a=2.0):
        return a * x + y

    x, y = np.arange(5.0), np.linspace(-1.0, 1.0, 5)
    np.testing.assert_array_equal(axpy(x, y, 3.0), 3.0 * x + y)
    calls = _count_slow(axpy)
    np.testing.assert_array_equal(axpy(x=x, y=y, a=0.5), 0.5 * x + y)
    np.testing.assert_array_equal(axpy(y=y, x=x), 2.0 * x + y)
    np.testing.assert_array_equal(axpy(x, y), 2.0 * x + y)
    np.testing.assert_array_equal(axpy(x, a=-1.0, y=y), -x + y)
    assert calls == [] and axpy.trace_count == 1


def test_bad_keyword_calls_raise_pythons_binding_errors():
    @ff.jit
    def axpy(x, y, a=2.0):
        return a * x + y

    x = np.ones(3)
    axpy(x, x)
    with pytest.raises(TypeError, match="axpy\\(\\): missing a required argument: 'y'"):
        axpy(x)
    with pytest.raises(TypeError, match="multiple values for argument 'a'"):
        axpy(x, x, 1.0, a=2.0)
    with pytest.raises(TypeError, match="unexpected keyword argument 'z'"):
        axpy(x, y=x, z=1.0)


def test_captured_closure_array_is_read_at_every_call():
    w = np.array([1.0, 2.0, 3.0])

    @ff.jit
    def scale(x):
        return x * w

    x = np.array([2.0, 2.0, 2.0])
    np.testing.assert_array_equal(scale(x), x * np.array([1.0, 2.0, 3.0]))
    w[0] = 10.0  # in-place change: seen by the next call (no copy was frozen into the program)
    np.testing.assert_array_equal(scale(x), x * np.array([10.0, 2.0, 3.0]))
    w = np.array([5.0, 6.0, 7.0])  # rebinding the variable: seen too, same layout, no retrace
    np.testing.assert_array_equal(scale(x), x * np.array([5.0, 6.0, 7.0]))
    assert scale.trace_count == 1
    w = np.array([1, 2, 3], dtype=np.int32)  # a new dtype retraces
    np.testing.assert_array_equal(scale(x), x * np.array([1, 2, 3]))
    assert scale.trace_count == 2
    assert "w (captured): float64 1-D array" in scale.explain_recompile()


def test_captured_global_array_is_an_input():
    @ff.jit
    def shift(x):
        return x + G

    x = np.arange(3.0)
    np.testing.assert_array_equal(shift(x), x + G)
    G[1] = -5.0
    try:
        np.testing.assert_array_equal(shift(x), x + np.array([1.0, -5.0, 3.0]))
    finally:
        G[1] = 2.0


def test_captured_array_shape_errors_name_it():
    w = np.ones(4)

    @ff.jit
    def f(x):
        return x * w

    with pytest.raises(ValueError, match="w \\(captured\\): shape \\(4,\\)"):
        f(np.ones(3))


def test_jit_method_reads_self_arrays_and_scalars():
    class Layer:
        def __init__(self, b, k):
            self.b = b
            self.k = k

        @ff.jit
        def forward(self, x):
            return x * self.k + self.b + self.helper(x)

        def helper(self, x):
            return self.b * x

    x = np.array([1.0, 2.0, 3.0])
    layer = Layer(np.array([0.5, 1.5, -1.0]), 2.0)
    other = Layer(np.array([1.0, 1.0, 1.0]), -3.0)
    np.testing.assert_allclose(layer.forward(x), x * 2.0 + layer.b + layer.b * x, rtol=0, atol=1e-15)
    np.testing.assert_allclose(other.forward(x), x * -3.0 + other.b + other.b * x, rtol=0, atol=1e-15)
    layer.b[:] = 0.0  # array attributes are read at every call
    np.testing.assert_allclose(layer.forward(x=x), x * 2.0, rtol=0, atol=1e-15)
    assert layer.forward is layer.forward  # one binding per instance


def test_jit_method_binding_does_not_keep_the_instance_alive():
    class Model:
        def __init__(self):
            self.w = np.ones(2)

        @ff.jit
        def apply(self, x):
            return x * self.w

    m = Model()
    m.apply(np.ones(2))
    ref = weakref.ref(m)
    del m
    gc.collect()
    assert ref() is None


def test_explain_recompile_names_the_changed_argument(monkeypatch, capsys):
    # capsys, not capfd: the log is a Python print, while a C++ warning written to fd 2 from
    # the compile thread (e.g. CXX=/nonexistent in the tier runs) shares capfd's file and can
    # overwrite a buffered line there.
    monkeypatch.setenv("FUSEFLOW_LOG_COMPILES", "1")

    @ff.jit
    def f(x, y):
        return x + y

    assert f.explain_recompile() == "f: not compiled yet"
    f(np.ones(3), 1.0)
    f(np.ones(3, dtype=np.float32), 1.0)
    f(np.ones(3, dtype=np.float32), np.float32(1.0))
    f(np.ones((2, 1), dtype=np.float32), np.float32(1.0))
    lines = f.explain_recompile().splitlines()
    assert lines[0].startswith("f compile #1: first call: x: float64 1-D array")
    assert lines[1] == "f compile #2: x: float64 1-D array of its own length -> float32 1-D array of its own length"
    assert lines[2] == "f compile #3: y: Python float64 scalar -> NumPy float32 scalar"
    assert lines[3] == ("f compile #4: x: float32 1-D array of its own length -> float32 2-D array, "
                        "length-1 axes [1]")
    err = capsys.readouterr().err
    assert err.count("fuseflow.jit: f compile #") == 4 and "-> NumPy float32 scalar" in err


def test_out_calls_run_natively_once_the_layout_is_remembered():
    @ff.jit
    def stats(x, y):
        return x + y, x * y

    x, y = np.arange(4.0), np.linspace(0.5, 2.0, 4)
    a, b = np.empty(4), np.empty(4)
    stats(x, y, out=(a, b))
    calls = _count_slow(stats)
    got = stats(x, y, out=[a, b])  # a list of out arrays returns a tuple of them, as in Python
    assert type(got) is tuple and got[0] is a and got[1] is b
    np.testing.assert_array_equal(a, x + y)
    np.testing.assert_array_equal(b, x * y)
    assert calls == []
    # Rule violations on the native path give the Python path's errors, naming out.
    with pytest.raises(ValueError, match=r"out\[1\]"):
        stats(x, y, out=(a, np.empty(5)))
    with pytest.raises(TypeError, match=r"out\[0\]"):
        stats(x, y, out=(np.empty(4, dtype=np.float32), b))
    with pytest.raises(ValueError, match=r"out\[0\]: must be writeable"):
        ro = np.empty(4)
        ro.flags.writeable = False
        stats(x, y, out=(ro, b))
    with pytest.raises(TypeError, match=r"out: stats returns 2 values"):
        stats(x, y, out=a)


def test_out_overlapping_an_input_on_the_native_path():
    @ff.jit
    def shift(x, y):
        return x * 2.0 + y

    x, y = np.arange(5.0), np.ones(5)
    shift(x, y)  # remembered
    want = x * 2.0 + y
    assert shift(x, y, out=x) is x
    np.testing.assert_array_equal(x, want)
