"""ff.jit graph programs run both on one process (ff.Graph) and on a DistGraph
(fuseflow.mpi.run) by test_mpi_program.py and dsl.py."""

import fuseflow as ff


@ff.jit
def pagerank(g, damping=0.85, iters=20):  # DESIGN.md
    n = g.num_nodes
    deg = g.out_degree()
    inv = ff.where(deg > 0, 1.0 / deg, 0.0)

    def step(rank):
        sink = ff.sum(ff.where(deg == 0, rank, 0.0))
        return (1.0 - damping) / n + damping * (ff.neighbor_agg(g, rank * inv, "sum") + sink / n)
    return ff.fori_loop(iters, step, ff.full(n, 1.0 / n))


@ff.jit
def pagerank_converge(g, damping=0.85, tol=1e-12):
    n = g.num_nodes
    deg = g.out_degree()
    inv = ff.where(deg > 0, 1.0 / deg, 0.0)

    def step(rank):
        sink = ff.sum(ff.where(deg == 0, rank, 0.0))
        return (1.0 - damping) / n + damping * (ff.neighbor_agg(g, rank * inv, "sum") + sink / n)
    return ff.converge(step, ff.full(n, 1.0 / n), tol=tol, max_iter=500, return_info=True)


@ff.jit
def min_label_components(g):
    def step(labels):
        return ff.minimum(labels, ff.neighbor_agg(g, labels, "min", direction="both"))
    return ff.converge(step, ff.arange(g.num_nodes), tol=0, max_iter=100000)


@ff.jit
def many_ops(g, x):
    """Every kind of distributed op once: neighbor_agg in every direction and op, each
    reduction, graph facts, creation ops, a while_loop whose condition reads a reduction."""
    pulled = ff.neighbor_agg(g, x, "sum")
    biggest_out = ff.neighbor_agg(g, x, "max", direction="out")
    mean_both = ff.neighbor_agg(g, x, "mean", direction="both")
    count_in = ff.neighbor_agg(g, x, "count")
    votes = ff.neighbor_agg(g, g.in_degree() % 4, "mode", direction="both")
    ids = ff.arange(g.num_nodes) * 2 + g.out_degree()
    above = pulled > ff.mean(pulled)

    def halve(c):
        return c[0] * 0.5, c[1] + 1
    shrunk, halvings = ff.while_loop(lambda c: ff.max(c[0]) > 1.0, halve, (x * 100.0, 0))
    scalars = (ff.sum(x), ff.mean(x), ff.min(x), ff.max(x), ff.argmin(x), ff.argmax(x), ff.dot(x, pulled),
               ff.norm(x, "l1"), ff.norm(x, "l2"), ff.norm(x, "inf"), ff.mean(g.in_degree()),
               ff.argmax(g.in_degree()), ff.argmin(g.out_degree()), g.num_edges, g.num_nodes, halvings)
    return (pulled, biggest_out, mean_both, count_in, votes, ids, above, shrunk, ff.full(g.num_nodes, True)), scalars


@ff.jit
def uses_edge_arrays(g, x):
    return ff.sum(g.edge_src(x))


@ff.jit
def weighted_by_edge_array(g, x):
    return ff.neighbor_agg(g, x, "sum", weights=ff.full(g.num_edges, 2.0))


# Programs whose native work fails where an exponent is negative (integer pow raises ValueError):
# under MPI only the rank owning such a node fails, and every rank must raise, none wait.
@ff.jit
def power_then_pull(g, x, e):
    return ff.neighbor_agg(g, x ** e, "sum")


@ff.jit
def power_in_loop(g, x, e):
    def step(c):
        return c + ff.sum(ff.where(x > c, x ** e, 0))
    return ff.fori_loop(3, step, 0)


@ff.jit
def power_last(g, x, e):
    pulled = ff.neighbor_agg(g, x, "sum")
    return pulled ** e
