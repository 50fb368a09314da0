"""fuseflow in the environments users run it in: OpenMP teams smaller than asked, forked workers,
thread-count variables, container memory limits.

Smaller teams. OpenMP may start fewer threads than a region asks for: OMP_THREAD_LIMIT,
OMP_DYNAMIC=true on a loaded machine, a call from inside another library's parallel region. Code
that gave "thread k" the k-th of the parts it asked for then skipped the missing threads' parts:
Graph.from_edges under OMP_THREAD_LIMIT=1 built a CSR with lists left unfilled (and k_core
aborted on it). Here the same script runs in two child processes that ask for 2 threads
everywhere (FUSEFLOW_NUM_THREADS=2): one gets teams of 2, the other OMP_THREAD_LIMIT=1, so every
region runs with a team smaller than it asked for. The results must be the same: exactly for
integer and graph arrays, and for floats within 1e-12 (the work is split into the same parts, only
run by fewer threads; a dynamic schedule may add in another order).

Forked workers (also forked while other threads compute), OMP_NUM_THREADS and cgroup memory
limits: see the comments above their tests.
"""

import multiprocessing
import os
import subprocess
import sys
import textwrap
import warnings

import numpy as np
import pytest

import fuseflow as ff
from fuseflow import examples

# Every case is big enough that its regions ask for 2 threads (each kernel's threshold: from_edges
# 64K edges, bincount 1M values); a dict of name -> array, saved with np.savez.
CHILD = textwrap.dedent(
    """
    import sys
    import numpy as np
    import fuseflow as ff
    from fuseflow import examples

    A = ff.algorithms
    rng = np.random.default_rng(5)
    src, dst = ff.generators.rmat(15, 16, seed=3)[:2]
    n = int(max(src.max(), dst.max())) + 1
    w = rng.uniform(0.1, 2.0, src.shape[0])
    g = ff.Graph.from_edges(src, dst, num_nodes=n, weights=w)
    u = ff.Graph.from_edges(src, dst, num_nodes=n).to_undirected()
    keep = rng.random(n) < 0.6
    out = {}
    def graph(name, h):
        for part, arrs in (("csr", h.csr()), ("csc", h.csc())):
            for i, a in enumerate(arrs):
                if a is not None:
                    out[f"{name}.{part}{i}"] = np.asarray(a)
    graph("from_edges", g)
    graph("undirected", u)
    graph("reverse", g.reverse())
    sub = g.subgraph(node_mask=keep)
    graph("subgraph", sub)
    out["subgraph.edge_ids"] = sub.edge_ids
    out["k_core"] = A.k_core(u)
    out["triangle_count"] = A.triangle_count(u)[0]
    out["wcc"] = A.connected_components(u)
    out["scc"] = A.strongly_connected_components(g)
    out["bfs"] = A.bfs(g, 0)
    out["sssp"] = A.sssp(g, 0)
    out["pagerank"] = A.pagerank(g)
    out["label_propagation"] = A.label_propagation(u, seed=1)
    out["louvain"] = A.louvain(u, seed=1)[0]
    out["clustering"] = A.clustering(u)
    out["betweenness"] = A.betweenness_centrality(u, k=16, seed=1)
    x = rng.integers(0, 1000, 1 << 21)
    out["bincount"] = ff.bincount(x)
    out["histogram"] = ff.histogram(rng.standard_normal(1 << 21), bins=50)[0]
    y = rng.standard_normal(1 << 21)
    out["cumsum"] = ff.cumsum(y)
    out["sort"] = ff.sort(y)
    s, k, t = rng.uniform(50, 150, 1 << 20), rng.uniform(50, 150, 1 << 20), rng.uniform(0.1, 2, 1 << 20)
    out["bs_call"] = examples.bs_call(s, k, t, 0.03, 0.25)
    agg = ff.jit(lambda g, x: ff.neighbor_agg(g, x, "sum"))
    out["neighbor_agg"] = agg(g, rng.standard_normal(n))
    np.savez(sys.argv[1], **out)
    """
)


def _run(tmp_path, name, extra_env):
    env = dict(os.environ)
    for var in ("OMP_THREAD_LIMIT", "OMP_DYNAMIC", "OMP_NUM_THREADS"):
        env.pop(var, None)
    env.update({"FUSEFLOW_NUM_THREADS": "2", **extra_env})
    script = tmp_path / "child.py"
    script.write_text(CHILD)
    path = tmp_path / f"{name}.npz"
    done = subprocess.run([sys.executable, str(script), str(path)], env=env, capture_output=True, text=True,
                          timeout=600)
    assert done.returncode == 0, f"{name}: exit {done.returncode}\n{done.stderr[-3000:]}"
    return dict(np.load(path))


def test_a_smaller_team_than_asked_gives_the_same_results(tmp_path):
    full = _run(tmp_path, "full", {})
    small = _run(tmp_path, "limited", {"OMP_THREAD_LIMIT": "1"})
    assert full.keys() == small.keys()
    for key, want in full.items():
        got = small[key]
        assert got.shape == want.shape and got.dtype == want.dtype, key
        if np.issubdtype(want.dtype, np.floating):
            np.testing.assert_allclose(got, want, rtol=1e-12, atol=1e-300, err_msg=key)
        else:
            np.testing.assert_array_equal(got, want, err_msg=key)


# Forked workers. GNU OpenMP's thread pool does not survive fork: a forked child's first region
# with two threads waited forever for workers that do not exist (multiprocessing.Pool with the
# default "fork" start method hung on the first from_edges or ff.jit call of a worker, once the
# parent had run anything in parallel). A forked child now runs every region on one thread.

_SRC, _DST = ff.generators.rmat(14, 16, seed=9)[:2]
_X = np.random.default_rng(2).uniform(50, 150, 1 << 20)


def _parallel_work(_=None):
    g = ff.Graph.from_edges(_SRC, _DST)
    return ff.algorithms.pagerank(g), examples.bs_call(_X, _X[::-1].copy(), 1.0, 0.03, 0.25)


def _child_state(_):
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        ff.set_num_threads(2)
    return ff.get_num_threads(), [str(w.message) for w in caught if issubclass(w.category, RuntimeWarning)]


@pytest.mark.skipif(sys.platform != "linux", reason="the fork start method with GNU OpenMP (Linux)")
def test_forked_workers_run_and_agree_with_the_parent():
    ff.set_num_threads(2)
    try:
        want_pr, want_bs = _parallel_work()  # the parent's OpenMP pool exists from here on
        with multiprocessing.get_context("fork").Pool(2) as pool:
            results = pool.map_async(_parallel_work, range(2)).get(timeout=120)  # a hang fails here
            states = pool.map_async(_child_state, range(1)).get(timeout=60)
    finally:
        ff.set_num_threads(0)
    for pr, bs in results:
        np.testing.assert_allclose(pr, want_pr, rtol=1e-12, atol=0)
        np.testing.assert_array_equal(bs, want_bs)  # elementwise: the same bits on any team
    threads, messages = states[0]
    assert threads == 1
    assert len(messages) == 1 and "forked process" in messages[0] and "'spawn'" in messages[0]


# Shared by the two scripts below: fork n children while the script's threads work; each child
# runs child() (True: a right result) under a 30 s alarm, and the parent gives it 20 s before
# counting it as blocked. Prints "blocked wrong".
FORK_CHILDREN = textwrap.dedent(
    """
    import os, signal, sys, threading, time, warnings
    import numpy as np
    import fuseflow as ff
    warnings.simplefilter("ignore")  # Python 3.12+ warns about fork() with threads running

    def fork_children(n, child, before_fork=lambda: None):
        stuck = bad = 0
        for _ in range(n):
            state = before_fork()
            pid = os.fork()
            if pid == 0:
                signal.alarm(30)
                os._exit(0 if child(state) else 3)
            start = time.monotonic()
            while (done := os.waitpid(pid, os.WNOHANG))[0] == 0 and time.monotonic() - start < 20:
                time.sleep(0.002)
            if done[0] == 0:
                os.kill(pid, signal.SIGKILL)
                os.waitpid(pid, 0)
                stuck += 1
            elif os.waitstatus_to_exitcode(done[1]) != 0:
                bad += 1
        print(stuck, bad)
    """
)


def _fork_script(tmp_path, body, n):
    script = tmp_path / "fork_children.py"
    script.write_text(FORK_CHILDREN + textwrap.dedent(body))
    done = subprocess.run([sys.executable, str(script), str(n)], capture_output=True, text=True, timeout=900)
    assert done.returncode == 0, done.stderr[-3000:]
    stuck, bad = map(int, done.stdout.split())
    assert (stuck, bad) == (0, 0), f"of {n} children, {stuck} blocked and {bad} computed a wrong result"


# A fork while other threads run fuseflow (a worker thread making results while the main thread
# starts a process pool): fork() copies every lock as it is at that moment, and a lock another
# thread held stays held in the child, whose thread is gone. A child forked while a thread was
# inside the block cache (every large result passes it) or the first memory-limit read (its
# function-local static's guard) blocked forever on its first large result.
@pytest.mark.skipif(sys.platform != "linux", reason="fork() semantics of Linux")
def test_a_child_forked_while_other_threads_compute_can_compute(tmp_path):
    _fork_script(tmp_path, """
        f = ff.jit(lambda x: x * 2.0 + 1.0)
        x = np.ones(1 << 17)  # 1 MiB: through the block cache
        stop = False
        def busy():
            while not stop:
                f(x)  # two threads, one function: its state pool is shared too
        threads = [threading.Thread(target=busy) for _ in range(2)]
        for t in threads:
            t.start()
        fork_children(int(sys.argv[1]), lambda _: f(x)[0] == 3.0)
        stop = True
        for t in threads:
            t.join()
        """, 150)


# The same at the Python layer: a jit function holds its cache lock while it traces and compiles a
# new signature. A child forked while another thread was doing that found the lock taken and
# hung on its first call of that function (19 and 29 of 40 children in two measured runs).
@pytest.mark.skipif(sys.platform != "linux", reason="fork() semantics of Linux")
def test_a_child_forked_while_another_thread_traces_can_call_that_function(tmp_path):
    _fork_script(tmp_path, """
        x = np.ones(8)
        latest = [ff.jit(lambda v: v + 1.0)]
        stop = False
        def busy():
            k = 0
            while not stop:
                k += 1
                f = ff.jit(lambda v, k=k: ff.exp(v) * k + ff.sum(v))
                latest[0] = f
                f(x)  # traces and compiles under the function's lock
        thread = threading.Thread(target=busy)
        thread.start()
        def child(f):
            return np.array_equal(f(x), np.exp(x) * f.__wrapped__.__defaults__[0] + x.sum())
        fork_children(int(sys.argv[1]), child, before_fork=lambda: latest[0])
        stop = True
        thread.join()
        """, 40)


@pytest.mark.parametrize(("env", "want"), [
    ({"OMP_NUM_THREADS": "1"}, 1),  # a job scheduler's or a process pool's share of the cores
    ({"OMP_NUM_THREADS": "3,1"}, 3),  # nested levels: the first is the outer team
    ({"OMP_NUM_THREADS": "1", "FUSEFLOW_NUM_THREADS": "3"}, 3),  # fuseflow's own variable first
    ({"OMP_NUM_THREADS": "junk"}, None),  # ignored (never stops the import): every core
    ({"FUSEFLOW_NUM_THREADS": "1e3"}, None),  # not a count (was read as 1)
    ({"FUSEFLOW_NUM_THREADS": "2,1"}, None),  # levels are OMP_NUM_THREADS's syntax only
    ({"OMP_NUM_THREADS": "2x"}, None),
    ({"FUSEFLOW_NUM_THREADS": " 1 "}, 1),  # blanks around a count are fine
])
def test_the_default_thread_count_follows_the_environment(env, want):
    clean = {k: v for k, v in os.environ.items() if k not in ("OMP_NUM_THREADS", "FUSEFLOW_NUM_THREADS")}
    code = "import os, fuseflow as ff; print(ff.get_num_threads(), os.cpu_count(), len(os.sched_getaffinity(0)))"
    done = subprocess.run([sys.executable, "-c", code], env={**clean, **env}, capture_output=True, text=True,
                          timeout=120)
    assert done.returncode == 0, done.stderr
    got, _, usable = map(int, done.stdout.split())
    assert got == (usable if want is None else want)


# Containers. Past a cgroup's memory limit the kernel kills the process (SIGKILL) instead of
# failing an allocation, so a graph or an array that cannot fit under the limit must be refused
# before it is made: Graph.from_edges of 60M edges and a jit ff.full of 1.6 GB in a 1 GiB cgroup were
# killed; they raise MemoryError now.

def _own_cgroup_dir():
    """The writable directory of this process's memory cgroup (v1 or v2), or None."""
    for line in open("/proc/self/cgroup").read().splitlines():
        hid, controllers, path = line.split(":", 2)
        if hid == "0" and controllers == "":
            d, limit_file = "/sys/fs/cgroup" + path, "memory.max"
        elif "memory" in controllers.split(","):
            d, limit_file = "/sys/fs/cgroup/memory" + path, "memory.limit_in_bytes"
        else:
            continue
        if os.path.isdir(d) and os.access(d, os.W_OK):
            return d, limit_file
    return None


def test_a_graph_or_array_over_the_cgroup_memory_limit_is_a_memory_error_not_a_kill(tmp_path):
    if sys.platform != "linux" or not os.path.exists("/proc/self/cgroup"):
        pytest.skip("cgroups are Linux's")
    found = _own_cgroup_dir()
    if found is None:
        pytest.skip("no writable memory cgroup here (needs root or a delegated cgroup)")
    parent, limit_file = found
    group = os.path.join(parent, f"fuseflow-test-{os.getpid()}")
    try:
        os.mkdir(group)
        with open(os.path.join(group, limit_file), "w") as f:
            f.write(str(1 << 30))
    except OSError as e:
        if os.path.isdir(group):
            os.rmdir(group)
        pytest.skip(f"cannot make a memory-limited cgroup here: {e}")
    code = textwrap.dedent("""
        import numpy as np, fuseflow as ff
        rng = np.random.default_rng(0)
        m = 60_000_000  # the graph needs ~1.04 GiB beside the 0.48 GiB of ids: over 1 GiB
        src = rng.integers(0, 1 << 22, m, dtype=np.int32)
        dst = rng.integers(0, 1 << 22, m, dtype=np.int32)
        try:
            ff.Graph.from_edges(src, dst)
            print("built")
        except MemoryError as e:
            print("MemoryError:", e)
        del src, dst
        try:
            ff.jit(lambda n: ff.full(n, 1.0))(200_000_000)  # 1.6 GB in one array
            print("filled")
        except MemoryError as e:
            print("MemoryError:", e)
    """)
    procs = os.path.join(group, "cgroup.procs")
    try:
        done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=300,
                              preexec_fn=lambda: open(procs, "w").write(str(os.getpid())))
    except subprocess.SubprocessError as e:
        if "preexec_fn" not in str(e):
            raise
        pytest.skip(f"cannot move a process into the cgroup here: {e}")
    finally:
        os.rmdir(group)  # empty again: the child has exited
    assert done.returncode == 0, f"exit {done.returncode} (-9: killed by the kernel)\n{done.stderr[-2000:]}"
    assert "MemoryError: Graph.from_edges" in done.stdout, done.stdout
    graph, array = done.stdout.splitlines()
    assert "cgroup's memory limit" in graph and "1024 MiB" in graph, graph
    assert array.startswith("MemoryError: full: cannot allocate 200000000 float64 elements"), array
