// The compiled tier's view of a fused elementwise region: a structural description (RegionKey:
// ops, dtype, operand slots; constants are not part of it) built read-only from an ir::Program
// and one of its `fused` ops, and the kernels that evaluate such a region as ONE loop over SIMD
// vectors with every intermediate in registers (src/jit/region_kernel-inl.h).
//
// How the executor uses it (per fused op, at lowering time; jit/tier.h's choose_tier() does the
// first two lines and adds the native tier):
//   std::optional<RegionBinding> b = jit::describe_region(program, fused_op);
//   RegionFn fn = b ? jit::find_prejit(b->key) : nullptr;   // nullptr: run the interpreter
// and per block [start, start + count) of the region's length:
//   arrays[k]  = (const char*)buffer_of(b->arrays[k]) + start * dtype_size(b->key.dtype)
//   scalars[k] = value of b->scalars[k] (an outer scalar or length-1 array, or the region's own
//                `const`) converted to double (exact for float32/float64)
//   outputs[k] = (char*)buffer_of(fused_op.results[k]) + start * dtype_size(b->key.dtype)
//   fn(arrays.data(), scalars.data(), outputs.data(), count);
// An output buffer may be the same as an input array buffer (in-place, as memory planning
// decides): each vector is loaded before it is stored. Results are bitwise those of the block
// interpreter (exec/block_kernel.cpp) for every element, whatever the block split (0 ulp; the
// one latitude: where two NaN operands meet, which NaN's sign/payload comes out is unspecified
// in IEEE 754 and in the interpreter, whose compiler swaps commutative operands freely).
//
// Supported (anything else: describe_region returns nullopt, the caller runs the interpreter):
// one float dtype T (f64, or f32 without erf/erfc/norm_cdf) for every array value; in-region
// comparisons and bool logic (and/or/xor/not on them) as masks feeding `where`; neg abs relu
// square, add sub mul div minimum maximum, where clip, exp log log1p expm1 sqrt sin cos tanh
// sigmoid erf erfc norm_cdf floor ceil round; `const` ops and outer scalars as run-time values;
// a `cast` of an outer float scalar to T; bool arrays read as masks; sum/mean of a T array as a
// per-block partial (the output pointer of such a node is the block's ReducePartial value, written
// with the interpreter's 16-lane order). No other reductions; no integer arrays; no bool outputs.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "fuseflow/core/dtype.h"
#include "fuseflow/ir/program.h"

namespace fuseflow::jit {

// One value of a region, in evaluation order.
enum class NodeKind : std::uint8_t {
  kArray,   // element i of array slot `slot`
  kScalar,  // the run-time value of scalar slot `slot` (broadcast)
  kOp,      // `op` applied to earlier nodes a, b, c (op kSum: the block's partial sum of a)
  kBoolArray,  // element i of array slot `slot`, a bool array (one byte, 0 or 1): a mask
};

struct Node {
  NodeKind kind = NodeKind::kOp;
  ir::OpCode op = ir::OpCode::kConst;  // kOp only
  int slot = -1;                       // kArray / kScalar
  int a = -1, b = -1, c = -1;          // operand node indices (kOp)
  bool operator==(const Node&) const = default;
};

struct RegionKey {
  DType dtype = DType::kFloat64;  // element type of every array value
  std::vector<Node> nodes;
  std::vector<int> outputs;       // node index of each yielded value, in the fused op's result order
  int num_arrays = 0;
  int num_scalars = 0;
  // Canonical text, e.g. "f64|a0 a1 s0 gt(0,2) ... |out 9": what the prejit table is keyed by.
  std::string str() const;
  bool operator==(const RegionKey&) const = default;
};

struct RegionBinding {
  RegionKey key;
  std::vector<ir::ValueId> arrays;   // outer array value of each array slot
  // Scalar slot k: an outer value (scalars[k] != kNoValue: a scalar, or an array of length "1"
  // read at index 0) or a `const` op of the region (scalars[k] == kNoValue, value in constants[k]).
  std::vector<ir::ValueId> scalars;
  std::vector<double> constants;
};

// arrays/outputs: element pointers of this block; scalars: one value per scalar slot.
using RegionFn = void (*)(const void* const* arrays, const double* scalars, void* const* outputs,
                          std::int64_t count);

// A neighbour sum computed inside its epilogue's loop (the gather of a fused_agg through the
// template): element i of the call is node first + i, whose aggregate is x[indices[p]] summed in
// edge order for p in [offsets[node], offsets[node + 1]) -- the executor's pull loop, the same
// additions in the same order, so the same bits. x holds the region's dtype T.
struct SumGather {
  const std::int64_t* offsets;  // indexed by node id (CSC for in-edges, CSR for out-edges)
  const std::int32_t* indices;  // the neighbour of each edge position
  const void* x;                // one T per node
  std::int64_t first;           // node id of the call's element 0
};

// A region kernel whose array slot `agg` (fixed per kernel) is that sum: arrays[agg] points at the
// aggregate's own buffer for this block, which the kernel fills (the step's result stays written)
// before the region's ops read it from there, still in L1.
using SumGatherRegionFn = void (*)(const SumGather& gather, const void* const* arrays, const double* scalars,
                                   void* const* outputs, std::int64_t count);

// nullopt when the op is not a `fused` op the compiled tier supports (see the top of this file).
// A `fused_agg` op is described by its epilogue (the elementwise part run per chunk of nodes once
// the chunk's aggregates are computed): the epilogue's argument, the aggregate, is then one of
// `arrays` (the executor passes the aggregate buffer of the chunk), its yields the outputs.
std::optional<RegionBinding> describe_region(const ir::Program& program, const ir::Op& fused);

// The same for any list of elementwise ops over the length `length` (what the lowering compiles
// into one block kernel: a fused op's body, a fused_agg's epilogue or prologue, a lone op);
// `yields` are the values it writes. When unsupported, *why (if given) says why, e.g.
// "op sum ...", for f.explain().
std::optional<RegionBinding> describe_body(const ir::Program& program, const std::vector<ir::Op>& ops,
                                           const std::vector<ir::ValueId>& yields, ir::SymbolId length,
                                           std::string* why = nullptr);

// `key` with the array slots k where as_scalar[k] is set read as scalar slots instead (numbered
// after the key's own scalars, in slot order; the other array slots keep their order, renumbered
// from 0). Only T array slots may be flagged, never masks. The executor binds a row-constant
// strided read (a (B, 1) row statistic over a row segment) this way: one broadcast register
// instead of a block filled with copies.
RegionKey with_scalar_slots(const RegionKey& key, const std::vector<char>& as_scalar);

// The build-time instantiated kernel for `key` on this CPU's best SIMD target, or nullptr.
RegionFn find_prejit(const RegionKey& key);
// The build-time kernel for `key` with array slot `agg` computed as a SumGather, or nullptr
// (instantiated for the DSL PageRank's epilogues, prejit_shapes.h).
SumGatherRegionFn find_prejit_sum_gather(const RegionKey& key, int agg);
// Keys of every prejit kernel (str()), for reports and tests.
std::vector<std::string> prejit_keys();
// SIMD target the prejit kernels run on (e.g. "AVX3").
const char* prejit_target();

}  // namespace fuseflow::jit
