"""fuseflow.jit_cache: info() and clear() over a cache folder laid out as the native tier writes it."""

import os

import pytest

from fuseflow import jit_cache


def _fake_cache(root):
    folder = root / "fuseflow" / "0.1.0-x86_64" / "AVX2"
    folder.mkdir(parents=True)
    (folder / "0123456789abcdef.so").write_bytes(b"x" * 100)
    (folder / "0123456789abcdef.cpp").write_text("// source")
    (folder / "0123456789abcdef.lock").write_text("")
    (folder / "notes.txt").write_text("not ours")
    return folder


def test_info_counts_kernels_and_bytes(tmp_path):
    _fake_cache(tmp_path)
    got = jit_cache.info(str(tmp_path))
    assert got["directory"] == str(tmp_path / "fuseflow")
    assert got["kernels"] == 1
    assert got["bytes"] == 100 + len("// source") + len("not ours")
    assert got["prejit_kernels"] >= 20
    assert isinstance(got["prejit_target"], str) and got["prejit_target"]
    assert got["native_enabled"] == (os.environ.get("FUSEFLOW_JIT") in ("on", "native"))
    assert got["mode"] == jit_cache.mode()


def test_clear_removes_only_cache_files(tmp_path):
    folder = _fake_cache(tmp_path)
    assert jit_cache.clear(str(tmp_path)) == 3
    assert sorted(p.name for p in folder.iterdir()) == ["notes.txt"]
    assert jit_cache.info(str(tmp_path))["kernels"] == 0
    assert jit_cache.clear(str(tmp_path)) == 0


def test_empty_or_missing_cache(tmp_path):
    got = jit_cache.info(str(tmp_path / "absent"))
    assert got["kernels"] == 0 and got["bytes"] == 0
    assert jit_cache.clear(str(tmp_path / "absent")) == 0


def test_default_native_directory_is_not_a_temporary_folder():
    folder = jit_cache.info()["native_directory"]
    if folder:
        assert "/fuseflow/" in folder
        assert not folder.startswith("/tmp/")


def test_bad_root():
    with pytest.raises(ValueError, match="root"):
        jit_cache.info("relative/path")
    with pytest.raises(ValueError, match="root"):
        jit_cache.clear("relative/path")
    with pytest.raises(TypeError, match="root"):
        jit_cache.info(3)
