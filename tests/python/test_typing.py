"""Typing and documentation (issue 15 item 6): the typed example runs, the examples in the
docstrings of the graph, index, loader and algorithm front ends run as written (doctest), and
mypy (when installed) reads the package's stubs: a mistyped call is reported.
scripts/check_stubs.sh is the full check (stub regeneration, stubtest, mypy --strict)."""

import importlib
import os
import pathlib
import shutil
import subprocess
import sys

import pytest

import fuseflow as ff

from _doctests import check_module_examples

ROOT = pathlib.Path(__file__).resolve().parents[2]

DOCTESTED = [
    "fuseflow.graph", "fuseflow.graph_view", "fuseflow.index", "fuseflow.io", "fuseflow._checks", "fuseflow.algorithms.pagerank",
    "fuseflow.algorithms.label_propagation", "fuseflow.algorithms.connected_components",
    "fuseflow.algorithms.bfs", "fuseflow.algorithms.sssp", "fuseflow.dsl", "fuseflow.loops", "fuseflow._warnings",
    "fuseflow.profile", "fuseflow.reductions", "fuseflow.array_ops", "fuseflow.shape_ops", "fuseflow.algorithms.centrality",
    "fuseflow.algorithms.k_core", "fuseflow.algorithms.leiden", "fuseflow.algorithms.louvain",
    "fuseflow.algorithms.minimum_spanning_tree", "fuseflow.algorithms.paths", "fuseflow.algorithms.spectral",
    "fuseflow.algorithms.strongly_connected_components", "fuseflow.algorithms.triangles",
    "fuseflow.finance.black_scholes", "fuseflow.finance.merton", "fuseflow.finance.black76",
    "fuseflow.finance.bachelier", "fuseflow.finance.digital", "fuseflow.finance.american",
]


def test_typed_example_runs():
    sys.path.insert(0, str(ROOT / "tests" / "typing"))
    try:
        module = importlib.import_module("typed_usage")
        module.main()
    finally:
        sys.path.pop(0)


@pytest.mark.parametrize("name", DOCTESTED)
def test_docstring_examples_run(name):
    check_module_examples(name)


def test_every_public_function_in_these_modules_has_an_example():
    import inspect

    missing = []
    for name in DOCTESTED:
        if name == "fuseflow._checks":
            continue  # private helpers
        module = importlib.import_module(name)
        public = getattr(module, "__all__", None)
        for attr, obj in vars(module).items():
            if attr.startswith("_") or (public is not None and attr not in public):
                continue
            if getattr(obj, "__module__", None) != name:
                continue
            targets = [(attr, obj)]
            if inspect.isclass(obj):
                targets = [(f"{attr}.{m}", v) for m, v in vars(obj).items() if not m.startswith("_")
                           and (inspect.isfunction(v) or isinstance(v, (classmethod, property)))]
            for label, fn in targets:
                fn = getattr(fn, "__func__", getattr(fn, "fget", fn))
                if inspect.isfunction(fn) and not fn.__name__.startswith("_") and ">>>" not in (fn.__doc__ or ""):
                    missing.append(f"{name}.{label}")
    assert missing == []


def test_core_stubs_are_committed_next_to_the_package():
    stubs = pathlib.Path(ff.__file__).parent / "_core"
    assert (stubs / "__init__.pyi").is_file()
    assert "def pagerank(" in (stubs / "__init__.pyi").read_text()


@pytest.mark.skipif(shutil.which("mypy") is None and importlib.util.find_spec("mypy") is None,
                    reason="mypy not installed")
def test_mypy_reads_the_stubs(tmp_path):
    program = tmp_path / "wrong.py"
    program.write_text(
        "import fuseflow as ff\n"
        "g = ff.Graph.from_edges([0], [1])\n"
        "ranks: str = ff.algorithms.pagerank(g)\n"
        "ff.EmbeddingIndex(4).add([[1.0] * 4], progress='yes')\n"
    )
    env = dict(os.environ, PYTHONPATH=str(pathlib.Path(ff.__file__).parent.parent))
    out = subprocess.run([sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(tmp_path / "cache"),
                          str(program)], capture_output=True, text=True, cwd=tmp_path, env=env)
    assert out.returncode == 1, out.stdout
    assert 'wrong.py:3: error: Incompatible types in assignment (expression has type "ndarray' in out.stdout
    assert 'wrong.py:4: error: Argument "progress" to "add" of "EmbeddingIndex" has incompatible type "str"' \
        in out.stdout
