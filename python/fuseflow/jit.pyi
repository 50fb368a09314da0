# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in scripts/check_stubs.sh).
# A jit function keeps the wrapped function's parameter and return types (ParamSpec), so a
# typed program calls it exactly as it would call the Python function.
from collections.abc import Callable, Iterable
from typing import Any, Generic, ParamSpec, TypeVar, overload

from . import _core
from .profile import Profile
from ._explain import Explanation

_P = ParamSpec("_P")
_R = TypeVar("_R")

__all__ = ["jit", "JitFunction"]

class JitFunction(_core.JitDispatcher, Generic[_P, _R]):
    trace_count: int
    def __init__(self, fn: Callable[_P, _R]) -> None: ...
    def __call__(self, *args: _P.args, **kwargs: _P.kwargs) -> _R: ...
    def program(self, *args: _P.args, **kwargs: _P.kwargs) -> Any: ...
    def ir(self, *args: Any, optimized: bool = False, locations: bool = False, **kwargs: Any) -> str: ...
    def dot(self, *args: _P.args, **kwargs: _P.kwargs) -> str: ...
    def profile(self, *args: _P.args, **kwargs: _P.kwargs) -> Profile: ...
    def explain(self, *args: _P.args, **kwargs: _P.kwargs) -> Explanation: ...

@overload
def jit(fn: Callable[_P, _R], *, deterministic: bool = ..., static_argnames: str | Iterable[str] | None = None,
        static_argnums: int | Iterable[int] | None = None) -> JitFunction[_P, _R]: ...
@overload
def jit(fn: None = None, *, deterministic: bool = ..., static_argnames: str | Iterable[str] | None = None,
        static_argnums: int | Iterable[int] | None = None) -> Callable[[Callable[_P, _R]], JitFunction[_P, _R]]: ...
