"""Why ff.jit traced (compiled) again: the signature keys of jit._classify compared argument by
argument, in the user's terms (dtype, rank, length-1 axes, kind)."""


def describe(k):
    """One signature key entry (see jit._classify) in words."""
    kind = k[0]
    if kind == "s":
        return f"{'Python' if k[2] else 'NumPy'} {k[1]} scalar"
    if kind == "g":
        return "weighted graph" if k[1] else "unweighted graph"
    if kind == "a":
        cls = k[2]
        size = {"1": "length 1", "N": "a graph's node count", "E": "a graph's edge count",
                "N|E": "a graph's node = edge count", "same": "the length of an earlier array"}.get(cls[0], "its own length")
        return f"{k[1]} 1-D array of {size}"
    if kind == "A":
        ones = [i for i, c in enumerate(k[2]) if c[0] == "1"]
        tail = f", length-1 axes {ones}" if ones else ""
        return f"{k[1]} {len(k[2])}-D array{tail}"
    return repr(k)


def recompile_reason(key, names, previous):
    """'first call' or which arguments differ from the closest earlier key."""
    if not previous:
        return "first call: " + ", ".join(f"{n}: {describe(k)}" for n, k in zip(names, key))
    best = None
    for old in previous:
        if len(old) != len(key):
            continue
        diff = [i for i, (a, b) in enumerate(zip(old, key)) if a != b]
        if best is None or len(diff) < len(best[1]):
            best = (old, diff)
    if best is None:
        return "new argument count: " + ", ".join(f"{n}: {describe(k)}" for n, k in zip(names, key))
    old, diff = best
    parts = []
    for i in diff:
        a, b = describe(old[i]), describe(key[i])
        parts.append(f"{names[i]}: {a} -> {b}" if a != b else f"{names[i]}: length class {old[i][2]} -> {key[i][2]}")
    return "; ".join(parts)
