"""The compiled tier's kernel cache: ``info()`` and ``clear()``.

Fused regions run in the block interpreter, or as build-time compiled kernels ("prejit", always
available) for the region shapes fuseflow ships, or, with ``FUSEFLOW_JIT=on``, as kernels the
system compiler builds in the background ("native"), cached on disk under
``$XDG_CACHE_HOME/fuseflow/<version>-<abi>/<isa>/`` (``~/.cache`` when XDG_CACHE_HOME is unset).
"""

from __future__ import annotations

from . import _core

__all__ = ["info", "clear"]


def _root(root: str | None) -> str:
    if root is None:
        return ""
    if not isinstance(root, str):
        raise TypeError(f"root must be a str (an absolute folder path) or None, got {type(root).__name__}")
    return root


def info(root: str | None = None) -> dict:
    """What the compiled tier has and where.

    Returns a dict: ``directory`` (the cache's ``fuseflow`` folder), ``kernels`` (native kernels
    cached there, every version and CPU), ``bytes`` (size of its files), ``native_directory``
    (where this version and CPU cache kernels), ``native_enabled`` (``FUSEFLOW_JIT=on``),
    ``prejit_kernels`` (how many region shapes are compiled in), ``prejit_target`` (their SIMD
    target) and ``version``. ``root`` replaces ``$XDG_CACHE_HOME`` (an absolute path).
    """
    summary = dict(_core._jit_cache_info(_root(root)))
    summary["native_directory"] = _core._jit_cache_directory() if root is None else ""
    summary["native_enabled"] = bool(_core._jit_native_enabled())
    summary["prejit_kernels"] = len(_core._jit_prejit_keys())
    summary["prejit_target"] = _core._jit_prejit_target()
    summary["version"] = _core._jit_version()
    return summary


def clear(root: str | None = None) -> int:
    """Removes the cached native kernels (and their sources, logs and locks); returns how many
    files were removed. Kernels already loaded by this process keep working."""
    return int(_core._jit_cache_clear(_root(root)))
