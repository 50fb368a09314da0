# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in scripts/check_stubs.sh).
from typing import Any

__all__ = ["info", "clear"]

def info(root: str | None = None) -> dict[str, Any]: ...
def clear(root: str | None = None) -> int: ...
