# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in scripts/check_stubs.sh).
import logging
from types import TracebackType
from typing import Any

from . import _core

logger: logging.Logger

def check_progress(value: object) -> bool: ...

class Stage:
    desc: str
    unit: str
    per: int
    def __init__(self, desc: str, unit: str, per: int = 1) -> None: ...

class NativeProgress:
    def __init__(self, enabled: bool, what: str, stages: dict[int, Stage]) -> None: ...
    def __enter__(self) -> _core.ProgressCounter | None: ...
    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> bool: ...

def log_call(what: str, started: float, **figures: Any) -> None: ...
