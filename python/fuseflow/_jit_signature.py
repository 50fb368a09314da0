"""ff.jit's view of the wrapped function's signature: its parameters (a method's without self),
keyword calls turned into the positional form the native dispatcher remembers, full binding
(*args, defaults) for the other calls, and the captured arrays read after the parameters."""

import inspect

from ._jit_capture import _MISSING, read_source as _read_source


class JitArguments:
    """The argument half of JitFunction (a mixin: it reads the function's _fn and captured names)."""

    __slots__ = ()

    def _init_signature(self, fn, bound_self):
        """Parses fn's signature once: the parameters a call binds, and the fast path's tables."""
        self._signature = inspect.signature(fn)
        if bound_self is not _MISSING:
            params = list(self._signature.parameters.values())
            if not params or params[0].kind not in (inspect.Parameter.POSITIONAL_ONLY,
                                                    inspect.Parameter.POSITIONAL_OR_KEYWORD):
                raise TypeError(f"ff.jit: method {fn.__name__} must take self as its first positional parameter")
            self._signature = self._signature.replace(parameters=params[1:])
        for p in self._signature.parameters.values():
            if p.kind == inspect.Parameter.VAR_KEYWORD:
                raise TypeError(f"ff.jit: {fn.__name__} takes **{p.name}; name every argument instead")
        params = list(self._signature.parameters.values())
        # Fast path: plain positional parameters called positionally (no *args, no keywords).
        self._plain = all(p.kind in (inspect.Parameter.POSITIONAL_ONLY, inspect.Parameter.POSITIONAL_OR_KEYWORD)
                          for p in params)
        self._param_names = tuple(p.name for p in params)
        self._param_index = {name: i for i, name in enumerate(self._param_names)}
        self._defaults = tuple(p.default for p in params)
        self._n_params = len(params)
        self._n_required = sum(1 for p in params if p.default is inspect.Parameter.empty)

    def _captured_values(self):
        values = []
        for name, source in zip(self._captured_names, self._captured_sources):
            try:
                values.append(_read_source(source))
            except ValueError:
                raise NameError(f"{self._fn.__name__}: captured variable {name!r} is not bound") from None
        return values

    def _keywords_to_positions(self, args, kwargs):
        """A keyword call of plain parameters as the equivalent positional tuple, so it takes the
        positional path (layout memo, no signature binding); None when some name is unknown,
        given twice or a required parameter is missing."""
        values = list(args) + [_MISSING] * (self._n_params - len(args))
        if len(values) != self._n_params:
            return None
        index = self._param_index
        for name, value in kwargs.items():
            i = index.get(name)
            if i is None or values[i] is not _MISSING:
                return None
            values[i] = value
        for i, v in enumerate(values):
            if v is _MISSING:
                default = self._defaults[i]
                if default is inspect.Parameter.empty:
                    return None
                values[i] = default
        return tuple(values)

    def _bind(self, args, kwargs):
        try:
            bound = self._signature.bind(*args, **kwargs)
        except TypeError as e:
            raise TypeError(f"{self._fn.__name__}(): {e}") from None
        bound.apply_defaults()
        names, values = [], []
        for pname, value in bound.arguments.items():
            kind = self._signature.parameters[pname].kind
            if kind == inspect.Parameter.VAR_POSITIONAL:
                for i, v in enumerate(value):
                    names.append(f"{pname}[{i}]")
                    values.append(v)
            else:
                names.append(pname)
                values.append(value)
        if self._captured_names:
            names.extend(self._captured_names)
            values.extend(self._captured_values())
        return names, values
