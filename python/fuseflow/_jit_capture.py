"""Arrays a jit function reads without taking them as parameters: NumPy arrays captured from an
enclosing scope (closure cells), module globals it names, and a method's array attributes of
``self``. Both become inputs
of the program, read again at every call (never copied or frozen): an in-place change or a
rebinding is seen by the next call, a new dtype or shape layout retraces."""

import sys
import types
import weakref

import numpy as np

_MISSING = object()


def captured_sources(fn, bound_self):
    """(display names, sources) of fn's captured arrays. A source is a closure cell, a (globals dict, name) pair or an
    (object or weak reference to it, attribute name) pair; the native dispatcher reads both."""
    names, sources = [], []
    code = getattr(fn, "__code__", None)
    for name, cell in zip(code.co_freevars if code is not None else (), getattr(fn, "__closure__", None) or ()):
        try:
            value = cell.cell_contents
        except ValueError:
            continue  # not bound yet: not an array when ff.jit wrapped the function
        if isinstance(value, np.ndarray):
            names.append(f"{name} (captured)")
            sources.append(cell)
    glb = getattr(fn, "__globals__", None)
    if code is not None and glb is not None:
        # The module by weak reference when it is fn's namespace (no module -> function -> module
        # cycle through native references the garbage collector cannot see), else the dict.
        module = sys.modules.get(getattr(fn, "__module__", None) or "")
        owner = weakref.ref(module) if module is not None and getattr(module, "__dict__", None) is glb else glb
        for name in dict.fromkeys(code.co_names):
            if isinstance(glb.get(name), np.ndarray):
                names.append(f"{name} (global)")
                sources.append((owner, name))
    if bound_self is not _MISSING:
        try:
            attributes = vars(bound_self)
        except TypeError:
            attributes = {}  # __slots__: only the non-array rule applies
        try:
            owner = weakref.ref(bound_self)
        except TypeError:
            owner = bound_self
        for attr in sorted(attributes):
            if isinstance(attributes[attr], np.ndarray):
                names.append(f"self.{attr}")
                sources.append((owner, attr))
    return tuple(names), tuple(sources)


class _TracedSelf:
    """What a jit method sees as ``self`` while tracing: its array attributes are the traced
    inputs, its methods are bound to this proxy (so helpers read the traced arrays too), and any
    other attribute is the instance's value at trace time (a constant of that trace)."""

    __slots__ = ("_ff_obj", "_ff_traced")

    def __init__(self, obj, traced):
        object.__setattr__(self, "_ff_obj", obj)
        object.__setattr__(self, "_ff_traced", traced)

    def __getattr__(self, name):
        traced = object.__getattribute__(self, "_ff_traced")
        if name in traced:
            return traced[name]
        obj = object.__getattribute__(self, "_ff_obj")
        attr = getattr(type(obj), name, None)
        if isinstance(attr, types.FunctionType):
            return types.MethodType(getattr(attr, "__wrapped__", attr), self)
        return getattr(obj, name)

    def __setattr__(self, name, value):
        raise TypeError(f"self.{name}: a jit method cannot assign attributes while tracing; return the value")


def with_captured(fn, bound_self, names, sources, traced):
    """fn to call while tracing: captured cells replaced by cells holding the traced inputs, and
    a method's self (first argument) replaced by a _TracedSelf."""
    by_source = {id(s): t for s, t in zip(sources, traced)}
    cells = any(not isinstance(s, tuple) for s in sources)
    glb = {s[1]: t for s, t, n in zip(sources, traced, names) if n.endswith(" (global)")}
    if cells or glb:
        closure = fn.__closure__
        if cells:
            closure = tuple(types.CellType(by_source[id(c)]) if id(c) in by_source else c for c in closure)
        namespace = {**fn.__globals__, **glb} if glb else fn.__globals__  # a copy: the module is untouched
        rebuilt = types.FunctionType(fn.__code__, namespace, fn.__name__, fn.__defaults__, closure)
        rebuilt.__kwdefaults__ = fn.__kwdefaults__
        fn = rebuilt
    if bound_self is _MISSING:
        return fn
    attrs = {s[1]: t for s, t, n in zip(sources, traced, names) if n.startswith("self.")}
    proxy = _TracedSelf(bound_self, attrs)
    return lambda *args: fn(proxy, *args)


def read_source(source):
    """The current value of one captured source (see captured_sources); NameError when gone."""
    if not isinstance(source, tuple):
        return source.cell_contents
    owner, name = source
    if isinstance(owner, weakref.ref):
        owner = owner()
        if owner is None:
            raise NameError(f"{name}: the object it was read from is gone")
    if isinstance(owner, dict):
        if name not in owner:
            raise NameError(f"captured global {name!r} is not defined")
        return owner[name]
    return getattr(owner, name)
