// Internal: the executor's stack-only path for small kernels (src/exec/executor_small.cpp).
#pragma once

#include <cstddef>
#include <cstdint>
#include <vector>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// Kernels of at most this many elements (16 blocks) may take the small path.
inline constexpr std::int64_t kSmallKernelElements = 16 * kBlockSize;
// ... and at most this many operands (their tables live on the stack).
inline constexpr std::size_t kSmallKernelMaxOperands = 48;

// Runs kernel k of length n serially on the calling thread with its operand table and registers
// on the stack and returns true; false (nothing done) when it does not fit (too long, strided
// reads, too many operands or registers): run_kernel's general path then runs it. Block b's
// reduction partials go to partials[b * num_reductions ...], errors to *flags.
bool run_small_kernel(const Kernel& k, std::vector<Value>& slots, std::int64_t n, ReducePartial* partials,
                      std::uint32_t* flags);
// The same with each kArray / kBroadcast operand's memory given in sources[i] (an array's first
// element, a scalar's bits; registers ignored): for callers without slots (DirectCall).
bool run_small_kernel_at(const Kernel& k, const void* const* sources, std::int64_t n, ReducePartial* partials,
                         std::uint32_t* flags);

}  // namespace fuseflow::exec
