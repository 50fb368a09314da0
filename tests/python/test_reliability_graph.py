"""Issue 16, graph area: one edge-order rule, loaders that never crash, clear errors.

References are SciPy (``A.T @ x`` is the in-aggregation), NumPy loops and plain Python; every
case here failed on the main branch before this change (wrong numbers, a crash, or the wrong
exception).
"""

import os
import pathlib
import struct
import subprocess
import sys
import textwrap

import numpy as np
import pytest
import scipy.sparse as sp

import fuseflow as ff
from fuseflow import _core

# --------------------------------------------------------------------------- edge order

# The issue's example: edges deliberately out of CSR order (sources 2, 0, 1, 0).
SRC = np.array([2, 0, 1, 0])
DST = np.array([0, 1, 2, 2])
W = np.array([10.0, 1.0, 100.0, 1000.0])
X = np.array([1.0, 2.0, 3.0])


def scipy_matrix(src, dst, w, n):
    return sp.coo_matrix((w, (src, dst)), shape=(n, n)).tocsr()


def scipy_agg(src, dst, w, x, direction, n):
    a = scipy_matrix(src, dst, w, n)
    if direction == "in":
        return a.T @ x
    if direction == "out":
        return a @ x
    return a.T @ x + a @ x


def test_issue_example_weights_in_user_order():
    g = ff.Graph.from_edges(SRC, DST)
    np.testing.assert_array_equal(ff.neighbor_agg(g, X, "sum", weights=W), [30.0, 1.0, 1200.0])
    jitted = ff.jit(lambda g, x, w: ff.neighbor_agg(g, x, "sum", weights=w))
    np.testing.assert_array_equal(jitted(g, X, W), [30.0, 1.0, 1200.0])


@pytest.mark.parametrize("direction", ["in", "out", "both"])
@pytest.mark.parametrize("sorted_input", [False, True])
def test_weighted_sum_matches_scipy_every_direction(direction, sorted_input):
    rng = np.random.default_rng(3)
    n, m = 60, 500
    src, dst = rng.integers(0, n, m), rng.integers(0, n, m)
    if sorted_input:  # the identity-order fast path must give the same answers
        order = np.argsort(src, kind="stable")
        src, dst = src[order], dst[order]
    w, x = rng.random(m) + 0.5, rng.normal(size=n)
    g = ff.Graph.from_edges(src, dst, num_nodes=n)
    want = scipy_agg(src, dst, w, x, direction, n)
    np.testing.assert_allclose(ff.neighbor_agg(g, x, "sum", direction, weights=w), want, rtol=1e-12)
    jitted = ff.jit(lambda g, x, w: ff.neighbor_agg(g, x, "sum", direction, w))
    np.testing.assert_allclose(jitted(g, x, w), want, rtol=1e-12)
    # Weighted mean and count follow the same order (count = weighted in-degree).
    deg_w = scipy_agg(src, dst, w, np.ones(n), direction, n)
    np.testing.assert_allclose(ff.neighbor_agg(g, x, "count", direction, weights=w), deg_w, rtol=1e-12)
    has = deg_w > 0
    np.testing.assert_allclose(ff.neighbor_agg(g, x, "mean", direction, weights=w)[has], (want / np.where(has, deg_w, 1))[has],
                               rtol=1e-10)


def test_weighted_mode_uses_user_order():
    # Node 3 gets votes: label 1 from edge 0 (w=5), label 2 from edges 1 and 2 (w=1 each).
    src = np.array([1, 2, 2, 0])
    dst = np.array([3, 3, 3, 1])
    labels = np.array([0, 1, 2, 0])
    w = np.array([5.0, 1.0, 1.0, 1.0])
    g = ff.Graph.from_edges(src, dst, num_nodes=4)
    assert ff.neighbor_agg(g, labels, "mode", weights=w)[3] == 1


def test_graph_weights_are_the_default_outside_jit():
    g = ff.Graph.from_edges(SRC, DST, weights=W)
    np.testing.assert_array_equal(ff.neighbor_agg(g, X, "sum"), [30.0, 1.0, 1200.0])
    np.testing.assert_array_equal(ff.neighbor_agg(g, X, "sum", weights=False), [3.0, 1.0, 3.0])
    np.testing.assert_array_equal(ff.neighbor_agg(g, X, "count", weights=False), [1, 1, 2])
    np.testing.assert_array_equal(ff.neighbor_agg(g, X, "count"), [10.0, 1.0, 1100.0])
    # Passing the graph's own weights (g.edges()[2]) inside jit gives the same.
    jitted = ff.jit(lambda g, x, w: ff.neighbor_agg(g, x, "sum", weights=w))
    np.testing.assert_array_equal(jitted(g, X, g.edges()[2]), [30.0, 1.0, 1200.0])
    with pytest.raises(ValueError, match="weights"):
        ff.neighbor_agg(g, X, "sum", weights=True)


def test_edges_returns_user_order():
    g = ff.Graph.from_edges(SRC, DST, weights=W)
    src, dst, w = g.edges()
    np.testing.assert_array_equal(src, SRC)
    np.testing.assert_array_equal(dst, DST)
    np.testing.assert_array_equal(w, W)
    assert ff.Graph.from_edges(SRC, DST).edges()[2] is None
    # The internal CSR order is different (sorted by source): csr() exposes that one.
    offsets, targets, csr_w = g.csr()
    np.testing.assert_array_equal(targets, [1, 2, 2, 0])
    np.testing.assert_array_equal(csr_w, [1.0, 1000.0, 100.0, 10.0])


def test_edge_gathers_in_jit_are_in_user_order():
    x = np.array([5.0, 7.0, 11.0])
    f = ff.jit(lambda g, x: (g.edge_src(x), g.edge_dst(x)))
    s, d = f(ff.Graph.from_edges(SRC, DST), x)
    np.testing.assert_array_equal(s, x[SRC])
    np.testing.assert_array_equal(d, x[DST])
    # An edge gather combined with user weights in one program agrees with NumPy.
    h = ff.jit(lambda g, x, w: ff.neighbor_agg(g, x, "sum", "in", w * g.edge_src(x)))
    want = np.bincount(DST, weights=W * x[SRC] * x[SRC], minlength=3)
    np.testing.assert_allclose(h(ff.Graph.from_edges(SRC, DST), x, W), want, rtol=1e-12)


def test_from_scipy_and_from_pandas_user_order():
    a = scipy_matrix(SRC, DST, W, 3)
    g = ff.Graph.from_scipy(a)
    coo = a.tocoo()
    np.testing.assert_array_equal(g.edges()[0], coo.row)
    np.testing.assert_allclose(ff.neighbor_agg(g, X, "sum"), a.T @ X)
    pd = pytest.importorskip("pandas")
    df = pd.DataFrame({"src": SRC, "dst": DST, "w": W})
    g = ff.Graph.from_pandas(df, weight="w")
    np.testing.assert_array_equal(ff.neighbor_agg(g, X, "sum"), [30.0, 1.0, 1200.0])


def test_save_load_keeps_user_order(tmp_path):
    g = ff.Graph.from_edges(SRC, DST, weights=W)
    p = tmp_path / "g.ffg"
    g.save(p)
    h = ff.Graph.load(p)
    for a, b in zip(g.edges(), h.edges()):
        np.testing.assert_array_equal(a, b)
    np.testing.assert_array_equal(ff.neighbor_agg(h, X, "sum", weights=W), [30.0, 1.0, 1200.0])
    # Sorted input keeps writing version-1 files (no edge-order array).
    s = ff.Graph.from_edges(np.array([0, 1]), np.array([1, 0]))
    s.save(tmp_path / "s.ffg")
    assert struct.unpack_from("<I", (tmp_path / "s.ffg").read_bytes(), 8)[0] == 1


def test_read_edgelist_user_order_is_line_order(tmp_path):
    p = tmp_path / "e.txt"
    p.write_text("".join(f"{s} {d} {w}\n" for s, d, w in zip(SRC, DST, W)))
    g = ff.read_edgelist(p, weighted=True)
    np.testing.assert_array_equal(g.edges()[0], SRC)
    np.testing.assert_array_equal(ff.neighbor_agg(g, X, "sum"), [30.0, 1.0, 1200.0])


# --------------------------------------------------------------------------- generators, sizes


def test_rmat_size_overflow_is_value_error():  # r02
    with pytest.raises(ValueError, match="edge_factor"):
        ff.generators.rmat(4, edge_factor=2**60)
    with pytest.raises(MemoryError, match="rmat"):  # fits in int64, not in memory
        ff.generators.rmat(4, edge_factor=2**58 + 1)
    with pytest.raises(ValueError, match="edge_factor"):
        _core.rmat(4, 2**60, 0.57, 0.19, 0.19, 0, True)  # the native check, without Python's


def test_huge_graphs_raise_memory_error_before_allocating():  # item 6
    with pytest.raises(MemoryError, match="nodes"):
        ff.Graph.from_edges(np.array([0]), np.array([1]), num_nodes=2**31 - 1)
    with pytest.raises(MemoryError, match="rmat"):
        ff.generators.rmat(30, edge_factor=2**20)
    # Beyond the int32 id space the rule is a ValueError naming the argument.
    with pytest.raises(ValueError, match="num_nodes"):
        ff.Graph.from_edges(np.array([0]), np.array([1]), num_nodes=2**40)
    with pytest.raises(ValueError, match="scale"):
        ff.generators.rmat(40)


def test_max_int64_id_names_src_or_dst():  # r22
    with pytest.raises(ValueError, match=r"src: node ids must be < 2\^31 - 1.*9223372036854775807"):
        ff.Graph.from_edges(np.array([0, 2**63 - 1]), np.array([1, 2]))
    with pytest.raises(ValueError, match=r"dst: node ids must be < 2\^31 - 1"):
        ff.Graph.from_edges(np.array([0, 1]), np.array([1, 2**63 - 1]))


# --------------------------------------------------------------------------- loaders


def test_tiny_edgelist_with_huge_id_is_rejected(tmp_path):  # r11
    p = tmp_path / "e.txt"
    p.write_text("2147483646 0\n")
    with pytest.raises(ValueError, match="num_nodes.*2147483646.*pass num_nodes"):
        ff.read_edgelist(p)
    m = tmp_path / "m.mtx"
    m.write_text("%%MatrixMarket matrix coordinate pattern general\n2147483646 2147483646 1\n1 2\n")
    with pytest.raises(ValueError, match="2147483646 nodes"):
        ff.read_matrix_market(m)
    # Within the bound inference still works; an explicit num_nodes is trusted.
    p.write_text("5000 0\n")
    assert ff.read_edgelist(p).num_nodes == 5001
    p.write_text("3000000 0\n")
    assert ff.read_edgelist(p, num_nodes=3000001).num_nodes == 3000001


def test_nul_byte_without_comments_is_a_parse_error(tmp_path):  # r23
    p = tmp_path / "nul.txt"
    p.write_bytes(b"0 1\x00garbage\n1 2\n")
    with pytest.raises(ValueError, match=r"nul.txt' line 1: .*\\x00"):
        ff.read_edgelist(p, comment=None)
    p.write_bytes(b"0 1\n1\x002\n")
    with pytest.raises(ValueError, match="line 2"):
        ff.read_edgelist(p, comment=None)


def test_error_messages_survive_non_utf8(tmp_path):  # r13
    p = tmp_path / "u.txt"
    p.write_text("0 1 " + "\u6f22" * 10 + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=r"u.txt' line 1: unexpected text '\u6f22+'"):
        ff.read_edgelist(p)
    p.write_bytes(b"0 1\n2 \xff\xfe\n")
    with pytest.raises(ValueError, match=r"u.txt' line 2: target id '\\xff\\xfe'"):
        ff.read_edgelist(p)


def test_non_utf8_bytes_and_pathlike_paths(tmp_path):  # r14
    raw = os.fsencode(str(tmp_path)) + b"/caf\xe9.txt"
    with open(raw, "wb") as f:
        f.write(b"0 1\n1 2\n")
    for path in (raw, os.fsdecode(raw), pathlib.Path(os.fsdecode(raw))):
        assert ff.read_edgelist(path).num_edges == 2
    mtx = os.fsencode(str(tmp_path)) + b"/m\xff.mtx"
    with open(mtx, "wb") as f:
        f.write(b"%%MatrixMarket matrix coordinate pattern general\n2 2 1\n1 2\n")
    assert ff.read_matrix_market(mtx).num_edges == 1
    g = ff.Graph.from_edges(SRC, DST, weights=W)
    out = os.fsencode(str(tmp_path)) + b"/g\xe9.ffg"
    g.save(out)
    assert ff.Graph.load(out).num_edges == 4
    g.save(pathlib.Path(os.fsdecode(out)))
    assert ff.Graph.load(os.fsdecode(out)).num_edges == 4
    # Errors quote the undecodable name with backslash escapes instead of failing to decode.
    with open(raw, "wb") as f:
        f.write(b"0 x\n")
    with pytest.raises(ValueError, match=r"caf\\xe9.txt' line 1"):
        ff.read_edgelist(raw)
    with pytest.raises(TypeError, match="path"):
        ff.read_edgelist(3.5)


_MASK = (1 << 64) - 1
_P1, _P2 = 0x9E3779B185EBCA87, 0xC2B2AE3D27D4EB4F


def _rotl(x, r):
    return ((x << r) | (x >> (64 - r))) & _MASK


def _checksum64(data, seed):
    """The graph file checksum (graph_file.cpp's Checksum), for crafting files with valid sums."""
    lanes = [(seed + _P1 + _P2) & _MASK, (seed + _P2) & _MASK, seed, (seed - _P1) & _MASK]
    full = len(data) // 32 * 32
    for at in range(0, full, 32):
        for i, word in enumerate(struct.unpack_from("<4Q", data, at)):
            lanes[i] = (_rotl((lanes[i] + word * _P2) & _MASK, 31) * _P1) & _MASK
    h = (_rotl(lanes[0], 1) + _rotl(lanes[1], 7) + _rotl(lanes[2], 12) + _rotl(lanes[3], 18)) & _MASK
    for b in data[full:]:
        h = (_rotl(h ^ ((b * _P1) & _MASK), 11) * _P2) & _MASK
    h ^= len(data)
    h ^= h >> 33
    h = (h * _P2) & _MASK
    return h ^ (h >> 29)


def _write_graph_file(path, n, out_off, out_tgt, in_off, in_src, out_w=None, in_w=None, header_m=None):
    """A version-1 graph file whose checksums are valid, whatever its arrays say."""
    m = len(out_tgt) if header_m is None else header_m
    parts = [np.asarray(out_off, "<i8").tobytes(), np.asarray(out_tgt, "<i4").tobytes()]
    if out_w is not None:
        parts.append(np.asarray(out_w, "<f8").tobytes())
    parts += [np.asarray(in_off, "<i8").tobytes(), np.asarray(in_src, "<i4").tobytes()]
    if in_w is not None:
        parts.append(np.asarray(in_w, "<f8").tobytes())
    payload = b"".join(parts)
    header = bytearray(64)
    header[0:8] = b"FFGRAPH\0"
    struct.pack_into("<IIqq", header, 8, 1, 1 if out_w is not None else 0, n, m)
    struct.pack_into("<Q", header, 32, _checksum64(payload, 0x66757365666C6F77))
    struct.pack_into("<Q", header, 40, _checksum64(bytes(header[:40]), 0x686561646572))
    path.write_bytes(bytes(header) + payload)


def test_crafted_files_have_valid_checksums(tmp_path):
    # The crafting helper is right: a consistent crafted file loads.
    p = tmp_path / "ok.ffg"
    _write_graph_file(p, 3, [0, 1, 2, 2], [1, 2], [0, 0, 1, 2], [0, 1], [1.5, 2.5], [1.5, 2.5])
    g = ff.Graph.load(p)
    np.testing.assert_array_equal(g.edges()[1], [1, 2])


def test_graph_file_with_inconsistent_csc_is_rejected(tmp_path):  # r03
    p = tmp_path / "incons.ffg"
    m = 1000
    # CSR: every edge is 0 -> 2; CSC claims every edge is 0 -> 0.
    _write_graph_file(p, 3, [0, m, m, m], [2] * m, [0, m, m, m], [0] * m, [1.0] * m, [1.0] * m)
    with pytest.raises(ValueError, match="not a valid fuseflow graph file.*CSC does not mirror the CSR"):
        ff.Graph.load(p)
    # Same edges, different weights in the CSC.
    _write_graph_file(p, 2, [0, 1, 1], [1], [0, 0, 1], [0], [1.0], [2.0])
    with pytest.raises(ValueError, match="CSC does not mirror"):
        ff.Graph.load(p)
    # Non-monotone offsets.
    _write_graph_file(p, 2, [0, 2, 1], [1], [0, 0, 1], [0])
    with pytest.raises(ValueError, match="offsets must rise"):
        ff.Graph.load(p)


def test_graph_file_header_larger_than_file_is_rejected(tmp_path):  # r03 / item 5
    p = tmp_path / "big.ffg"
    _write_graph_file(p, 2, [0, 1, 1], [1], [0, 0, 1], [0], header_m=2**39)
    with pytest.raises(ValueError, match="does not match the header"):
        ff.Graph.load(p)


def test_failed_save_keeps_the_old_file(tmp_path):  # r12
    p = tmp_path / "keep.ffg"
    script = textwrap.dedent(f"""
        import resource, signal, numpy as np, fuseflow as ff
        p = {str(p)!r}
        ff.Graph.from_edges(np.array([0]), np.array([1])).save(p)
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)
        soft, hard = resource.getrlimit(resource.RLIMIT_FSIZE)
        resource.setrlimit(resource.RLIMIT_FSIZE, (1000, hard))
        try:
            ff.Graph.from_edges(np.arange(10000), np.arange(10000)).save(p)
            print("saved")
        except ValueError as e:
            print("ValueError", e)
        resource.setrlimit(resource.RLIMIT_FSIZE, (soft, hard))
        g = ff.Graph.load(p)
        print("edges", g.num_edges)
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert "ValueError" in out.stdout and "unchanged" in out.stdout
    assert "edges 1" in out.stdout
    assert [f for f in os.listdir(tmp_path)] == ["keep.ffg"]  # no temporary file left behind


def test_save_refuses_to_replace_a_non_regular_file(tmp_path):
    with pytest.raises(ValueError, match="not a regular file"):
        ff.Graph.from_edges(SRC, DST).save(tmp_path)


def test_concurrent_truncation_never_crashes(tmp_path):  # r05
    script = textwrap.dedent(f"""
        import os, threading, time, numpy as np, fuseflow as ff
        p = {str(tmp_path / "race.txt")!r}
        s = np.random.default_rng(0).integers(0, 100000, 300_000)
        data = "\\n".join("%d %d" % (a, a // 2) for a in s).encode()
        for i in range(6):
            open(p, "wb").write(data)
            t = threading.Thread(target=lambda: (time.sleep(0.002 * i), os.truncate(p, 100)))
            t.start()
            try:
                ff.read_edgelist(p)
            except ValueError:
                pass
            t.join()
            ff.Graph.from_edges(np.arange(1000) % 7, np.arange(1000) % 5).save(p + ".ffg")
            t = threading.Thread(target=lambda: (time.sleep(0.001 * i), os.truncate(p + ".ffg", 100)))
            t.start()
            try:
                ff.Graph.load(p + ".ffg")
            except ValueError:
                pass
            t.join()
        print("ok")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=300)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "ok"


def test_ctrl_c_interrupts_from_edges():  # r21
    # SIGINT arrives while a large build runs: it must end with KeyboardInterrupt, not complete.
    script = textwrap.dedent("""
        import os, signal, threading, numpy as np, fuseflow as ff
        rng = np.random.default_rng(0)
        src = rng.integers(0, 2**24, 40_000_000, dtype=np.int64)
        dst = rng.integers(0, 2**24, 40_000_000, dtype=np.int64)
        started = threading.Event()
        def fire():
            started.wait()
            os.kill(os.getpid(), signal.SIGINT)
        threading.Thread(target=fire).start()
        try:
            started.set()
            for _ in range(20):  # a SIGINT between two builds still lands in one of them
                ff.Graph.from_edges(src, dst)
            print("completed")
        except KeyboardInterrupt:
            print("interrupted")
    """)
    out = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, timeout=600)
    assert out.returncode == 0, out.stderr
    assert out.stdout.strip() == "interrupted"
