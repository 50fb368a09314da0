"""Pickling of jit functions (issue 15 item 3): by reference to the Python function, so the
other side traces and compiles anew; a decorated global pickles as the global it is."""

import functools
import sys


def _global_target(obj):
    """What obj's module.qualname names today (pickling by reference needs it to be obj)."""
    target = sys.modules.get(getattr(obj, "__module__", None) or "")
    for part in getattr(obj, "__qualname__", "").split("."):
        target = getattr(target, part, None)
    return target


def reduce_jit(obj, fn, static_argnames=()):
    """__reduce__ of a jit function obj wrapping fn (with these static parameters)."""
    if _global_target(obj) is obj:
        return obj.__qualname__  # `@ff.jit def f`: pickled as the global it is, like a function
    from .jit import jit  # the public decorator (jit.py imports this module's users)
    if static_argnames:
        return functools.partial(jit, static_argnames=static_argnames), (fn,)
    return jit, (fn,)  # `g = ff.jit(f)`: f goes by reference, g is rebuilt around it
