# Typing stub (hand-maintained; checked against the runtime by mypy.stubtest in scripts/check_stubs.sh).
import os

from .graph import Graph

_Path = str | bytes | os.PathLike[str] | os.PathLike[bytes]

def read_edgelist(path: _Path, delimiter: str | None = None, comment: str | None = "#", weighted: bool = False,
                  skip_rows: int = 0, num_nodes: int | None = None, *, progress: bool = False) -> Graph: ...
def read_matrix_market(path: _Path, *, progress: bool = False) -> Graph: ...
