"""The suites, in the order a full run takes them. Each module has DESCRIPTION and run(ctx).

A suite is registered by naming its module in ORDER. Modules in OPTIONAL may be absent from a
build or a branch (they land separately): a missing one is left out of SUITES, not an error;
one that exists but fails to import still raises (a broken suite must not vanish silently)."""

import importlib

ORDER = ["boundary", "arrays", "array_ops", "ndarray", "graph", "graph_dsl", "graph_library", "index", "finance", "loading",
         "views", "memory", "fusion", "jit", "scale_out"]
OPTIONAL: set[str] = set()  # every suite has landed; keep the mechanism for the next one


def _load(name):
    try:
        return importlib.import_module(f"{__name__}.{name}")
    except ModuleNotFoundError as e:
        if name in OPTIONAL and e.name == f"{__name__}.{name}":
            return None
        raise


SUITES = {name: module for name in ORDER if (module := _load(name)) is not None}
