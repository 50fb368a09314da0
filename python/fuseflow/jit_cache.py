"""The compiled tier: its mode (``mode()`` / ``set_mode()``) and kernel cache (``info()`` / ``clear()``).

Fused regions run in the block interpreter, or as build-time compiled kernels ("prejit", the
default mode) for the region shapes fuseflow ships, or, in mode ``"native"``
(``FUSEFLOW_JIT=native`` or ``on``), as kernels the system compiler builds in the background,
cached on disk under ``$XDG_CACHE_HOME/fuseflow/<version>-<abi>/<isa>/`` (``~/.cache`` when
XDG_CACHE_HOME is unset). ``FUSEFLOW_JIT=off`` runs every region in the interpreter. Results are
the same bits in every mode; ``f.explain(*args)`` says which tier runs each fused kernel.
"""

from __future__ import annotations

from . import _core

__all__ = ["info", "clear", "mode", "set_mode"]


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
    (where this version and CPU cache kernels), ``native_enabled`` (mode "native"), ``mode``,
    ``prejit_kernels`` (how many region shapes are compiled in), ``prejit_target`` (their SIMD
    target) and ``version``. ``root`` replaces ``$XDG_CACHE_HOME`` (an absolute path).
    """
    summary = dict(_core._jit_cache_info(_root(root)))
    summary["native_directory"] = _core._jit_cache_directory() if root is None else ""
    summary["native_enabled"] = bool(_core._jit_native_enabled())
    summary["mode"] = mode()
    summary["prejit_kernels"] = len(_core._jit_prejit_keys())
    summary["prejit_target"] = _core._jit_prejit_target()
    summary["version"] = _core._jit_version()
    return summary


def clear(root: str | None = None) -> int:
    """Removes the cached native kernels (and their sources, logs and locks); returns how many
    files were removed. Kernels already loaded by this process keep working."""
    return int(_core._jit_cache_clear(_root(root)))


_MODES = ("off", "prejit", "native")


def mode() -> str:
    """The compiled tier's mode: "off" (every fused kernel interprets), "prejit" (default: kernels
    compiled into fuseflow for common region shapes) or "native" (also compile the other shapes in
    the background with the system compiler). Set at start-up by ``FUSEFLOW_JIT``."""
    return str(_core._jit_mode())


def set_mode(mode: str) -> str:
    """Sets the compiled tier's mode for every function, including ones already compiled (their
    next run uses it); returns the previous mode. ``"on"`` is ``"native"``. Results do not
    depend on the mode: every tier gives the interpreter's bits."""
    if not isinstance(mode, str):
        raise TypeError(f"mode must be a str, one of {', '.join(_MODES)}, got {type(mode).__name__}")
    previous = str(_core._jit_mode())
    _core._jit_set_mode(mode)
    return previous
