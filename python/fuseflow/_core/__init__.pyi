from collections.abc import Sequence
from typing import Annotated

import numpy
from numpy.typing import NDArray

from fuseflow._core import finance as finance


def set_num_threads(n: int) -> None:
    """
    Threads for every parallel region; 0 restores the default (FUSEFLOW_NUM_THREADS, else OMP_NUM_THREADS, else all cores); n < 0 or n > 4 x cores is a ValueError. In a process forked from one that had imported fuseflow (multiprocessing's 'fork' start method) every region runs on one thread: n > 1 is stored with a RuntimeWarning.
    """

def get_num_threads() -> int:
    """
    Threads a parallel region uses now (1 in a forked process, see set_num_threads).
    """

highway_linkage: str = ...

class ProgressCounter:
    """Progress of one native call (stage, done, total, residual)."""

    def __init__(self) -> None: ...

    @property
    def stage(self) -> int:
        """Stage of the call (-1 before it starts)."""

    @property
    def done(self) -> int:
        """Units done in the current stage."""

    @property
    def total(self) -> int:
        """Units in the current stage (0: unknown)."""

    @property
    def residual(self) -> float:
        """Last iteration's residual (NaN: none)."""

    def stage_total(self, stage: int) -> int:
        """The total stage `stage` began with (0: not reached)."""

class Graph:
    """Immutable CSR + CSC multigraph (use fuseflow.Graph)."""

    @property
    def num_nodes(self) -> int: ...

    @property
    def num_edges(self) -> int: ...

    @property
    def has_weights(self) -> bool: ...

    def memory_bytes(self) -> int: ...

    def out_degree(self) -> Annotated[NDArray[numpy.int64], dict(shape=(None,), writable=False)]: ...

    def in_degree(self) -> Annotated[NDArray[numpy.int64], dict(shape=(None,), writable=False)]: ...

    def out_offsets(self) -> Annotated[NDArray[numpy.int64], dict(shape=(None,), writable=False)]: ...

    def out_targets(self) -> Annotated[NDArray[numpy.int32], dict(shape=(None,), writable=False)]: ...

    def out_weights(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), writable=False)]: ...

    def in_offsets(self) -> Annotated[NDArray[numpy.int64], dict(shape=(None,), writable=False)]: ...

    def in_sources(self) -> Annotated[NDArray[numpy.int32], dict(shape=(None,), writable=False)]: ...

    def in_weights(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), writable=False)]: ...

    def user_order_weights(self) -> Annotated[NDArray[numpy.float64], dict(shape=(None,), writable=False)]: ...

    def user_order_edges(self) -> tuple[Annotated[NDArray[numpy.int32], dict(shape=(None,))], Annotated[NDArray[numpy.int32], dict(shape=(None,))]]: ...

    @property
    def user_order_is_csr(self) -> bool: ...

    def out_sources(self) -> Annotated[NDArray[numpy.int32], dict(shape=(None,), writable=False)]: ...

def graph_from_edges(src: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], dst: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], num_nodes: int, weights: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, progress: ProgressCounter | None = ...) -> Graph: ...

def graph_reversed(graph: Graph) -> Graph | None: ...

def graph_subgraph(graph: Graph, node_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, edge_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None) -> tuple[Graph, Annotated[NDArray[numpy.int64], dict(shape=(None,))]]: ...

def graph_masked_size(graph: Graph, node_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, edge_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None) -> tuple[int, int]: ...

def graph_masked_has_edge(graph: Graph, node_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, edge_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None) -> bool: ...

def graph_undirected(graph: Graph) -> tuple[Graph, Annotated[NDArray[numpy.int64], dict(shape=(None,))]]: ...

def read_edgelist(path: bytes, delimiter: str, comment: str, weighted: bool, skip_rows: int, num_nodes: int, progress: ProgressCounter | None = ...) -> Graph: ...

def read_matrix_market(path: bytes, progress: ProgressCounter | None = ...) -> Graph: ...

def save_graph(graph: Graph, path: bytes) -> None: ...

def load_graph(path: bytes) -> Graph: ...

def rmat(scale: int, edge_factor: int, a: float, b: float, c: float, seed: int, scramble: bool) -> tuple[Annotated[NDArray[numpy.int32], dict(shape=(None,))], Annotated[NDArray[numpy.int32], dict(shape=(None,))]]: ...

def triangle_count(graph: Graph) -> tuple[Annotated[NDArray[numpy.int64], dict(shape=(None,))], int]: ...

def clustering(graph: Graph) -> Annotated[NDArray[numpy.float64], dict(shape=(None,))]: ...

def transitivity(graph: Graph) -> float: ...

def strongly_connected_components(graph: Graph) -> Annotated[NDArray[numpy.int64], dict(shape=(None,))]: ...

def k_core(graph: Graph) -> Annotated[NDArray[numpy.int64], dict(shape=(None,))]: ...

def betweenness_centrality(graph: Graph, sources: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, weighted: bool, normalized: bool) -> Annotated[NDArray[numpy.float64], dict(shape=(None,))]: ...

def closeness_centrality(graph: Graph, harmonic: bool, wf_improved: bool) -> Annotated[NDArray[numpy.float64], dict(shape=(None,))]: ...

def dfs(graph: Graph, source: int) -> tuple[Annotated[NDArray[numpy.int64], dict(shape=(None,))], Annotated[NDArray[numpy.int64], dict(shape=(None,))]]: ...

def dijkstra(graph: Graph, source: int, target: int) -> tuple[Annotated[NDArray[numpy.float64], dict(shape=(None,))], Annotated[NDArray[numpy.int64], dict(shape=(None,))]]: ...

def dijkstra_masked(graph: Graph, node_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, edge_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, source: int, target: int) -> tuple[Annotated[NDArray[numpy.float64], dict(shape=(None,))], Annotated[NDArray[numpy.int64], dict(shape=(None,))], int]: ...

def astar(graph: Graph, source: int, target: int, heuristic: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, coordinates: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, dim: int, check: bool) -> tuple[Annotated[NDArray[numpy.int64], dict(shape=(None,))], float, int]: ...

def bellman_ford(graph: Graph, source: int) -> tuple[Annotated[NDArray[numpy.float64], dict(shape=(None,))], Annotated[NDArray[numpy.int64], dict(shape=(None,))]]: ...

def louvain(graph: Graph, resolution: float, seed: int, use_weights: bool) -> tuple[Annotated[NDArray[numpy.int64], dict(shape=(None,))], float, int]: ...

def leiden(graph: Graph, resolution: float, seed: int, use_weights: bool, iterations: int) -> tuple[Annotated[NDArray[numpy.int64], dict(shape=(None,))], float, int]: ...

def minimum_spanning_tree(graph: Graph) -> Annotated[NDArray[numpy.int64], dict(shape=(None,))]: ...

def pagerank(graph: Graph, damping: float, tol: float, max_iter: int, personalization: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, progress: ProgressCounter | None = ...) -> tuple[Annotated[NDArray[numpy.float64], dict(shape=(None,))], int, float, bool]: ...

def label_propagation(graph: Graph, max_iter: int, seed: int, progress: ProgressCounter | None = ...) -> tuple[Annotated[NDArray[numpy.int64], dict(shape=(None,))], int, int, bool]: ...

def connected_components(graph: Graph, progress: ProgressCounter | None = ...) -> Annotated[NDArray[numpy.int64], dict(shape=(None,))]: ...

def bfs(graph: Graph, source: int, return_parents: bool, progress: ProgressCounter | None = ...) -> tuple[Annotated[NDArray[numpy.int64], dict(shape=(None,))], Annotated[NDArray[numpy.int64], dict(shape=(None,))] | None]: ...

def bfs_masked(graph: Graph, node_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, edge_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, source: int, return_parents: bool, progress: ProgressCounter | None = ...) -> tuple[Annotated[NDArray[numpy.int64], dict(shape=(None,))], Annotated[NDArray[numpy.int64], dict(shape=(None,))] | None, int]: ...

def sssp_masked(graph: Graph, node_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, edge_keep: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, source: int, delta: float, progress: ProgressCounter | None = ...) -> tuple[Annotated[NDArray[numpy.float64], dict(shape=(None,))], int]: ...

def sssp(graph: Graph, source: int, delta: float, progress: ProgressCounter | None = ...) -> Annotated[NDArray[numpy.float64], dict(shape=(None,))]: ...

class EmbeddingIndexCore:
    """Native embedding index (use fuseflow.EmbeddingIndex)."""

    def __init__(self, dim: int, metric: str) -> None: ...

    @property
    def dim(self) -> int: ...

    @property
    def metric(self) -> str: ...

    @property
    def is_mapped(self) -> bool: ...

    def __len__(self) -> int: ...

    def add(self, vectors: Annotated[NDArray, dict(device='cpu', writable=False)], ids: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, progress: ProgressCounter | None = ...) -> None: ...

    def remove(self, ids: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)]) -> None: ...

    def ids(self) -> Annotated[NDArray[numpy.int64], dict(shape=(None,))]: ...

    def vectors(self) -> NDArray[numpy.float32]: ...

    def search(self, queries: Annotated[NDArray, dict(device='cpu', writable=False)], k: int) -> tuple[NDArray[numpy.float32], NDArray[numpy.int64]]: ...

    def save(self, path: bytes) -> None: ...

    @staticmethod
    def load(path: bytes, mmap: bool) -> EmbeddingIndexCore: ...

def op_table() -> list:
    """The IR op table: (name, class, flags) per opcode, in opcode order."""

def arg_layout(*args) -> object:
    """
    Exact layout of jit call arguments as bytes, or None (tracer fast path).
    """

class Program:
    """A verified IR program (typed SSA with loop regions)."""

    def print(self, locations: bool = ...) -> str: ...

    def __str__(self) -> str: ...

    def to_dot(self) -> str: ...

    def verify(self) -> None: ...

    @property
    def name(self) -> str: ...

    @property
    def num_inputs(self) -> int: ...

    @property
    def num_outputs(self) -> int: ...

    def input_types(self) -> list[tuple[str, str, str, bool]]: ...

    def output_types(self) -> list[tuple[str, str, str, bool]]: ...

def parse_ir(text: str) -> Program:
    """Parse IR text; malformed text raises ValueError with line and column."""

class IRBuilder:
    """Builds a Program op by op; values are ints."""

    def __init__(self, name: str = ...) -> None: ...

    def add_graph_input(self) -> int: ...

    def add_array_input(self, arg0: str, arg1: int, /) -> int: ...

    def add_shaped_input(self, arg0: str, arg1: Sequence[int], /) -> int: ...

    def add_scalar_input(self, arg0: str, arg1: bool, /) -> int: ...

    def new_input_symbol(self) -> int: ...

    def one_symbol(self) -> int: ...

    def nodes_symbol(self, arg: int, /) -> int: ...

    def edges_symbol(self, arg: int, /) -> int: ...

    def set_location(self, arg0: str, arg1: int, /) -> None: ...

    def constant_float(self, arg0: float, arg1: str, arg2: bool, /) -> int: ...

    def constant_int(self, arg0: int, arg1: str, arg2: bool, /) -> int: ...

    def constant_bool(self, arg0: bool, arg1: bool, /) -> int: ...

    def unary(self, arg0: str, arg1: int, /) -> int: ...

    def binary(self, arg0: str, arg1: int, arg2: int, /) -> int: ...

    def cast(self, arg0: int, arg1: str, /) -> int: ...

    def where(self, arg0: int, arg1: int, arg2: int, /) -> int: ...

    def clip(self, arg0: int, arg1: int, arg2: int, /) -> int: ...

    def reduce(self, arg0: str, arg1: int, /) -> int: ...

    def dot(self, arg0: int, arg1: int, /) -> int: ...

    def norm(self, arg0: int, arg1: str, /) -> int: ...

    def axis_op(self, arg0: str, arg1: int, arg2: int, /) -> int: ...

    def transpose(self, arg0: int, arg1: Sequence[int], /) -> int: ...

    def array_stat(self, arg0: str, arg1: Sequence[int], arg2: int, arg3: int, /) -> int: ...

    def take(self, arg0: int, arg1: int, arg2: int, /) -> int: ...

    def dim(self, arg0: int, arg1: int, /) -> int: ...

    def slice(self, arg0: int, arg1: int, arg2: int, arg3: int, arg4: int, /) -> int: ...

    def visible(self, arg: int, /) -> bool: ...

    def reshape(self, arg0: int, arg1: Sequence[int], /) -> int: ...

    def join(self, arg0: str, arg1: int, arg2: Sequence[int], arg3: int, /) -> int: ...

    def reduce_axes(self, x: int, kind: str, axes: Sequence[int], keepdims: bool, ddof: float = ...) -> int: ...

    def full(self, arg0: int, arg1: int, /) -> int: ...

    def arange(self, arg: int, /) -> int: ...

    def length(self, arg: int, /) -> int: ...

    def num_nodes(self, arg: int, /) -> int: ...

    def num_edges(self, arg: int, /) -> int: ...

    def out_degree(self, arg: int, /) -> int: ...

    def in_degree(self, arg: int, /) -> int: ...

    def edge_src(self, arg0: int, arg1: int, /) -> int: ...

    def edge_dst(self, arg0: int, arg1: int, /) -> int: ...

    def neighbor_agg(self, g: int, x: int, op: str, direction: str, weights: int | None, combine: str = ..., active: int | None = ...) -> int: ...

    def begin_loop(self, arg0: int, arg1: Sequence[int], /) -> list[int]: ...

    def end_loop(self, arg: Sequence[int], /) -> list[int]: ...

    def begin_while(self, arg: Sequence[int], /) -> list[int]: ...

    def begin_while_body(self, arg: int, /) -> list[int]: ...

    def end_while(self, arg: Sequence[int], /) -> list[int]: ...

    @property
    def region_depth(self) -> int: ...

    def type_of(self, arg: int, /) -> tuple[str, str, str, bool]: ...

    def shape_of(self, arg: int, /) -> list[str]: ...

    def symbol_of(self, arg: int, /) -> int: ...

    def set_outputs(self, arg: Sequence[int], /) -> None: ...

    def finish(self) -> Program: ...

def unary_math(name: str, x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)]) -> object:
    """Elementwise math kernel on a 1-D contiguous float32/float64 array."""

def reduce_kernel(name: str, x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], y: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None = ...) -> object:
    """
    Block reduction kernel (sum, dot, min, max, argmin, argmax) on one contiguous array.
    """

def math_target_name() -> str:
    """SIMD target the math kernels dispatched to."""

def eager_function(op: int, name: str, doc: str, numpy_fn: object | None, fallback: object, module: str) -> object:
    """
    A builtin function for kernels op `op`: exact ndarrays to the native kernel where it is faster, else to `numpy_fn`; everything else to `fallback` (see bind_eager_math.cpp).
    """

def eager_math(op: int, x: object) -> object:
    """
    kernels math op `op` (its UnaryOp index) on a contiguous float32/float64 ndarray, or None (also when NumPy is faster at that size).
    """

def eager_native_max(op: int, float32: bool) -> int:
    """
    Largest element count eager_math runs natively for op (float32 or float64); above it, None (NumPy).
    """

def eager_math_ops() -> dict:
    """{name: UnaryOp index} of the kernels math ops, for eager_math."""

class Compiled:
    """
    A compiled program: run(inputs) executes it natively with the GIL released.
    """

    def run(self, inputs: list) -> list: ...

    def run_into(self, inputs: list, outs: list) -> None:
        """
        Runs and copies each output into the matching array of `outs` (see Compiled::run_into).
        """

    def run_profiled(self, inputs: list, events: bool = ...) -> object:
        """
        Like run(); also returns per-step rows (step, depth, kind, label, fused_ops, elements, calls, seconds).
        events=True adds the list of step executions (step, start seconds, seconds) in start order and the
        count of executions dropped beyond the recording cap.
        """

    def describe(self) -> str:
        """The execution plan: one line per step."""

    @property
    def large_graph_min_nodes(self) -> int:
        """
        Graphs with more nodes run a variant compiled without loop_rotation (0: none).
        """

    def variant_ir(self, inputs: list) -> tuple:
        """(optimized IR, plan, pass report) of the variant these inputs run."""

    def optimized_ir(self) -> str:
        """The IR after the optimizer's passes."""

    def pass_report(self) -> str:
        """Per-pass time and whether each pass changed the IR."""

    @property
    def num_inputs(self) -> int: ...

    @property
    def num_outputs(self) -> int: ...

    @property
    def has_direct_call(self) -> bool:
        """
        True when the program is one elementwise kernel that small ff.jit calls run straight into a fresh NumPy array (exec/direct_call.h).
        """

def compile(program: Program) -> Compiled:
    """
    Lower a verified IR program to an executable plan (fused block kernels, graph steps, loops). Results are bitwise identical for any thread count.
    """

class JitDispatcher:
    """
    Native base of ff.jit's JitFunction: calls with a remembered argument layout run without entering Python; others go to self._call_slow(*args, **kwargs).
    """

    def __call__(self, /, *args, **kwargs):
        """Call self as a function."""

    def __init__(self) -> None: ...

def exec_simd_target() -> str:
    """SIMD target the fused-kernel interpreter dispatches to."""

def array_scan(op: str, x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], outer: int, len: int, inner: int, out: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu')]) -> None:
    """
    Inclusive scan along the axis of the (outer, len, inner) view into out (dtype per NumPy 2).
    """

def array_diff(x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], outer: int, len: int, inner: int, n: int, is_bool: bool, out: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu')]) -> None: ...

def array_sort(x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], outer: int, len: int, inner: int, arg: bool, out: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu')]) -> None: ...

def array_top_k(x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], outer: int, len: int, inner: int, k: int) -> object: ...

def array_quantile(x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], outer: int, len: int, inner: int, q: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], narrow: bool, float32_index: bool) -> object: ...

def array_median(x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], outer: int, len: int, inner: int) -> object: ...

def array_bincount(x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], weights: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)] | None, minlength: int) -> object: ...

def array_histogram(x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], edges: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], uniform: bool, denom: float, narrow: bool) -> object: ...

def array_take(x: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], outer: int, len: int, inner: int, item_bytes: int, idx: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu', writable=False)], out: Annotated[NDArray, dict(shape=(None,), order='C', device='cpu')]) -> None: ...

def cached_empty(shape: Sequence[int], dtype: object) -> object:
    """
    numpy.empty(shape, dtype) on a block of the recycled-memory cache (blocks of 512 KB or more are reused).
    """

cached_block_min_bytes: int = ...

def memory_cache_info() -> dict:
    """
    The recycled-memory cache of large results: blocks and bytes held now, the byte limit (0: off), hits so far.
    """

def clear_memory_cache() -> None:
    """
    Frees every block the recycled-memory cache holds (arrays in use are not affected).
    """
