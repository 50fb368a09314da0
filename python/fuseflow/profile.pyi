# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in scripts/check_stubs.sh).
import os
from typing import Any

__all__ = ["Profile"]

class Profile:
    name: str
    outputs: Any
    pass_report: Any
    plan: Any
    total_seconds: float
    steps: list[dict[str, Any]]
    dropped_events: int
    def __init__(self, name: str, rows: Any, events: Any, dropped_events: int, outputs: Any, pass_report: Any,
                 plan: Any) -> None: ...
    def trace_events(self) -> list[dict[str, Any]]: ...
    def to_chrome_trace(self, path: str | os.PathLike[str]) -> None: ...
