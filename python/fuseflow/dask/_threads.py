"""How many OpenMP threads a fuseflow call inside a Dask task may use.

A Dask worker with T threads runs up to T tasks at once; if each fuseflow call also started its
own OpenMP team of num_cores threads the machine would run T x num_cores threads. The rule:
a task's fuseflow calls get ``max(1, budget // T)`` threads, where the budget is the worker
process's ``FUSEFLOW_NUM_THREADS`` (or ``OMP_NUM_THREADS``) if set, else T. So by default each
task runs single-threaded (Dask's threads fill the cores), and a worker started with one Dask
thread and ``FUSEFLOW_NUM_THREADS=8`` gives each of its tasks 8 OpenMP threads.
"""

import os

from .. import _core


def _int_env(name):
    value = os.environ.get(name)
    try:
        n = int(value) if value else 0
    except ValueError:
        return 0
    return n if n > 0 else 0


def task_threads(worker_threads):
    """The fuseflow thread count for one task on a worker running `worker_threads` Dask threads.

    Example:
        >>> import os
        >>> from unittest import mock
        >>> from fuseflow.dask import task_threads
        >>> with mock.patch.dict(os.environ, {"FUSEFLOW_NUM_THREADS": "8"}):
        ...     task_threads(2), task_threads(16)  # 8 threads over 2 Dask threads; never below 1
        (4, 1)
    """
    worker_threads = max(1, int(worker_threads))
    budget = _int_env("FUSEFLOW_NUM_THREADS") or _int_env("OMP_NUM_THREADS") or worker_threads
    return max(1, budget // worker_threads)


def fit_threads():
    """Inside a Dask task: size fuseflow's OpenMP teams by the rule above. Outside a worker
    (a local scheduler, a test calling a task function directly) the setting is left alone."""
    try:
        from distributed import get_worker
        worker = get_worker()
    except (ImportError, ValueError):
        return
    n = task_threads(worker.state.nthreads)
    if _core.get_num_threads() != n:
        _core.set_num_threads(n)
