"""ff.jit(static_argnames=..., static_argnums=...): parameters whose values are Python constants
of the trace; each distinct tuple of their values gets its own JitFunction."""

import functools
import inspect

from ._fork_safe import ForkSafeLock
from ._jit_function import JitFunction
from ._jit_pickle import reduce_jit


def _static_names(fn, static_argnames, static_argnums):
    """The parameter names made static, checked against fn's signature."""
    params = list(inspect.signature(fn).parameters.values())
    names = [p.name for p in params]
    chosen = []
    if static_argnames is not None:
        for name in (static_argnames,) if isinstance(static_argnames, str) else tuple(static_argnames):
            if not isinstance(name, str) or name not in names:
                raise ValueError(f"static_argnames: {name!r} is not a parameter of {fn.__name__} {tuple(names)}")
            chosen.append(name)
    if static_argnums is not None:
        for num in (static_argnums,) if isinstance(static_argnums, int) else tuple(static_argnums):
            if isinstance(num, bool) or not isinstance(num, int) or not -len(params) <= num < len(params):
                raise ValueError(f"static_argnums: {num!r} is not a parameter position of {fn.__name__} "
                                 f"(it has {len(params)})")
            chosen.append(names[num])
    for name in chosen:
        kind = params[names.index(name)].kind
        if kind in (inspect.Parameter.VAR_POSITIONAL, inspect.Parameter.VAR_KEYWORD):
            raise ValueError(f"static_argnames: *{name} cannot be static; name single parameters")
    return tuple(dict.fromkeys(chosen))


class StaticJitFunction:
    """ff.jit with static arguments: one JitFunction per distinct tuple of static values, each
    tracing fn with those values bound as Python constants."""

    def __init__(self, fn, statics):
        self._fn = fn
        self._signature = inspect.signature(fn)
        self._statics = statics
        self._specialized = {}
        self._lock = ForkSafeLock()
        functools.update_wrapper(self, fn)

    @property
    def trace_count(self):
        return sum(f.trace_count for f in list(self._specialized.values()))

    def _split(self, args, kwargs):
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{self._fn.__name__}(): {e}") from None
        bound.apply_defaults()
        values = {}
        for name in self._statics:
            value = bound.arguments[name]
            try:
                hash(value)
            except TypeError:
                raise TypeError(f"{name}: a static argument must be hashable (it keys the compiled program), "
                                f"got {type(value).__name__}") from None
            values[name] = value
        key = tuple((name, type(v), v) for name, v in values.items())
        fn = self._specialized.get(key)
        if fn is None:
            with self._lock:
                fn = self._specialized.get(key)
                if fn is None:
                    fn = JitFunction(_bind_statics(self._fn, self._signature, values))
                    self._specialized[key] = fn
        rest_args, rest_kwargs = [], {}
        for name, p in self._signature.parameters.items():
            if name in values:
                continue
            if p.kind == inspect.Parameter.VAR_POSITIONAL:
                rest_args.extend(bound.arguments[name])
            elif p.kind == inspect.Parameter.KEYWORD_ONLY:
                rest_kwargs[name] = bound.arguments[name]
            else:
                rest_args.append(bound.arguments[name])
        return fn, rest_args, rest_kwargs

    def __call__(self, *args, **kwargs):
        fn, a, k = self._split(args, kwargs)
        return fn(*a, **k)

    def explain_recompile(self):
        """Why each program was traced: one block per distinct static value tuple (a new one
        always traces), each with its own JitFunction.explain_recompile lines."""
        if not self._specialized:
            return f"{self._fn.__name__}: not compiled yet"
        blocks = []
        for key, fn in list(self._specialized.items()):
            statics = ", ".join(f"{name}={value!r}" for name, _, value in key)
            blocks.append(f"static {statics}:\n" + fn.explain_recompile())
        return "\n".join(blocks)

    def ir(self, *args, optimized=False, locations=False, **kwargs):
        fn, a, k = self._split(args, kwargs)
        return fn.ir(*a, optimized=optimized, locations=locations, **k)

    def dot(self, *args, **kwargs):
        fn, a, k = self._split(args, kwargs)
        return fn.dot(*a, **k)

    def profile(self, *args, **kwargs):
        fn, a, k = self._split(args, kwargs)
        return fn.profile(*a, **k)

    def explain(self, *args, **kwargs):
        fn, a, k = self._split(args, kwargs)
        return fn.explain(*a, **k)

    def __reduce__(self):
        return reduce_jit(self, self._fn, self._statics)  # a decorated global pickles as itself


def _bind_statics(fn, signature, values):
    """fn with the static parameters fixed to `values`; the rest keep their kinds and names."""
    params = [p for name, p in signature.parameters.items() if name not in values]

    def specialized(*args, **kwargs):
        bound = reduced.bind(*args, **kwargs)
        positional, keywords = [], {}
        for name, p in signature.parameters.items():
            value = values[name] if name in values else bound.arguments.get(name, p.default)
            if p.kind == inspect.Parameter.VAR_POSITIONAL:
                positional.extend(value if name not in values else ())
            elif p.kind == inspect.Parameter.KEYWORD_ONLY:
                keywords[name] = value
            elif p.kind == inspect.Parameter.VAR_KEYWORD:
                keywords.update(value)
            else:
                positional.append(value)
        return fn(*positional, **keywords)

    reduced = signature.replace(parameters=params)
    specialized.__signature__ = reduced
    specialized.__name__ = getattr(fn, "__name__", "fn")
    specialized.__qualname__ = getattr(fn, "__qualname__", specialized.__name__)
    specialized.__module__ = getattr(fn, "__module__", None)
    return specialized
