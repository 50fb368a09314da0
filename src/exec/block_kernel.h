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

// ptrs[i] points at operand i's first element for this block.
void run_block(const Kernel& kernel, void* const* ptrs, std::int64_t count, std::int64_t start,
               ReducePartial* partials, std::uint32_t* error_flags);

// Elementwise math on floats (exp, log, ..., floor/ceil/round, abs). Uses the kernels layer.
void apply_math(kernels::UnaryOp op, const double* in, double* out, std::int64_t n);
void apply_math(kernels::UnaryOp op, const float* in, float* out, std::int64_t n);

// Name of the SIMD target run_block dispatches to on this machine (e.g. "AVX3").
const char* block_kernel_target();

}  // namespace fuseflow::exec
