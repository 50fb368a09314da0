// Lone full reductions: a kernel whose only instruction reduces one contiguous float array
// (`ff.max(x)`, `ff.sum(x)` of a C-contiguous value of any rank) skips the block interpreter.
// The interpreter's per-element NaN-propagating min/max compiles to branchy scalar code
// (~3-10 ns/element on random data); here min/max/argmin/argmax run the SIMD kernels of
// fuseflow/kernels/reduce.h on large chunks and sum runs the interpreter's own summation layout
// in SIMD registers.
//
// Results are bitwise those of the block kernel (so a fused run and an unfused one still agree):
// - min/max are exact, so any chunking gives the same value (NaN propagates like NumPy);
// - argmin/argmax take the first winner of the first winning chunk, like the block combine;
// - sum reproduces block_kernel.cpp's block_sum exactly: per 256-element block, 16 lane
//   accumulators of the input type (element i of the block feeds lane i % 16), a fixed pairwise
//   tree, then the executor's in-order combine of the block partials. Padding the last partial
//   vector with +0.0 is the same as not adding: a lane accumulator starts at +0.0 and so is never
//   -0.0, and x + (+0.0) == x bitwise for every other x.
// Chunks are fixed (independent of the thread count), so results do not depend on threads.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "exec/executor_reduce.cpp"
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4 | HWY_AVX3_DL)
#endif
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <cstdint>
#include <cstring>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::exec {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

namespace {

constexpr int kLanes = 16;  // block_kernel.cpp's lane accumulator count

template <class T>
void BlockSumsT(const T* x, std::int64_t n, ReducePartial* out) {
  const hn::CappedTag<T, kLanes> d;
  const int lanes = static_cast<int>(hn::Lanes(d));
  const int vectors = kLanes / lanes;  // lanes is a power of two <= 16
  using V = hn::Vec<decltype(d)>;
  HWY_ALIGN T part[kLanes];
  for (std::int64_t start = 0, b = 0; start < n; start += kBlockSize, ++b) {
    const std::int64_t count = n - start < kBlockSize ? n - start : kBlockSize;
    const T* p = x + start;
    V acc[kLanes];
    for (int v = 0; v < vectors; ++v) acc[v] = hn::Zero(d);
    std::int64_t i = 0;
    for (; i + kLanes <= count; i += kLanes) {
      for (int v = 0; v < vectors; ++v) acc[v] = hn::Add(acc[v], hn::LoadU(d, p + i + v * lanes));
    }
    for (int v = 0; v < vectors; ++v) hn::Store(acc[v], d, part + v * lanes);
    for (int j = 0; i < count; ++i, ++j) part[j] = part[j] + p[i];
    for (int w = kLanes / 2; w > 0; w /= 2) {
      for (int j = 0; j < w; ++j) part[j] = part[j] + part[j + w];
    }
    std::memcpy(out[b].value.raw, &part[0], sizeof(T));
  }
}

}  // namespace

void BlockSumsF32(const float* x, std::int64_t n, ReducePartial* out) { BlockSumsT(x, n, out); }
void BlockSumsF64(const double* x, std::int64_t n, ReducePartial* out) { BlockSumsT(x, n, out); }

}  // namespace HWY_NAMESPACE
}  // namespace fuseflow::exec
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
#include <omp.h>

#include <algorithm>
#include <atomic>
#include <exception>

#include "exec/executor_reduce.h"
#include "exec/graph_steps.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/kernels/reduce.h"

namespace fuseflow::exec {

HWY_EXPORT(BlockSumsF32);
HWY_EXPORT(BlockSumsF64);

namespace {

// Elements per chunk: a multiple of kBlockSize (sum partials stay per block) large enough that
// the SIMD kernels' dispatch and the chunk bookkeeping vanish (~0.1% of a chunk's time).
constexpr std::int64_t kChunk = 64 * kBlockSize * 4;  // 64K elements

// The reduced array when k is a lone reduction of one contiguous float array, else nullptr.
const Value* lone_source(const Kernel& k, const std::vector<Value>& slots, std::int64_t n) {
  if (k.code.size() != 1 || k.reductions.size() != 1 || !k.strided_reads.empty() || !k.outputs.empty()) return nullptr;
  const Instr& in = k.code[0];
  if (in.op != OpCode::kReduce || in.a < 0) return nullptr;
  if (in.type != DType::kFloat32 && in.type != DType::kFloat64) return nullptr;
  const Operand& o = k.operands[static_cast<std::size_t>(in.a)];
  if (o.kind != OperandKind::kArray || o.type != in.type) return nullptr;
  const Value& v = slots[static_cast<std::size_t>(o.slot)];
  if (!v.is_array() || v.type != in.type || v.length != n) return nullptr;
  return &v;
}

// Reduces chunk c of x into out (sum: one partial per block of the chunk; the others: one
// partial for the chunk, its index global).
template <class T>
void reduce_chunk(ReduceOp op, const T* x, std::int64_t n, std::int64_t c, ReducePartial* partials) {
  const std::int64_t begin = c * kChunk;
  const std::int64_t count = std::min(kChunk, n - begin);
  const T* p = x + begin;
  const auto size = static_cast<std::size_t>(count);
  ReducePartial& out = partials[c];
  T value{};
  switch (op) {
    case ReduceOp::kSum:
      if constexpr (sizeof(T) == 4) {
        HWY_DYNAMIC_DISPATCH(BlockSumsF32)(p, count, partials + begin / kBlockSize);
      } else {
        HWY_DYNAMIC_DISPATCH(BlockSumsF64)(p, count, partials + begin / kBlockSize);
      }
      return;
    case ReduceOp::kMin: value = kernels::min(p, size); break;
    case ReduceOp::kMax: value = kernels::max(p, size); break;
    case ReduceOp::kArgMin:
    case ReduceOp::kArgMax: {
      const std::int64_t i = op == ReduceOp::kArgMin ? kernels::argmin(p, size) : kernels::argmax(p, size);
      value = p[i];
      out.index = begin + i;
      break;
    }
  }
  std::memcpy(out.value.raw, &value, sizeof(T));
}

}  // namespace

bool run_lone_reduction(const Kernel& k, std::vector<Value>& slots, std::int64_t n,
                        std::vector<ReducePartial>& partials) {
  const Value* source = lone_source(k, slots, n);
  if (source == nullptr) return false;
  const Instr& in = k.code[0];
  const std::int64_t nchunks = (n + kChunk - 1) / kChunk;
  const std::int64_t nblocks = (n + kBlockSize - 1) / kBlockSize;
  const std::int64_t npartials = in.reduce == ReduceOp::kSum ? nblocks : nchunks;
  if (static_cast<std::int64_t>(partials.size()) < npartials) partials.resize(static_cast<std::size_t>(npartials));
  ReducePartial* out = partials.data();
  const void* data = source->raw_data();
  auto chunk = [&](std::int64_t c) {
    if (in.type == DType::kFloat32) reduce_chunk(in.reduce, static_cast<const float*>(data), n, c, out);
    else reduce_chunk(in.reduce, static_cast<const double*>(data), n, c, out);
  };
  // Memory-bound: a second thread pays off only well above its wake-up cost (executor.cpp's
  // threshold, measured for kernels of the same kind).
  const int threads = n >= parallel_min_elements() ? threads_for(nchunks, 2) : 1;
  if (threads <= 1) {
    for (std::int64_t c = 0; c < nchunks; ++c) {
      check_interrupt();
      chunk(c);
    }
  } else {
    // As in run_kernel: only the calling thread polls for Ctrl-C and stops the others through
    // `stop` (exceptions cannot leave a parallel region).
    std::atomic<bool> stop{false};
    std::exception_ptr error;
#pragma omp parallel for schedule(dynamic, 1) num_threads(threads)
    for (std::int64_t c = 0; c < nchunks; ++c) {
      if (stop.load(std::memory_order_relaxed)) continue;
      if (omp_get_thread_num() == 0) {
        try {
          check_interrupt();
        } catch (...) {
#pragma omp critical(fuseflow_lone_reduction_error)
          if (!error) error = std::current_exception();
          stop.store(true);
          continue;
        }
      }
      chunk(c);
    }
    if (error) std::rethrow_exception(error);
  }
  finish_kernel_reductions(k, out, npartials, n, slots);
  return true;
}

}  // namespace fuseflow::exec
#endif  // HWY_ONCE
