"""fuseflow's benchmark suite: `python -m fuseflow.bench` measures fuseflow against the libraries
a user would pick instead, side by side in one process (rules in fuseflow.bench._harness), and
`python -m fuseflow.bench.compare OLD.json NEW.json` flags regressions between two runs.

The run's JSON follows schema.json in this package (fuseflow.bench.schema())."""

from ._cli import main
from ._harness import PROFILES, SelfTimed, max_abs_diff
from ._report import schema, validate

__all__ = ["main", "PROFILES", "SelfTimed", "max_abs_diff", "schema", "validate"]
