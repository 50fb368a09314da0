"""The docstring examples of the generators and of the fuseflow.dask / fuseflow.mpi front ends
run as written (doctest; the MPI ones on a one-rank world, the ShardedIndex one on an
in-process Dask cluster), and every public function and class there has one (issue 15 item 6)."""

import importlib
import inspect

import pytest

from _doctests import check_module_examples

pytest.importorskip("dask.array")
pytest.importorskip("distributed")
pytest.importorskip("mpi4py")

MODULES = [
    "fuseflow.generators", "fuseflow.dask.arrays", "fuseflow.dask._topk", "fuseflow.dask._threads",
    "fuseflow.dask.sharded_index", "fuseflow.mpi.dist_graph", "fuseflow.mpi.pagerank", "fuseflow.mpi.bfs",
    "fuseflow.mpi.connected_components", "fuseflow.mpi.program",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    check_module_examples(name)


def _public(package):
    module = importlib.import_module(package)
    names = getattr(module, "__all__", None) or [n for n, v in vars(module).items()
                                                 if not n.startswith("_") and inspect.isfunction(v)
                                                 and v.__module__ == package]
    return [(f"{package}.{n}", getattr(module, n)) for n in names]


def test_every_public_function_and_class_has_an_example():
    import fuseflow.mpi as fmpi

    missing = []
    targets = _public("fuseflow.generators") + _public("fuseflow.dask") + _public("fuseflow.mpi")
    targets.append(("fuseflow.mpi.DistGraph.from_edges", fmpi.DistGraph.from_edges))
    for label, obj in targets:
        if inspect.isclass(obj) and issubclass(obj, Exception):
            continue  # the error types are documented where they are raised
        if ">>>" not in (inspect.getdoc(obj) or ""):
            missing.append(label)
    assert missing == []
