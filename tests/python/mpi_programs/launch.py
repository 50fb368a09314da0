"""Launching a program under mpirun for the tests: loopback TCP only, the run-as-root variables
CI needs, one OpenMP thread per rank, bounded in time."""

import os
import shutil
import subprocess
import sys

import pytest

MPIRUN = shutil.which("mpirun", path=os.path.dirname(sys.executable) + os.pathsep + os.environ.get("PATH", ""))
TIMEOUT = 180


def mpirun(np_, *args, timeout=TIMEOUT):
    env = dict(os.environ, OMPI_ALLOW_RUN_AS_ROOT="1", OMPI_ALLOW_RUN_AS_ROOT_CONFIRM="1",
               FUSEFLOW_NUM_THREADS="1", OMP_NUM_THREADS="1")
    cmd = [MPIRUN, "-np", str(np_), "--oversubscribe", "--bind-to", "none", "--mca", "btl", "tcp,self",
           "--mca", "btl_tcp_if_include", "lo", sys.executable, *args]
    try:
        run = subprocess.run(cmd, env=env, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired as e:
        pytest.fail(f"mpirun -np {np_} did not finish in {timeout} s: {e.stdout} {e.stderr}")
    assert run.returncode == 0, f"mpirun failed ({run.returncode}):\n{run.stdout}\n{run.stderr}"
    return run
