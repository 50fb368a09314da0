"""``progress=True`` and the ``"fuseflow"`` logger for long native calls.

A native call runs with the GIL released and writes its progress into a
``_core.ProgressCounter`` (include/fuseflow/core/progress.h) at iteration or block granularity.
While it runs, a small Python thread polls the counter every 0.1 s and drives a tqdm bar on
stderr; after the call returns, the bar is brought to the call's final figures (so a call
that ends between two polls still shows its totals) and closed. Nothing is created, started or
printed unless ``progress=True`` was asked for.

Logging: every instrumented call emits one INFO record on the ``"fuseflow"`` logger with its
figures (sizes, iterations, residual, seconds); the figures are also attached to the record as
``record.fuseflow`` (a dict). The package adds a NullHandler, so nothing is printed unless the
application configures logging, e.g. ``logging.basicConfig(level=logging.INFO)``.
"""

import logging
import math
import sys
import threading
import time

from . import _core

logger = logging.getLogger("fuseflow")
logger.addHandler(logging.NullHandler())

_POLL_SECONDS = 0.1


def check_progress(value):
    """progress must be True or False (a TypeError names it otherwise)."""
    if value is True or value is False:
        return value
    try:
        import numpy as np

        if isinstance(value, np.bool_):
            return bool(value)
    except ImportError:  # pragma: no cover - numpy is a dependency
        pass
    raise TypeError(f"progress: must be True or False, got {type(value).__name__}")


class Stage:
    """How one stage of a call is shown: description, unit, and a divisor from counter units
    to shown units (the graph build counts 4 passes per edge and shows edges)."""

    __slots__ = ("desc", "unit", "per")

    def __init__(self, desc, unit, per=1):
        self.desc, self.unit, self.per = desc, unit, per


class NativeProgress:
    """Context manager around one native call: yields the counter to pass as ``progress=``
    (None when disabled, so the native side does no reporting at all).

    ``stages`` maps the stage numbers the kernel reports (0, 1, ...) to :class:`Stage`.
    """

    def __init__(self, enabled, what, stages):
        self._what = what
        self._stages = stages
        if enabled:
            try:
                import tqdm  # noqa: F401 (checked before the call starts, not in the poller)
            except ImportError:
                raise ImportError(f"progress=True needs the tqdm package (pip install tqdm); {what} "
                                  "runs without it when progress=False") from None
        self._counter = _core.ProgressCounter() if enabled else None
        self._bar = None
        self._bar_stage = -1
        self._stop = threading.Event()
        self._thread = None
        self._lock = threading.Lock()  # the poller and the final sync both touch the bar

    def __enter__(self):
        if self._counter is not None:
            self._thread = threading.Thread(target=self._poll, name="fuseflow-progress", daemon=True)
            self._thread.start()
        return self._counter

    def __exit__(self, exc_type, exc, tb):
        if self._counter is None:
            return False
        self._stop.set()
        self._thread.join()
        with self._lock:
            if exc_type is None:
                self._sync(final=True)
            if self._bar is not None:
                self._bar.close()
                self._bar = None
        return False

    def _poll(self):
        while not self._stop.wait(_POLL_SECONDS):
            with self._lock:
                self._sync(final=False)

    def _open(self, stage, total):
        from tqdm.auto import tqdm

        spec = self._stages.get(stage) or Stage(f"stage {stage}", "it")
        shown_total = total // spec.per if total > 0 else None
        self._bar = tqdm(total=shown_total, desc=f"{self._what}: {spec.desc}", unit=spec.unit,
                         file=sys.stderr, leave=True, dynamic_ncols=True)
        self._bar_stage = stage

    def _finish_bar(self):
        """Closes the current bar at its total: its stage has ended."""
        if self._bar is not None:
            if self._bar.total is not None:
                self._bar.n = self._bar.total
            self._bar.refresh()
            self._bar.close()
            self._bar = None

    def _sync(self, final):
        c = self._counter
        stage = c.stage
        if stage < 0:
            return
        if stage != self._bar_stage:
            self._finish_bar()
            # Stages that began and ended between two polls: shown complete, at their totals.
            for skipped in range(self._bar_stage + 1, stage):
                if skipped in self._stages and c.stage_total(skipped) > 0:
                    self._open(skipped, c.stage_total(skipped))
                    self._finish_bar()
            self._open(stage, c.total)
        spec = self._stages.get(stage) or Stage("", "it")
        done = c.done // spec.per
        if final and self._bar.total is None:
            self._bar.total = done
        self._bar.n = done
        residual = c.residual
        if not math.isnan(residual):
            self._bar.set_postfix_str(f"residual={residual:.3g}", refresh=False)
        self._bar.refresh()


def log_call(what, started, **figures):
    """One INFO record on the "fuseflow" logger: `what` with its figures and the seconds since
    `started` (time.perf_counter()). A figure may be a callable, evaluated only when the record
    is emitted. Costs one level check when INFO is not enabled."""
    if not logger.isEnabledFor(logging.INFO):
        return
    figures = {k: (v() if callable(v) else v) for k, v in figures.items()}
    figures["seconds"] = round(time.perf_counter() - started, 6)
    text = ", ".join(f"{k}={_show(v)}" for k, v in figures.items())
    logger.info("%s: %s", what, text, extra={"fuseflow": dict(figures, call=what)})


def _show(value):
    if isinstance(value, float):
        return f"{value:.6g}"
    return str(value)
