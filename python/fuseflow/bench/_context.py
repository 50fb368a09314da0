"""The state of one run: profile, peers, progress display, recorded cases and skips."""

import os
import tempfile
from collections import OrderedDict
from pathlib import Path

from rich.markup import escape

from ._harness import measure, record_values
from ._peers import Peers


class Context:
    def __init__(self, profile, console, skip_peers=(), verbose=False, cache_dir=None):
        self.profile = profile
        self.console = console
        self.verbose = verbose
        self.cases = []
        self.skipped = []
        self.notes = []
        self.suite = None
        self.peers = Peers(skip_peers, on_skip=self._peer_skipped)
        self._progress = None
        self._task = None
        self.cache_dir = Path(cache_dir or os.environ.get("FUSEFLOW_BENCH_CACHE")
                              or Path(tempfile.gettempdir()) / "fuseflow-bench-cache")
        self._rmat = OrderedDict()  # (scale, edge_factor, seed) -> (src, dst), most recent last

    # -- generated inputs, shared by the suites of one run -----------------------------------------
    RMAT_KEEP = 3  # graphs kept in memory (R-MAT 20: 2 x 64 MiB of int32 each)

    def rmat(self, scale, edge_factor=16, seed=1):
        """ff.generators.rmat(scale, edge_factor, seed=seed), generated once per run: on a loaded
        2-core machine R-MAT 20 takes ~20 s, and the graph, fusion, loading and memory suites use
        the same graphs. Read-only arrays (a suite must not modify them)."""
        key = (scale, edge_factor, seed)
        if key in self._rmat:
            self._rmat.move_to_end(key)
            return self._rmat[key]
        import fuseflow as ff

        self.progress_note(f"{self.suite}: generating R-MAT {scale} (edge factor {edge_factor})")
        src, dst = ff.generators.rmat(scale, edge_factor, seed=seed)
        src.flags.writeable = False
        dst.flags.writeable = False
        self._rmat[key] = (src, dst)
        while len(self._rmat) > self.RMAT_KEEP:
            self._rmat.popitem(last=False)
        return src, dst

    def rmat_file(self, scale, edge_factor=16, seed=1):
        """The same edge list in a .npz file of the cache directory, for child processes (the
        memory suite); keyed by fuseflow's version so a changed generator is not read stale."""
        import numpy as np

        import fuseflow as ff

        path = self.cache_dir / "rmat" / f"rmat{scale}_ef{edge_factor}_seed{seed}_v{ff.__version__}.npz"
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            src, dst = self.rmat(scale, edge_factor, seed)
            tmp = path.with_suffix(".part.npz")
            np.savez(tmp, src=src, dst=dst)
            os.replace(tmp, path)
        return path

    # -- peers and skips -------------------------------------------------------------------------
    def peer(self, name):
        return self.peers.get(name)

    def _peer_skipped(self, name, reason):
        self.skipped.append({"suite": self.suite, "what": f"peer {name}", "reason": reason})
        self.say("[yellow]" + escape(f"skipped peer {name}: {reason}") + "[/]")

    def skip(self, what, reason):
        """A case or suite that cannot run here (one line, recorded in the JSON)."""
        self.skipped.append({"suite": self.suite, "what": what, "reason": reason})
        self.say("[yellow]" + escape(f"skipped {self.suite}: {what}: {reason}") + "[/]")

    def note(self, text):
        """An informational line kept in the JSON (e.g. communities found, bytes scanned)."""
        self.notes.append({"suite": self.suite, "text": text})
        self.say("[dim]" + escape(f"{self.suite}: {text}") + "[/]")

    # -- output ----------------------------------------------------------------------------------
    def say(self, markup):
        self.console.print(markup, highlight=False)

    def debug(self, text):
        if self.verbose:
            self.console.print(text, markup=False, highlight=False)

    def attach_progress(self, progress, task):
        self._progress, self._task = progress, task

    def progress_note(self, text):
        if self._progress is not None:
            self._progress.update(self._task, description=text[:90])

    def add(self, rec):
        self.cases.append(rec)
        if rec.figures.get(rec.baseline):
            from ._report import format_value

            parts = []
            for peer, ratio in rec.ratios.items():
                diff = rec.max_abs_diff.get(peer)
                parts.append(f"{peer} {ratio:.2f}x" + (f" (max |diff| {diff:.1e})" if diff is not None else ""))
            base = format_value(rec.figures[rec.baseline]["median"], rec.unit)
            self.say(escape(f"  {rec.suite}: {rec.case} [{rec.size_label}]: {rec.baseline} {base}; " + ", ".join(parts)))

    # -- measuring (see _harness) ----------------------------------------------------------------
    def measure(self, case, contenders, **kw):
        return measure(self, self.suite, case, contenders, **kw)

    def record_values(self, case, values, **kw):
        return record_values(self, self.suite, case, values, **kw)

    def pick(self, tiny, quick, full):
        return self.profile.pick(tiny, quick, full)
