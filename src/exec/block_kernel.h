// Internal: evaluates one block of a fused kernel. Compiled once per SIMD target
// (block_kernel.cpp via hwy/foreach_target.h) and dispatched at run time.
#pragma once

#include <cstdint>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"
#include "fuseflow/ir/scalar_semantics.h"

namespace fuseflow::exec {

// Error bits a kernel run can set: the op semantics' (ir/scalar_semantics.h).
using ir::semantics::kErrorNegativeIntPower;
using ir::semantics::kErrorPythonIntOutOfBounds;

// Operand forms of a binary instruction (arithmetic or comparison): both operands blocks, or
// exactly one of them a broadcast operand, which it then reads as one scalar (no block-sized copy
// to fill or to load from; the executor fills a broadcast's block only for other readers).
enum BinaryForm : int { kBothBlocks = 0, kScalarA = 1, kScalarB = 2 };

inline BinaryForm binary_form_of(const Kernel& k, const Instr& in) {
  if (!is_binary_op(in.op)) return kBothBlocks;
  const bool a = k.operands[static_cast<std::size_t>(in.a)].kind == OperandKind::kBroadcast;
  const bool b = k.operands[static_cast<std::size_t>(in.b)].kind == OperandKind::kBroadcast;
  return a == b ? kBothBlocks : (a ? kScalarA : kScalarB);
}

// Whether a run of kernel k can set an error flag above: a binary op whose op-table raise rule is
// kIntNegativeExponent (pow) on integers, or a checked narrowing cast. A kernel without either
// cannot fail halfway, so its output may go straight into a caller's array.
bool may_set_error_flags(const Kernel& k);

// ptrs[i] points at operand i's first element for this block (a scalar-form broadcast operand:
// at its one value).
void run_block(const Kernel& kernel, void* const* ptrs, std::int64_t count, std::int64_t start,
               ReducePartial* partials, std::uint32_t* error_flags);

// Elementwise math on floats (exp, log, ..., floor/ceil/round, abs). Uses the kernels layer.
void apply_math(kernels::UnaryOp op, const double* in, double* out, std::int64_t n);
void apply_math(kernels::UnaryOp op, const float* in, float* out, std::int64_t n);

// Name of the SIMD target run_block dispatches to on this machine (e.g. "AVX3").
const char* block_kernel_target();

}  // namespace fuseflow::exec
