"""One way to run a module's docstring examples (issue 15 item 6): as the API reference says,
examples assume `import fuseflow as ff` and `import numpy as np`."""

import doctest
import importlib

import numpy as np

import fuseflow as ff


def check_module_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, extraglobs={"ff": ff, "np": np},
                             optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE)
    assert result.failed == 0
    assert result.attempted > 0, f"{name} has no docstring example"
