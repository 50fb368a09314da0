// Plan: what a compiled program executes. A flat list of steps over a frame of value slots:
// fused elementwise kernels (register bytecode over L1-sized blocks, reductions accumulated in
// the same block loop), graph steps (neighbor_agg, edge gathers, degrees), and loops whose
// bodies are nested step lists with explicit carries. Built by lower_program() from the IR;
// independent of the IR itself so the executor can be tested and reused on its own.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <vector>

#include "fuseflow/core/dtype.h"
#include "fuseflow/kernels/math.h"

namespace fuseflow::jit {
struct KernelTier;  // fuseflow/jit/hook.h
}  // namespace fuseflow::jit

namespace fuseflow::exec {

// Element types are fuseflow::DType (core/dtype.h); in kernels bool is one byte holding 0 or 1.
using fuseflow::DType;
using fuseflow::is_float;
inline int elem_size(DType t) { return static_cast<int>(dtype_size(t)); }
// NumPy name ("float64"), for messages.
inline const char* elem_type_name(DType t) { return dtype_numpy_name(t); }

// Elements per block: 256 float64 = 2 KB per register, so inputs, outputs and a handful of
// registers all stay in L1. Measured on the where-expression (arrays suite of python -m fuseflow.bench) at 1,000
// elements: 4.4 us per run with 256 vs 6.6 us with 1024 (one thread; larger blocks spill to L2).
inline constexpr std::int64_t kBlockSize = 256;

// Kernel instructions. The elementwise ones are the op table's (ir/ops.def) unary, binary and
// ternary rows, in table order, run through their scalar semantics (ir/scalar_semantics.h):
// binary: operands and result of `type` (comparisons: operands of `type`, result bool);
// unary: on `type`; where: dst = cond(bool a) ? b : c, all of `type`; clip: minimum(maximum(a, b), c).
enum class OpCode : std::uint8_t {
#define FF_UNARY(Enum, ...) k##Enum,
#define FF_BINARY(Enum, ...) k##Enum,
#define FF_TERNARY(Enum, ...) k##Enum,
#include "fuseflow/ir/ops.def"
  // Unary float math on `type`: `math` selects exp/log/.../floor/ceil/round (the FF_MATH rows).
  kMath,
  // Cast from `src_type` to `type`.
  kCast,
  // dst(int64 or `type`) = global element index.
  kIota,
  // Broadcast copy (a is a broadcast operand): materialises full(n, v).
  kCopy,
  // Accumulate operand a into reduction `reduction` (no dst).
  kReduce,
};

constexpr bool is_binary_op(OpCode op) {
  switch (op) {
#define FF_BINARY(Enum, ...) case OpCode::k##Enum:
#include "fuseflow/ir/ops.def"
      return true;
    default:
      return false;
  }
}

enum class ReduceOp : std::uint8_t { kSum, kMin, kMax, kArgMin, kArgMax };

// How a kernel operand is found per block.
enum class OperandKind : std::uint8_t {
  kRegister,   // block-sized scratch owned by the executing thread
  kArray,      // slot holding a full-length array: read/written at the block offset
  kBroadcast,  // slot holding a scalar or length-1 array: filled once per kernel run
  kStrided,    // slot holding an N-d array read as the kernel's (larger) shape with NumPy
               // broadcasting (Kernel::strided_reads[strided]): each block is gathered into a
               // block-sized buffer, stride 0 along broadcast axes (rows repeat, never materialised)
};

struct Operand {
  OperandKind kind = OperandKind::kRegister;
  DType type = DType::kFloat64;
  int slot = -1;      // kArray / kBroadcast / kStrided
  int register_index = -1;  // kRegister
  int strided = -1;         // kStrided: index into Kernel::strided_reads
};

struct Instr {
  OpCode op;
  DType type;       // result type (compute type for comparisons: see OpCode)
  DType src_type;   // kCast source type; kReduce accumulator type is `type`
  kernels::UnaryOp math = kernels::UnaryOp::kExp;
  ReduceOp reduce = ReduceOp::kSum;
  int dst = -1, a = -1, b = -1, c = -1;  // operand indices
  int reduction = -1;
  // kCast of a Python int (weak int64) to the int32 of the array it meets: a value outside int32
  // is an OverflowError (NumPy 2), not a wrap. Set by lower_program.
  bool checked_narrowing = false;
};

// Applied to a reduction's combined value. kEmptyIsZero: max over |x| (inf-norm) is 0 when empty.
enum class ReduceFinish : std::uint8_t { kNone, kMean, kSqrt, kEmptyIsZero };

struct KernelReduction {
  ReduceOp op;
  DType type;           // accumulator/result type (argmin/argmax: type of the input; result int64)
  ReduceFinish finish = ReduceFinish::kNone;
  int result_slot = -1;    // scalar slot
  std::string name;        // for error messages ("sum", "min", ...)
};

// Where a kernel's element count (or one axis of a shape) comes from at run time.
struct LengthSource {
  enum Kind : std::uint8_t { kArrayLength, kScalarValue, kGraphNodes, kGraphEdges, kOne, kArrayDim, kProduct } kind = kOne;
  int slot = -1;
  int axis = 0;                         // kArrayDim: axis `axis` of the (input) array in `slot`
  std::vector<LengthSource> factors;    // kProduct: the element count of an N-d shape
};

// An N-d operand read with NumPy broadcasting: `out_dims` is the kernel's shape, `src_dims` the
// source array's axes aligned on the right to it (kOne where the source has no such axis).
struct StridedRead {
  std::vector<LengthSource> out_dims;
  std::vector<LengthSource> src_dims;
};

struct Kernel {
  LengthSource length;
  std::vector<Operand> operands;
  std::vector<Instr> code;
  std::vector<KernelReduction> reductions;
  std::vector<StridedRead> strided_reads;
  int num_registers = 0;
  std::vector<int> outputs;  // operand indices of kind kArray written by this kernel
  std::string label;         // "fused(add, mul, exp)" for profiles
  // The compiled tier's view of this kernel (jit/hook.h): run_block runs its compiled region
  // kernel instead of the interpreter when the current mode has one.
  std::shared_ptr<jit::KernelTier> tier;
};

enum class AggOp : std::uint8_t { kSum, kMean, kMin, kMax, kCount, kMode };
enum class AggDirection : std::uint8_t { kIn, kOut, kBoth };
// Semiring neighbor_agg (ir::Combine): the value folded per edge; kNone: the plain aggregation.
enum class AggCombine : std::uint8_t { kNone, kMul, kAdd, kFirst, kSecond };

struct NeighborAggStep {
  AggOp op;
  AggDirection direction;
  DType in_type, out_type;
  int graph_slot, x_slot, weights_slot = -1, out_slot;  // x_slot < 0 for count without values
  // Elementwise consumers over the nodes, run per chunk right after the chunk's aggregates are
  // written (still in cache): one pass over nodes instead of two. May hold reductions.
  std::shared_ptr<Kernel> epilogue;
  // Per-edge producer (fused_agg prologue): the values aggregated are prologue(x[u]), evaluated on
  // batches of gathered x values. Its kernel uses local slots: 0 = gathered x (prologue_in_type),
  // 1 = its output (in_type), k >= 2 = copies of plan slot prologue_scalars[k - 2]. On dense
  // graphs the step makes the prologue's values once per node instead, into prologue_values_slot.
  std::shared_ptr<Kernel> prologue;
  DType prologue_in_type = DType::kFloat64;
  std::vector<int> prologue_scalars;
  int prologue_values_slot = -1;
  // Semiring aggregation (ir::Combine; src/exec/semiring_agg.cpp): sum/mean/min/max of
  // combine(x[u], w[e]) in float64, never with a prologue (an epilogue is fine). active_slot >= 0:
  // a bool[N] source mask; only edges from active neighbours contribute, pushed from the active
  // nodes when they are few, pulled otherwise.
  AggCombine combine = AggCombine::kNone;
  int active_slot = -1;
  // Fused edge values (lower_edge_values.cpp; run by exec/edge_values.cpp): the weights of a
  // semiring aggregation are `edge_kernel`'s output, computed per batch of edges inside the pull
  // instead of as an E-length array. edge_reads[o] says how the kernel's array operand o is filled
  // per edge (its slot in the batch frame is the operand's plan slot).
  struct EdgeRead {
    enum Kind : std::uint8_t { kComputed, kSource, kTarget, kEdgeArray } kind = kComputed;
    int node_slot = -1;  // kSource / kTarget: the node array gathered at the edge's source / target
  };
  std::shared_ptr<Kernel> edge_kernel;
  std::vector<EdgeRead> edge_reads;
};

struct EdgeGatherStep {
  bool source;  // true: x[src(e)], false: x[dst(e)]
  DType type;
  int graph_slot, x_slot, out_slot;
};

struct GraphQueryStep {
  // kArrayLength reads the length of the array in `graph_slot` (a "length" op).
  enum Kind : std::uint8_t { kNumNodes, kNumEdges, kOutDegree, kInDegree, kArrayLength } kind;
  int graph_slot, out_slot;
};

// An axis reduction (IR reduce_axes; semantics in ir/axis_reduce.h): x, of axes `dims` in C
// order, reduced along the axes whose bit is set in `axes` into out (a scalar when
// `scalar_result`). Run by run_axis_reduce (exec/axis_reduce.cpp).
struct AxisReduceStep {
  enum Kind : std::uint8_t { kSum, kProd, kMean, kVar, kMin, kMax, kArgMin, kArgMax, kAny, kAll } kind = kSum;
  DType in_type = DType::kFloat64, out_type = DType::kFloat64;
  int x_slot = -1, out_slot = -1;
  bool scalar_result = false;
  bool square = false;  // sum/mean of floats: of x * x, rounded in in_type (ir::AxisReduce::square)
  std::uint8_t axes = 0;
  double ddof = 0.0;
  std::vector<LengthSource> dims;
  std::string name;  // "sum", "argmax", ... for error messages
};

// Locality relabelling of a whole graph program (src/exec/locality_steps.cpp). kLocalityIn, the
// first step, swaps the graph in `graph_slot` for its degree-ordered relabelling when the run-time
// cost model (or FUSEFLOW_LOCALITY=always) says so, keeping the caller's graph in
// `user_graph_slot`, and permutes the node arrays in `node_slots` (inputs of length N) into the
// new order; kLocalityOut, the last step, permutes the node arrays in `node_slots` (outputs of
// length N) back and restores the graph. Lowered only for programs whose every op commutes with
// a renaming of the nodes (no arange, argmin/argmax, N-d arrays; one graph).
struct LocalityStep {
  int graph_slot = -1, user_graph_slot = -1;
  std::vector<int> node_slots;
};

struct Step;

// An array op along an axis (ir FF_AXIS rows) run as a step of its own: the operand (slot
// `in_slot`, of shape `dims`) is seen as (outer, len, inner) around `axis` and the axis kernel
// (kernels/scan.h, kernels/sort.h) writes the whole result into `out_slot`. kTranspose copies the
// operand with its axes permuted (result axis k = operand axis perm[k]). See src/exec/lower_axis.cpp.
struct AxisStep {
  enum Op : std::uint8_t {
    kCumSum, kCumProd, kCumMax, kCumMin, kSort, kArgSort, kTranspose, kTake,
    // the array statistics (src/exec/axis_stats_step.cpp)
    kAxisLen, kDiff, kTopK, kTopKIndices, kMedian, kQuantile, kBinCount, kHistogram, kHistogramEdges, kHistogramBins
  } op = kCumSum;
  DType in_type = DType::kFloat64, out_type = DType::kFloat64;
  int in_slot = -1, out_slot = -1;
  int axis = 0;
  std::vector<LengthSource> dims;  // the operand's axes
  std::vector<int> perm;           // kTranspose
  // kTake: the indices (an int32/int64 array or scalar) and their element count; a scalar result
  // (1-D x, scalar index) goes to the scalar slot out_slot.
  int idx_slot = -1;
  DType idx_type = DType::kInt64;
  bool idx_scalar = false, out_scalar = false;
  LengthSource idx_length;
  // The array statistics: operands after the first (count, q, weights, range bounds, edges) with
  // their dtypes and element counts (scalars: kOne), and attrs.value.i (keepdims / float32 bins).
  std::vector<int> extra_slots;
  std::vector<DType> extra_types;
  std::vector<LengthSource> extra_lengths;
  std::vector<char> extra_is_array;
  bool flag = false;
  bool all_axes = false;  // median/quantile of every axis (NumPy's axis=None): one line of all elements
  // kTopK / kTopKIndices lowered with their adjacent partner (same x, k, axis): the partner's
  // result slot (indices for kTopK, values for kTopKIndices), written by the same kernel call.
  int out2_slot = -1;
};

// Shape ops run as a step of their own (src/exec/view_steps.cpp, lowered in lower_view.cpp).
// kDim writes the length of axis `axis` of the array in in_slots[0] (shape in_dims[0]) into the
// scalar slot out_slot. kSlice copies `count` elements of that axis from index `begin` in steps of
// `step` (scalar slots count_slot, begin_slot, step_slot) with the other axes whole. kReshape
// checks that the int scalars in shape_slots multiply to the operand's element count (a negative
// one is the unknown axis the tracer could not infer) and copies the elements. kConcatenate and
// kStack write the arrays in in_slots one after another along `axis` (stack: a new axis).
struct ViewStep {
  enum Op : std::uint8_t { kDim, kSlice, kReshape, kConcatenate, kStack } op = kDim;
  DType type = DType::kFloat64;  // the element type of operands and result
  int out_slot = -1;
  int axis = 0;
  std::vector<int> in_slots;
  std::vector<std::vector<LengthSource>> in_dims;  // per operand: its axes
  int count_slot = -1, begin_slot = -1, step_slot = -1;  // kSlice
  std::vector<int> shape_slots;                          // kReshape
};

// A loop region. Carries live in `carry_slots` during the body; after each iteration the
// values in `yield_slots` become the carries (buffers swap, never copy).
struct LoopStep {
  enum Kind : std::uint8_t { kCount, kWhile } kind = kCount;
  int count_slot = -1;                 // kCount: scalar int slot
  std::vector<int> init_slots, carry_slots, yield_slots, result_slots;
  std::vector<int> cond_arg_slots;     // kWhile: the cond region's own arguments (= carries)
  std::vector<Step> cond;              // kWhile: evaluated on the carries before each iteration
  int cond_slot = -1;                  // kWhile: scalar bool result of `cond`
  std::vector<char> yield_is_local;    // per carry: the yield is defined inside the body
  // Per carry: the init's value is read by nothing after the loop, so the carry takes its buffer
  // (moved, not shared) and the first swap can reuse it instead of allocating.
  std::vector<char> init_moves;
  std::vector<Step> body;
  // A frontier loop (src/exec/lower_frontier.cpp): a while loop whose body is one semiring
  // neighbor_agg with active = carry `frontier_mask`, whose cond is any(that mask), and whose
  // epilogue provably leaves every carry unchanged (and the mask false) at a node no active edge
  // reaches. Then an iteration whose frontier has few edges runs sparsely
  // (src/exec/frontier_loop.cpp): push from the frontier's nodes, the epilogue on the nodes they
  // reach, results scattered into the carries -- work in the frontier's edges, not in N.
  // frontier_outputs[i]: the epilogue operand yielding carry i, or -1 when the body passes it on.
  int frontier_mask = -1;
  std::vector<int> frontier_outputs;
  // Optional: a kernel over the nodes writing a bool guard (its one output) computed from the
  // carries alone, false where the epilogue's yields are idle whatever the aggregate; dense
  // iterations then aggregate only where it is true (frontier_loop.cpp).
  std::shared_ptr<Kernel> frontier_guard;
  // Optional: the carry d of a min-plus fixpoint, the loop of a Bellman-Ford written in the DSL:
  // the aggregation is min over in- (or out-) neighbours u of d[u] + w, its epilogue yields
  // d' = minimum(d, agg) and mask' = d' < d, and every other carry passes on unchanged. Its
  // result is then the fixed point whatever the order of relaxations, and the loop may run as one
  // delta-stepping pass when the run's weights and d allow (src/exec/min_plus_loop.cpp).
  int frontier_min_plus = -1;
};

// Consecutive row-wise steps (elementwise kernels and reductions along trailing axes of arrays
// whose first axis is the same R) run one block of rows at a time, each block through all of
// them while its values are in cache (src/exec/row_blocks.cpp, grouped in lower_row_blocks.cpp):
// a row softmax or layer-norm then reads its input once and writes its output once instead of
// passing full-size temporaries between steps. Every step computes each row from that row
// alone, so the results are the same bits as running the steps one after another.
struct RowBlockStep {
  std::vector<Step> body;
  LengthSource rows;                 // R: axis 0 of the input in `rows_slot`
  int rows_slot = -1;
  std::vector<int> sliced;           // slots the body reads whose first axis is R: seen per block
  std::vector<int> escaping;         // slots the body writes that are read after it (or outputs)
  std::vector<LengthSource> escaping_lengths;  // their full element counts
  std::vector<DType> escaping_types;
};

struct Step {
  enum Kind : std::uint8_t { kKernel, kNeighborAgg, kEdgeGather, kGraphQuery, kLoop, kAxis, kAxisReduce, kLocalityIn, kLocalityOut, kView, kRowBlocks } kind;
  std::shared_ptr<Kernel> kernel;
  NeighborAggStep agg{};
  EdgeGatherStep gather{};
  GraphQueryStep query{};
  std::shared_ptr<LoopStep> loop;
  std::shared_ptr<AxisStep> axis;  // kAxis
  std::shared_ptr<AxisReduceStep> axis_reduce;
  LocalityStep locality;
  std::shared_ptr<ViewStep> view;  // kView
  std::shared_ptr<RowBlockStep> rows;  // kRowBlocks
  int profile_id = 0;  // index into a run's profile table
  std::string label;
};

enum class SlotKind : std::uint8_t { kArray, kScalar, kGraph };

struct SlotInfo {
  SlotKind kind = SlotKind::kScalar;
  DType type = DType::kFloat64;
  std::string name;  // IR value name, for messages
};

// A constant scalar known when the plan is built.
struct ConstantInit {
  int slot;
  DType type;
  double f64;
  std::int64_t i64;
};

// Run-time check that an array input has the length its IR symbol promises.
struct InputLengthCheck {
  int input_index;
  LengthSource expected;
  int axis = -1;  // -1: the element count (1-D inputs); else the axis of an N-d input
};

// The run-time value of a length (throws for a negative full/arange count).
struct Value;
std::int64_t evaluate_length(const LengthSource& s, const std::vector<Value>& slots);

struct Plan {
  std::vector<SlotInfo> slots;
  std::vector<int> input_slots, output_slots;
  std::vector<InputLengthCheck> input_checks;
  std::vector<int> input_ranks;  // per input: its number of axes (arrays), 0 otherwise
  std::vector<ConstantInit> constants;
  // Per output: its axes when it is an N-d array (empty: a 1-D array or a scalar).
  std::vector<std::vector<LengthSource>> output_dims;
  std::vector<Step> steps;
  int num_profile_ids = 0;
  std::string describe() const;  // one line per step, for f.ir(optimized=True) and profiles
};

}  // namespace fuseflow::exec
