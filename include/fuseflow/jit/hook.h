// The executor's side of the compiled tier: at lowering, every block kernel gets a KernelTier
// (which region it is, its prejit kernel, where its operands are); per block, run_compiled() runs
// the region's compiled kernel instead of the interpreter when the current mode has one.
//
// Modes (FUSEFLOW_JIT at start-up, fuseflow.jit_cache.set_mode() later; read per kernel run, so a
// change applies to functions already compiled too):
//   "off"    every kernel runs in the block interpreter;
//   "prejit" (default) kernels whose region shape is compiled in run it, the rest interpret;
//   "native" (also "on") prejit misses are compiled by the system compiler in the background
//            (jit/native.h) and picked up by the first block of a later run once loaded.
// Every tier gives the interpreter's results bitwise (region.h), so which one runs a block, even
// within one run, never changes a result.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include "fuseflow/jit/region.h"

namespace fuseflow::exec {
struct Kernel;
struct NeighborAggStep;
struct Plan;
struct ReducePartial;
}  // namespace fuseflow::exec

namespace fuseflow::jit {

enum class Mode : std::uint8_t { kOff, kPrejit, kNative };

Mode mode();
void set_mode(Mode m);
const char* mode_name(Mode m);  // "off", "prejit", "native"
// "off" / "prejit" / "native" ("on" = "native"); nullopt for anything else.
std::optional<Mode> parse_mode(const std::string& text);

// Largest region the hook passes to a kernel (operand tables live on the stack).
inline constexpr int kMaxRegionOperands = 32;

struct KernelTier {
  std::string why_not;                  // set when the kernel is not a supported region
  std::optional<RegionBinding> binding;  // set when it is
  std::string key;                      // binding->key.str()
  RegionFn prejit = nullptr;
  // Per array slot: the prejit kernel computing that slot as a neighbour sum in its loop, or
  // nullptr (an aggregation epilogue's; jit/region.h SumGather).
  std::vector<SumGatherRegionFn> prejit_sum_gather;
  // Kernel operand index of each array slot, scalar slot (-1: a region constant, in
  // binding->constants) and output (a partial sum's: -1 - its kernel reduction index).
  std::vector<int> array_operands, scalar_operands, output_operands;
  std::vector<DType> scalar_types;      // element type the scalar operand holds
  // The row variant (run_compiled_rows): the region with its row-constant strided reads (a
  // (B, 1) operand: stride 0 along the kernel's last axis) as scalar slots, for calls over one
  // row segment. row_prejit is nullptr when the region has none or no prejit kernel has that key.
  RegionFn row_prejit = nullptr;
  std::string row_key;
  std::vector<int> row_array_operands;  // kernel operand of each array slot of the row key
  std::vector<int> row_constants;       // kernel operand of each scalar slot after scalar_operands
  std::vector<DType> row_constant_types;
  // Native tier state: 0 not asked yet, 1 compile under way, 2 loaded (native set), 3 failed.
  std::atomic<int> native_state{0};
  std::atomic<RegionFn> native{nullptr};
};

// Builds the KernelTier of a block kernel compiled from `ops` over `length` writing `yields`;
// `operand_of` maps each value the kernel reads or writes to its operand index in `kernel`.
std::shared_ptr<KernelTier> attach(const ir::Program& program, const std::vector<ir::Op>& ops,
                                   const std::vector<ir::ValueId>& yields, ir::SymbolId length,
                                   const std::unordered_map<ir::ValueId, int>& operand_of,
                                   const exec::Kernel& kernel);

// Runs block [start, start + count) with the compiled kernel the current mode allows (ptrs and
// partials: the kernel's operand pointers and this block's reduction partials, as for
// exec::run_block); false = run the interpreter.
bool run_compiled(KernelTier& tier, void* const* ptrs, std::int64_t count, std::int64_t start,
                  exec::ReducePartial* partials);

// Runs one row segment [start, start + count) (inside one run of the kernel's last axis) with the
// row variant: ptrs as for run_compiled, except that each operand in tier.row_constants points at
// its one source element for the segment (the executor's strided read leaves it in place). false
// (nothing ran) when the mode is off or there is no row variant.
// With rows > 1: `rows` such segments, row j's operand i at ptrs[i] + j * row_step[i] bytes (the
// row constants' too), in one call: the binding is made once for them all.
bool run_compiled_rows(KernelTier& tier, void* const* ptrs, std::int64_t count, std::int64_t rows = 1,
                       const std::int64_t* row_step = nullptr);

// The executor gathers a sum in its epilogue's kernel only when x is larger than this (a core's
// L2): there the kernel's four interleaved per-node chains keep more cache misses in flight than
// the pull loop (DSL PageRank per iteration: R-MAT 20 7%, 2048x2048 road grid 9% faster). On an
// L2-resident x (R-MAT 16, 512 KB) they were 8% slower: skewed degrees end the interleaved part
// early and its exits mispredict.
inline constexpr std::int64_t kSumGatherMinBytes = std::int64_t{2} << 20;

// The array slot of the step's epilogue region that reads the step's result, when the step is a
// plain float sum (unweighted, one direction, no semiring) and a prejit kernel computes that slot
// as the sum in the region's own loop; -1 otherwise (whatever the mode).
int sum_gather_array(const exec::NeighborAggStep& step);

// Runs block [start, start + count) of an aggregation epilogue with that slot's sum gathered in
// the region's loop (ptrs/partials as for run_compiled; the slot's pointer is the aggregate's
// buffer for the block, which the kernel fills). agg_array must come from sum_gather_array; the
// caller decides on the mode once per call (so a concurrent set_mode cannot leave the aggregate
// of some blocks unfilled).
void run_compiled_sum_gather(KernelTier& tier, int agg_array, const SumGather& gather, void* const* ptrs,
                             std::int64_t count, exec::ReducePartial* partials);

// Which tier runs this kernel now, and why: "interp: <why>" / "prejit:<key>" / "native:<key>".
// In native mode it queues the compile of a prejit miss (never waits for it).
std::string explain(KernelTier* tier);

struct KernelExplanation {
  std::string label;  // the kernel's plan label, e.g. "fused[mul, add]"
  std::string where;  // "kernel", "epilogue of <step>", "prologue of <step>", nested: "loop > ..."
  std::string tier;   // "interp", "prejit", "native"
  std::string detail;  // explain()'s text
};
// Every block kernel of the plan, in step order (loop bodies and aggregation epilogues included).
std::vector<KernelExplanation> explain_plan(const exec::Plan& plan);

}  // namespace fuseflow::jit
