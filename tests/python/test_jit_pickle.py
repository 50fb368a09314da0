"""ff.jit functions pickle by reference to their Python function and run after loading, also in
a fresh process (multiprocessing pools, Dask workers); copy/deepcopy return a working function."""

import copy
import pickle
import subprocess
import sys
import textwrap

import numpy as np
import pytest

import fuseflow as ff


@ff.jit
def weighted_sum(x, y):
    return ff.sum(x * y)


def _plus_one(x):
    return x + 1.0


plus_one = ff.jit(_plus_one)  # bound to another name than the function it wraps


def test_decorated_function_pickles_as_itself():
    x, y = np.arange(5.0), np.linspace(0, 1, 5)
    assert pickle.loads(pickle.dumps(weighted_sum)) is weighted_sum
    assert copy.deepcopy(weighted_sum) is weighted_sum
    assert weighted_sum(x, y) == np.dot(x, y)


def test_wrapped_function_is_rebuilt_around_its_function():
    back = pickle.loads(pickle.dumps(plus_one))
    assert isinstance(back, type(plus_one)) and back is not plus_one
    np.testing.assert_array_equal(back(np.arange(3.0)), [1.0, 2.0, 3.0])


def test_lambda_cannot_be_pickled_like_any_lambda():
    with pytest.raises((pickle.PicklingError, AttributeError, TypeError)):
        pickle.dumps(ff.jit(lambda x: x + 1))


def test_pickled_jit_function_runs_in_a_fresh_process(tmp_path):
    (tmp_path / "jitmod.py").write_text(textwrap.dedent("""
        import fuseflow as ff

        @ff.jit
        def decorated(x, y):
            return ff.sum(x * y)

        def plain(x):
            return x * 2.0

        wrapped = ff.jit(plain)
    """))
    code = textwrap.dedent(f"""
        import pickle, sys
        sys.path.insert(0, {str(tmp_path)!r})
        import jitmod
        sys.stdout.buffer.write(pickle.dumps((jitmod.decorated, jitmod.wrapped)))
    """)
    blob = subprocess.run([sys.executable, "-c", code], capture_output=True, timeout=120, check=True).stdout
    load = textwrap.dedent(f"""
        import pickle, sys, numpy as np
        sys.path.insert(0, {str(tmp_path)!r})
        f, g = pickle.loads(sys.stdin.buffer.read())
        print(f(np.arange(4.0), np.arange(4.0)), g(np.arange(3.0)).tolist())
    """)
    out = subprocess.run([sys.executable, "-c", load], input=blob, capture_output=True, timeout=120)
    assert out.returncode == 0, out.stderr.decode()
    assert out.stdout.decode().split() == ["14.0", "[0.0,", "2.0,", "4.0]"]
