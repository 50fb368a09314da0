# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in scripts/check_stubs.sh).
from dataclasses import dataclass
from typing import Any

@dataclass(frozen=True)
class KernelTier:
    label: str
    where: str
    tier: str
    detail: str

class Explanation:
    name: str
    mode: str
    kernels: list[KernelTier]
    def __init__(self, name: str, mode: str, kernels: list[KernelTier]) -> None: ...

def explain(f: Any, args: tuple[Any, ...], kwargs: dict[str, Any]) -> Explanation: ...
