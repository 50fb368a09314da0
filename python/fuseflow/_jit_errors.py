"""ff.jit's trace-time errors in the user's terms: the user's file:line, argument names instead
of IR value ids, and the actual lengths of this call (issue 15 item 5)."""

import os

from .dsl import Traced

_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _add_user_location(error):
    """Appends the user's file:line (innermost traceback frame outside fuseflow) to a trace error
    raised by the DSL, unless the IR builder already named it."""
    if not error.args or not isinstance(error.args[0], str) or "(at " in error.args[0]:
        return
    location = None
    tb = error.__traceback__
    while tb is not None:
        filename = tb.tb_frame.f_code.co_filename
        if not os.path.abspath(filename).startswith(_PACKAGE_DIR):
            location = f"{filename}:{tb.tb_lineno}"
        tb = tb.tb_next
    if location is not None:
        error.args = (f"{error.args[0]} (at {location})",) + error.args[1:]


def _add_argument_shapes(error, names, values, traced, builder):
    """Puts a trace error in the user's terms: IR value ids of arguments become the argument
    names (``%1 (f64[n1])`` -> ``y (f64[n1=4])``), other ids "a computed value", and axis symbols
    carry the actual lengths of this call. A broadcasting / length error also gets each array
    argument's shape."""
    if not error.args or not isinstance(error.args[0], str):
        return
    message = error.args[0]
    by_id, lengths, parts = {}, {}, []
    for name, value, t in zip(names, values, traced):
        if isinstance(t, Traced):
            by_id[t._id] = name
            if t.is_array and hasattr(value, "shape"):
                symbols = builder.shape_of(t._id)
                for sym, n in zip(symbols, value.shape):
                    if sym != "1":
                        lengths.setdefault(sym, n)
                parts.append(f"{name}: shape {tuple(value.shape)}")
    message = _user_terms(message, by_id, lengths)
    if ("do not broadcast" in message or "length mismatch" in message) and parts:
        message = f"{message}; arguments: {'; '.join(parts)}"
    error.args = (message,) + error.args[1:]


_VALUE_REF = None


def _user_terms(message, by_id, lengths):
    """message with %K value references named and n<K> symbols given their lengths (see above)."""
    global _VALUE_REF
    import re
    if _VALUE_REF is None:
        _VALUE_REF = (re.compile(r"%(\d+) \(([^()]*)\)"), re.compile(r"\b(n\d+)\b(?!=)"))
    values, symbols = _VALUE_REF
    head, sep, tail = message.partition(" (at ")  # the user's file:line stays as it is

    def value(m):
        vid = int(m.group(1))
        name = by_id.get(vid)
        return f"{name} ({m.group(2)})" if name is not None else f"a computed value ({m.group(2)})"

    head = values.sub(value, head)
    if not any(w in head for w in ("mismatch", "broadcast", "as length")):
        return head + sep + tail  # lengths matter to shape errors; other messages keep the IR types as they are
    head = symbols.sub(lambda m: f"{m.group(1)}={lengths[m.group(1)]}" if m.group(1) in lengths else m.group(1), head)
    return head + sep + tail
