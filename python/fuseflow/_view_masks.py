"""The masks a Graph.subgraph view holds until it is cut, and the rule that decides when.

A subgraph view is made from its masks alone (O(nodes)): no CSR is copied. Single traversals
(ff.algorithms.bfs, sssp, dijkstra, shortest_path) run on the graph the masks select from, reading only the edges
they reach; everything else (the other algorithms, ff.jit programs, edges(), saving) needs the
view's own arrays and cuts it first, once (Graph::subgraph, src/graph/subgraph.cpp).

When a masked traversal stops paying (all costs in masked edge reads): a masked run costs the
out-edges of the nodes it reaches (each read, kept or not) plus NODE_PASS_COST per dropped node
(its passes over the base's nodes, which a run on the cut does not make); a cut costs
CUT_COST_PER_EDGE per out-edge of the kept nodes and per kept node (it reads every kept
out-list, writes the kept edges and builds their CSC), after which runs cost as on any graph.
The view runs on its masks until the runs' costs would pass the cut's, then cuts: the
ski-rental rule, never much more than twice the cheaper of "always masked" and "cut at once",
whatever calls come. A small subgraph of a large graph (its dropped nodes' passes alone cost
more than its cut) is cut at its first traversal.
"""

from . import _core
from ._fork_safe import ForkSafeLock

# Measured on R-MAT 18 and 20, half and a tenth of the nodes kept, one BFS (CHANGELOG, the
# views bench suite): a masked run ~2 ns per reached out-edge and ~2x that per dropped node; a
# cut 8-19 ns per kept out-edge.
NODE_PASS_COST = 2.0
CUT_COST_PER_EDGE = 13.0
# A masked sssp reads 10-25 ns per reached out-edge (the dropped ones included) where a masked BFS
# reads ~2: delta-stepping relaxes every out-edge of every scanned node, often more than once,
# and the relaxations that reach dropped nodes are the cut's savings (R-MAT 20, a tenth of the
# nodes kept: masked 33-41 ms; cut 26 ms, then 3.5 ms per run). A masked sssp reaching most of
# its view costs about a cut, so a view searched again is cut after one or two.
SSSP_EDGE_COST = 12.0


class PendingCut:
    """Masks over `over` (a Graph) that a view has not cut yet.

    nodes: bool per node of `over` or None (all); local: the kept ids (flatnonzero(nodes)) or
    None; edges: bool per user edge of `over` or None.
    """

    __slots__ = ("over", "nodes", "local", "edges", "num_nodes", "rent", "lock", "_cost", "_size", "_by_position")

    def __init__(self, over, nodes, edges, local):
        self.over = over
        self.nodes = nodes
        self.local = local
        self.edges = edges
        self.num_nodes = over.num_nodes if local is None else local.shape[0]
        self.rent = 0  # edge reads charged to masked traversals so far
        self.lock = ForkSafeLock()  # one cut per view, however many threads ask
        self._cost = None
        self._size = None
        self._by_position = [None, None]  # the edge mask per CSR and per CSC position, made once each

    def size(self):
        """(kept nodes, kept edges), counted once without cutting."""
        if self._size is None:
            self._size = _core.graph_masked_size(self.over._g, self.nodes, self.edges)
        return self._size

    def edge_positions(self, in_edges, make=True):
        """(edge mask per CSR position, per CSC position or None) for a search, made once each
        when `make`: read through the position -> user id maps instead, a search pays a random
        read per edge it examines (a BFS with parents over the 2048 road grid, whose user order
        is not its CSR order: 1.3-7 s instead of 0.2-0.8 s). Each is charged once as a pass over
        the edges. Without `make`, whatever was made already (a point-to-point Dijkstra examines
        too few edges to pay for a pass over all of them)."""
        if self.edges is None:
            return None, None
        if not make:
            return self._by_position[0], self._by_position[1]
        for k in ((0, 1) if in_edges else (0,)):
            if self._by_position[k] is None:
                if k == 0 and self.over._g.user_order_is_csr:
                    self._by_position[0] = self.edges
                    continue
                made = _core.graph_edge_keep_by_position(self.over._g, self.edges, bool(k))
                self._by_position[k] = made.view(bool)
                self.rent += made.shape[0]
        return self._by_position[0], self._by_position[1]

    def has_edge(self):
        """Whether any edge is kept (stops at the first one found; the count once known)."""
        if self._size is not None:
            return self._size[1] > 0
        return _core.graph_masked_has_edge(self.over._g, self.nodes, self.edges)

    def rents(self):
        """Whether the next traversal runs on the masks (False: cut the view first)."""
        if self._cost is None:
            degrees = self.over.out_degree()
            kept = int(degrees.sum() if self.local is None else degrees[self.local].sum())
            self._cost = CUT_COST_PER_EDGE * (kept + self.num_nodes)
        return self.rent + self._node_passes() < self._cost

    def charge(self, reached_out_edges, edge_cost=1.0):
        """Charges a masked run: the base out-edges of the nodes it reached (at edge_cost reads
        each) and its node passes."""
        self.rent += edge_cost * int(reached_out_edges) + self._node_passes()

    def _node_passes(self):
        return NODE_PASS_COST * (self.over.num_nodes - self.num_nodes)

    def nbytes(self):
        return sum(0 if a is None else a.nbytes for a in (self.nodes, self.edges))
