"""Profile: what JitFunction.profile(*args) returns -- per-step timings of one run of the compiled
plan, the optimizer's pass report, and a Chrome/Perfetto trace of every step execution."""

import json

__all__ = ["Profile"]


def _format_seconds(seconds):
    if seconds >= 1.0:
        return f"{seconds:.3f} s"
    if seconds >= 1e-3:
        return f"{seconds * 1e3:.3f} ms"
    return f"{seconds * 1e6:.1f} us"


class Profile:
    """One profiled run.

    Attributes:
      steps        list of dicts, one per plan step in plan order (loop steps follow their loop,
                   one level deeper): step, depth, kind, label, fused_ops, elements, calls,
                   seconds (summed over the step's executions; a loop's includes its steps'),
                   share (seconds / total_seconds).
      outputs      the function's result, exactly as a normal call returns it.
      total_seconds  time of the whole plan (the sum over the top-level steps).
      pass_report  the optimizer's per-pass table for this signature.
      plan         the execution plan as text (f.ir(..., optimized=True) shows it too).

    Example:
        >>> f = ff.jit(lambda x: ff.sum(ff.exp(x) * 2.0))
        >>> p = f.profile(np.ones(1000))
        >>> bool(np.isclose(p.outputs, np.sum(np.exp(np.ones(1000)) * 2.0), rtol=1e-14))
        True
        >>> p.total_seconds > 0, sum(s["calls"] for s in p.steps) >= 1
        (True, True)
    """

    def __init__(self, name, rows, events, dropped_events, outputs, pass_report, plan):
        self.name = name
        self.outputs = outputs
        self.pass_report = pass_report
        self.plan = plan
        self.total_seconds = float(sum(r[7] for r in rows if r[1] == 0))
        total = self.total_seconds
        self.steps = [
            {"step": step, "depth": depth, "kind": kind, "label": label, "fused_ops": fused,
             "elements": elements, "calls": calls, "seconds": seconds,
             "share": seconds / total if total > 0 else 0.0}
            for step, depth, kind, label, fused, elements, calls, seconds in rows
        ]
        self._events = events  # (step, start seconds, seconds) in start order
        self.dropped_events = dropped_events

    def __str__(self):
        header = ("step", "kind", "fused ops", "elements", "calls", "time", "share")
        table = [header]
        for s in self.steps:
            label = "  " * s["depth"] + s["label"]
            table.append((str(s["step"]), s["kind"], label, f"{s['elements']:,}", str(s["calls"]),
                          _format_seconds(s["seconds"]), f"{100.0 * s['share']:.1f}%"))
        widths = [max(len(row[i]) for row in table) for i in range(len(header))]
        right = {3, 4, 5, 6}  # numbers right-aligned
        lines = [f"profile of {self.name}: {_format_seconds(self.total_seconds)} "
                 "(a loop's time and share include its steps')"]
        for row in table:
            lines.append("  ".join(cell.rjust(w) if i in right else cell.ljust(w)
                                   for i, (cell, w) in enumerate(zip(row, widths))).rstrip())
        lines.append("")
        lines.append("optimizer passes:")
        lines.append(self.pass_report.rstrip())
        return "\n".join(lines)

    def __repr__(self):
        return f"<ff.Profile {self.name}: {len(self.steps)} steps, {_format_seconds(self.total_seconds)}>"

    def trace_events(self):
        """Chrome trace events (dicts with ph "X", ts/dur in microseconds), one per step execution,
        in start order; a loop's event encloses the events of its iterations' steps.

        Example:
            >>> p = ff.jit(lambda x: x * 2.0).profile(np.ones(10))
            >>> sorted(p.trace_events()[0])
            ['args', 'cat', 'dur', 'name', 'ph', 'pid', 'tid', 'ts']
        """
        by_step = {s["step"]: s for s in self.steps}
        out = []
        for step, start, seconds in self._events:
            s = by_step[step]
            out.append({"name": s["label"], "cat": s["kind"], "ph": "X", "ts": start * 1e6, "dur": seconds * 1e6,
                        "pid": 1, "tid": 1, "args": {"step": step, "depth": s["depth"], "fused_ops": s["fused_ops"]}})
        return out

    def to_chrome_trace(self, path):
        """Writes the run as Chrome/Perfetto trace JSON (open in chrome://tracing or ui.perfetto.dev).

        Example:
            >>> import json, os, tempfile
            >>> p = ff.jit(lambda x: x * 2.0).profile(np.ones(10))
            >>> path = os.path.join(tempfile.mkdtemp(), "run.json")
            >>> p.to_chrome_trace(path) == path
            True
            >>> [e["ph"] for e in json.load(open(path))["traceEvents"]][:3]  # two metadata events, then steps
            ['M', 'M', 'X']
        """
        events = [{"name": "process_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": f"fuseflow {self.name}"}},
                  {"name": "thread_name", "ph": "M", "pid": 1, "tid": 1, "args": {"name": "plan"}}]
        events.extend(self.trace_events())
        doc = {"traceEvents": events, "displayTimeUnit": "ms",
               "otherData": {"program": self.name, "total_seconds": self.total_seconds,
                             "dropped_events": self.dropped_events}}
        with open(path, "w") as f:
            json.dump(doc, f)
        return path
