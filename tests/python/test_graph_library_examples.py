"""The Example sections in the docstrings of the graph library's front ends (issue 13) run as
written and print what they show (doctest), and every public function there has one. The
modules doctested by test_typing.py (pagerank, bfs, sssp, ...) are not repeated here."""

import doctest
import importlib
import inspect

import numpy as np
import pytest

import fuseflow as ff

MODULES = [
    "fuseflow.algorithms.centrality", "fuseflow.algorithms.k_core", "fuseflow.algorithms.leiden",
    "fuseflow.algorithms.louvain", "fuseflow.algorithms.minimum_spanning_tree", "fuseflow.algorithms.paths",
    "fuseflow.algorithms.spectral", "fuseflow.algorithms.strongly_connected_components",
    "fuseflow.algorithms.triangles",
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples_run(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"ff": ff, "np": np},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no docstring example"


@pytest.mark.parametrize("name", MODULES)
def test_every_public_function_has_an_example(name):
    module = importlib.import_module(name)
    missing = [attr for attr, obj in vars(module).items()
               if not attr.startswith("_") and inspect.isfunction(obj) and obj.__module__ == name
               and ">>>" not in (obj.__doc__ or "")]
    assert missing == [], f"{name}: no Example in {missing}"
