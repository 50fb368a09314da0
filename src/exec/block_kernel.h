// Internal: evaluates one block of a fused kernel. Compiled once per SIMD target
// (block_kernel.cpp via hwy/foreach_target.h) and dispatched at run time.
#pragma once

#include <cstdint>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

enum KernelErrorFlags : std::uint32_t {
  kErrorNegativeIntPower = 1u,
};

// Whether `in` is a binary instruction (arithmetic or comparison) reading exactly one broadcast
// operand: it then reads that operand as one scalar (see broadcast_needs_block).
inline bool is_binary_op(OpCode op) {
  switch (op) {
    case OpCode::kAdd: case OpCode::kSub: case OpCode::kMul: case OpCode::kDiv: case OpCode::kFloorDiv:
    case OpCode::kMod: case OpCode::kPow: case OpCode::kMinimum: case OpCode::kMaximum: case OpCode::kBitAnd:
    case OpCode::kBitOr: case OpCode::kBitXor: case OpCode::kEq: case OpCode::kNe: case OpCode::kLt:
    case OpCode::kLe: case OpCode::kGt: case OpCode::kGe:
      return true;
    default:
      return false;
  }
}
inline int binary_form_of(const Kernel& k, const Instr& in) {
  if (!is_binary_op(in.op)) return 0;
  const bool a = k.operands[static_cast<std::size_t>(in.a)].kind == OperandKind::kBroadcast;
  const bool b = k.operands[static_cast<std::size_t>(in.b)].kind == OperandKind::kBroadcast;
  return a == b ? 0 : (a ? 1 : 2);
}

// ptrs[i] points at operand i's first element for this block. A broadcast operand's block is
// filled only if some instruction reads it as a block; binary instructions with one broadcast
// operand read only its first element.
void run_block(const Kernel& kernel, void* const* ptrs, std::int64_t count, std::int64_t start,
               ReducePartial* partials, std::uint32_t* error_flags);

// Elementwise math on floats (exp, log, ..., floor/ceil/round, abs). Uses the kernels layer.
void apply_math(kernels::UnaryOp op, const double* in, double* out, std::int64_t n);
void apply_math(kernels::UnaryOp op, const float* in, float* out, std::int64_t n);

// Name of the SIMD target run_block dispatches to on this machine (e.g. "AVX3").
const char* block_kernel_target();

}  // namespace fuseflow::exec
