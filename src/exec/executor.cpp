#include "fuseflow/exec/executor.h"

#include <omp.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstring>
#include <exception>
#include <limits>
#include <new>
#include <string>

#include "exec/axis_reduce.h"
#include "exec/block_kernel.h"
#include "exec/axis_step.h"
#include "exec/executor_reduce.h"
#include "exec/executor_small.h"
#include "exec/reduction_combine.h"
#include "exec/frontier_loop.h"
#include "exec/row_blocks.h"
#include "exec/view_steps.h"
#include "exec/graph_steps.h"
#include "fuseflow/jit/hook.h"
#include "fuseflow/kernels/fill.h"
#include "fuseflow/core/buffer.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::exec {

void apply_math(kernels::UnaryOp op, const double* in, double* out, std::int64_t n) {
  kernels::unary(op, in, out, static_cast<std::size_t>(n));
}
void apply_math(kernels::UnaryOp op, const float* in, float* out, std::int64_t n) {
  kernels::unary(op, in, out, static_cast<std::size_t>(n));
}

// From the arrays suite's "threshold" case (python -m fuseflow.bench) (where-expression, 1 vs 2 threads) on this 2-core
// VM, shared with other jobs (load average 7-10): up to 131K elements 2 threads never won (131K:
// 0.42 ms serial vs 1.6 ms), because the fork/join waits for a worker the OS has not scheduled yet;
// from ~256K up they won in quiet moments (1M: 5.4 ms serial vs 1.7 ms) but lost under the heaviest
// load (1M: 3.2 ms vs 12.8 ms). Serial below 256K; an idle machine would justify a lower value.
std::int64_t parallel_min_elements() { return 256 * 1024; }

namespace {

// Block-sized registers plus broadcast buffers of the calling thread; grown on demand and kept
// for the thread's lifetime, so steady-state runs allocate nothing here.
// A kStrided operand prepared for one kernel run: the source and its element strides along the
// kernel's axes (0 on broadcast axes).
struct StridedState {
  int operand = -1;
  const char* src = nullptr;
  DType type = DType::kFloat64;
  int esize = 8;
  int rank = 1;
  std::int64_t dims[4] = {1, 1, 1, 1};
  std::int64_t strides[4] = {0, 0, 0, 0};
  // Where the previous block ended: a thread walks its blocks in order, so the next block's
  // multi-index is carried forward instead of recomputed (four 64-bit divisions per operand per
  // block were a third of a broadcast affine's time).
  std::int64_t next = -1;
  std::int64_t idx[4] = {0, 0, 0, 0};
  // The block buffer holds `filled_count` copies of source element `filled_off` (a stride-0 run):
  // a (B, 1) operand is filled once per row, not once per block.
  std::int64_t filled_off = -1;
  std::int64_t filled_count = 0;
  // Set by run_strided_segments for a row-constant operand of the compiled row variant: a
  // segment inside one run of a stride-0 axis points at its one source element, unfilled.
  bool in_place_scalar = false;
};

// The most elements one call reads of a strided operand (see run_strided_segments): a (B, 1)
// operand's value repeated this often is filled once per row and read by every segment of it.
constexpr std::int64_t kStridedSegment = 2048;
// The shortest rows the compiled row variant runs row by row (run_blocks).
constexpr std::int64_t kShortRow = 16;

struct ThreadScratch {
  std::vector<StridedState> strided;
  void* data = nullptr;
  std::size_t bytes = 0;
  std::vector<char*> base;
  std::vector<std::int64_t> stride;
  std::vector<void*> ptrs;
  std::vector<char> needs_block;
  std::vector<std::int64_t> row_step;  // bytes each operand moves per row (run_strided_segments)
  ~ThreadScratch() { std::free(data); }
  char* reserve(std::size_t want) {
    if (want > bytes) {
      std::free(data);
      data = nullptr;
      bytes = 0;
      const std::size_t grown = (std::max(want, bytes * 2) + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
      data = std::aligned_alloc(kBufferAlignment, grown);
      if (data == nullptr) throw Error(ErrorCode::kOutOfMemory, "could not allocate kernel registers");
      bytes = grown;
    }
    return static_cast<char*>(data);
  }
};

thread_local ThreadScratch tls_scratch;

}  // namespace

std::int64_t evaluate_length(const LengthSource& s, const std::vector<Value>& slots) {
  switch (s.kind) {
    case LengthSource::kArrayLength: return slots[static_cast<std::size_t>(s.slot)].length;
    case LengthSource::kScalarValue: {
      const std::int64_t count = slots[static_cast<std::size_t>(s.slot)].as_i64();
      if (count < 0) throw_value_error("full/arange", "the count must be >= 0, got " + std::to_string(count));
      return count;
    }
    case LengthSource::kGraphNodes: return slots[static_cast<std::size_t>(s.slot)].graph->num_nodes();
    case LengthSource::kGraphEdges: return slots[static_cast<std::size_t>(s.slot)].graph->num_edges();
    case LengthSource::kOne: return 1;
    case LengthSource::kArrayDim: {
      const Value& v = slots[static_cast<std::size_t>(s.slot)];
      return v.rank > 1 ? v.dims[s.axis] : v.length;
    }
    case LengthSource::kProduct: {
      std::int64_t n = 1;
      for (const LengthSource& f : s.factors) {
        const std::int64_t d = evaluate_length(f, slots);
        if (d != 0 && n > std::numeric_limits<std::int64_t>::max() / d) {
          throw Error(ErrorCode::kOutOfMemory, "array: the shape's element count does not fit in int64");
        }
        n *= d;
      }
      return n;
    }
  }
  return 0;
}

void raise_kernel_errors(std::uint32_t flags) {
  if (flags & kErrorNegativeIntPower) {
    throw_value_error("pow", "integers to negative integer powers are not allowed (as in NumPy); use a float base");
  }
  if (flags & kErrorPythonIntOutOfBounds) {
    throw Error(ErrorCode::kOverflow,
                "Python integer out of bounds for int32: a Python int takes the dtype of the int32 array it "
                "meets (NumPy 2 rule); cast the array to int64 first");
  }
}

namespace {

std::int64_t kernel_length(const Kernel& k, const std::vector<Value>& slots) { return evaluate_length(k.length, slots); }

void fill(DType t, void* dst, const void* value, std::int64_t n);

void advance_index(StridedState& s, std::int64_t run) {
  const int r = s.rank;
  s.idx[r - 1] += run;
  for (int a = r - 1; a > 0 && s.idx[a] >= s.dims[a]; --a) {
    s.idx[a] = 0;
    ++s.idx[a - 1];
  }
}

// Elements [start, start + count) of an N-d broadcast read (see OperandKind::kStrided). A block
// inside one run of the last axis is read in place (stride 1) or is one value repeated (stride 0,
// filled once per run); other blocks are gathered into `dst` run by run. Returns where the
// kernel reads the block.
const char* read_strided(StridedState& s, std::int64_t start, std::int64_t count, char* dst) {
  const int r = s.rank;
  if (start != s.next) {
    std::int64_t rest = start;
    for (int a = r - 1; a >= 0; --a) {
      s.idx[a] = s.dims[a] > 0 ? rest % s.dims[a] : 0;
      rest = s.dims[a] > 0 ? rest / s.dims[a] : 0;
    }
  }
  s.next = start + count;
  const std::int64_t es = s.esize;
  auto offset = [&s, r] {
    std::int64_t off = 0;
    for (int a = 0; a < r; ++a) off += s.idx[a] * s.strides[a];
    return off;
  };
  if (s.dims[r - 1] - s.idx[r - 1] >= count) {
    const std::int64_t off = offset();
    advance_index(s, count);
    if (s.strides[r - 1] == 1 || s.in_place_scalar) return s.src + off * es;
    if (off != s.filled_off || count > s.filled_count) {
      fill(s.type, dst, s.src + off * es, count);
      s.filled_off = off;
      s.filled_count = count;
    }
    return dst;
  }
  s.filled_off = -1;
  std::int64_t j = 0;
  while (j < count) {
    const std::int64_t run = std::min(s.dims[r - 1] - s.idx[r - 1], count - j);
    const char* src = s.src + offset() * es;
    if (s.strides[r - 1] == 1) {
      std::memcpy(dst + j * es, src, static_cast<std::size_t>(run * es));
    } else {
      fill(s.type, dst + j * es, src, run);
    }
    j += run;
    advance_index(s, run);
  }
  return dst;
}

// Through the kernels layer's dispatched fill: this file is built for the baseline ISA, whose
// 16-byte stores made a row softmax's row broadcast a tenth of its time.
template <class T>
void fill_typed(void* dst, const void* value, std::int64_t n) {
  T v;
  std::memcpy(&v, value, sizeof(T));
  kernels::fill(static_cast<T*>(dst), v, static_cast<std::size_t>(n));
}

void fill(DType t, void* dst, const void* value, std::int64_t n) {
  switch (elem_size(t)) {
    case 1: std::memset(dst, *static_cast<const unsigned char*>(value), static_cast<std::size_t>(n)); break;
    case 4: fill_typed<std::uint32_t>(dst, value, n); break;
    default: fill_typed<std::uint64_t>(dst, value, n); break;
  }
}

const void* broadcast_source(const Value& v) {
  if (v.is_array()) return v.raw_data();
  return v.scalar.raw;
}

// Marks the broadcast operands some instruction reads as a whole block (everything but the
// scalar operand of a binary instruction): only those are copied into a block-sized buffer.
void mark_block_broadcasts(const Kernel& k, std::vector<char>& needs_block) {
  needs_block.assign(k.operands.size(), 0);
  for (const Instr& in : k.code) {
    const BinaryForm form = binary_form_of(k, in);
    const int scalar_operand = form == kScalarA ? in.a : form == kScalarB ? in.b : -1;
    for (int operand : {in.a, in.b, in.c}) {
      if (operand < 0 || operand == scalar_operand) continue;
      if (k.operands[static_cast<std::size_t>(operand)].kind == OperandKind::kBroadcast) {
        needs_block[static_cast<std::size_t>(operand)] = 1;
      }
    }
  }
}

// Prepares the calling thread's operand table for a kernel: register/broadcast bases in scratch,
// array bases in the slots. ptr(block) = base + start * stride.
void prepare_operands(const Kernel& k, std::vector<Value>& slots, std::int64_t fill_count, ThreadScratch& ts) {
  const std::size_t nops = k.operands.size();
  mark_block_broadcasts(k, ts.needs_block);
  std::size_t block_broadcasts = 0;
  for (char b : ts.needs_block) block_broadcasts += static_cast<std::size_t>(b);
  ts.strided.clear();
  // Registers are a block apart plus a 320-byte skew: multiples of 4 KB would make loads and
  // stores of different registers alias in the store buffer (4K aliasing).
  const std::size_t reg_bytes = static_cast<std::size_t>(kBlockSize) * 8 + 320;
  // Strided operands' buffers hold a whole segment (run_strided_segments), not just a block.
  const std::size_t strided_bytes = static_cast<std::size_t>(kStridedSegment) * 8 + 320;
  char* scratch = ts.reserve(reg_bytes * (static_cast<std::size_t>(k.num_registers) + block_broadcasts) +
                             strided_bytes * k.strided_reads.size());
  char* next_strided = scratch + reg_bytes * (static_cast<std::size_t>(k.num_registers) + block_broadcasts);
  ts.base.resize(nops);
  ts.stride.resize(nops);
  ts.ptrs.resize(nops);
  std::size_t next_broadcast = static_cast<std::size_t>(k.num_registers);
  for (std::size_t i = 0; i < nops; ++i) {
    const Operand& o = k.operands[i];
    switch (o.kind) {
      case OperandKind::kRegister:
        ts.base[i] = scratch + reg_bytes * static_cast<std::size_t>(o.register_index);
        ts.stride[i] = 0;
        break;
      case OperandKind::kBroadcast: {
        const void* source = broadcast_source(slots[o.slot]);
        if (ts.needs_block[i]) {
          char* buf = scratch + reg_bytes * next_broadcast++;
          fill(o.type, buf, source, fill_count);
          ts.base[i] = buf;
        } else {
          ts.base[i] = static_cast<char*>(const_cast<void*>(source));  // read-only: one scalar
        }
        ts.stride[i] = 0;
        break;
      }
      case OperandKind::kArray: {
        Value& v = slots[o.slot];
        ts.base[i] = v.is_array() ? static_cast<char*>(v.storage->data()) : reinterpret_cast<char*>(v.scalar.raw);
        ts.stride[i] = elem_size(o.type);
        break;
      }
      case OperandKind::kStrided: {
        const StridedRead& read = k.strided_reads[static_cast<std::size_t>(o.strided)];
        StridedState st;
        st.operand = static_cast<int>(i);
        const Value& v = slots[o.slot];
        st.src = static_cast<const char*>(v.raw_data());
        st.type = o.type;
        st.esize = elem_size(o.type);
        st.rank = static_cast<int>(read.out_dims.size());
        std::int64_t step = 1;
        for (int a = st.rank - 1; a >= 0; --a) {
          st.dims[a] = evaluate_length(read.out_dims[static_cast<std::size_t>(a)], slots);
          const std::int64_t src_dim = evaluate_length(read.src_dims[static_cast<std::size_t>(a)], slots);
          st.strides[a] = src_dim == 1 ? 0 : step;
          step *= src_dim;
        }
        ts.strided.push_back(st);
        ts.base[i] = next_strided;
        next_strided += strided_bytes;
        ts.stride[i] = 0;
        break;
      }
    }
  }
}

// Points every operand at block [start, start + count); gathers the strided operands' blocks.
// noclone: a clone specialised on ts = &tls_scratch looked the thread-local up (__tls_get_addr,
// the extension is PIC) on every block; the callers look it up once per range.
[[gnu::noinline, gnu::noclone]] void set_block(const Kernel& k, ThreadScratch& ts, std::int64_t start,
                                               std::int64_t count) {
  const std::size_t nops = k.operands.size();
  for (std::size_t i = 0; i < nops; ++i) ts.ptrs[i] = ts.base[i] + start * ts.stride[i];
  for (StridedState& s : ts.strided) {
    const auto i = static_cast<std::size_t>(s.operand);
    ts.ptrs[i] = const_cast<char*>(read_strided(s, start, count, ts.base[i]));  // kernels only read it
  }
}

}  // namespace

namespace {

// What a kernel allocates, for MemoryError messages: a count-sized kernel is a full/arange.
const char* allocation_name(const Kernel& k) {
  if (k.length.kind != LengthSource::kScalarValue) return "array";
  return k.label.find("arange") != std::string::npos ? "arange" : "full";
}

}  // namespace

void prepare_kernel_outputs(const Kernel& k, std::vector<Value>& slots, std::int64_t n) {
  for (int out : k.outputs) {
    const Operand& o = k.operands[static_cast<std::size_t>(out)];
    Value& v = slots[static_cast<std::size_t>(o.slot)];
    if (k.length.kind == LengthSource::kOne && v.kind == SlotKind::kScalar) {
      v.type = o.type;  // scalar result written in place
    } else {
      ensure_writable_array(v, o.type, n, allocation_name(k));
    }
  }
}

namespace {

// The blocks covering [begin, end) of kernel k on the calling thread; instead(start, count, ptrs,
// partials) may run a block itself (true) before the interpreter would.
template <class Instead>
void run_range_blocks(const Kernel& k, std::vector<Value>& slots, std::int64_t begin, std::int64_t end, std::int64_t n,
                      ReducePartial* partials, std::uint32_t* flags, Instead&& instead) {
  ThreadScratch& ts = tls_scratch;
  prepare_operands(k, slots, std::min(n, kBlockSize), ts);
  const std::int64_t nred = static_cast<std::int64_t>(k.reductions.size());
  for (std::int64_t start = begin, j = 0; start < end; start += kBlockSize, ++j) {
    const std::int64_t count = std::min(kBlockSize, end - start);
    set_block(k, ts, start, count);
    if (instead(start, count, ts.ptrs.data(), partials + j * nred)) continue;
    run_block(k, ts.ptrs.data(), count, start, partials + j * nred, flags);
  }
}

}  // namespace

void run_kernel_range(const Kernel& k, std::vector<Value>& slots, std::int64_t begin, std::int64_t end,
                      std::int64_t n, ReducePartial* partials, std::uint32_t* flags) {
  run_range_blocks(k, slots, begin, end, n, partials, flags,
                   [](std::int64_t, std::int64_t, void* const*, ReducePartial*) { return false; });
}

void run_kernel_range_sum_gather(const Kernel& k, std::vector<Value>& slots, std::int64_t begin, std::int64_t end,
                                 std::int64_t n, ReducePartial* partials, std::uint32_t* flags, int agg_array,
                                 jit::SumGather gather) {
  run_range_blocks(k, slots, begin, end, n, partials, flags,
                   [&](std::int64_t start, std::int64_t count, void* const* ptrs, ReducePartial* block_partials) {
                     gather.first = start;
                     jit::run_compiled_sum_gather(*k.tier, agg_array, gather, ptrs, count, block_partials);
                     return true;
                   });
}

void finish_kernel_reductions(const Kernel& k, const ReducePartial* partials, std::int64_t nblocks, std::int64_t n,
                              std::vector<Value>& slots) {
  const std::int64_t nred = static_cast<std::int64_t>(k.reductions.size());
  for (std::int64_t r = 0; r < nred; ++r) {
    const KernelReduction& red = k.reductions[static_cast<std::size_t>(r)];
    combine_reduction(red, partials + r, nblocks, nred, n, slots[static_cast<std::size_t>(red.result_slot)]);
  }
}

namespace {

// Blocks per chunk: what a thread takes at a time, and what one compiled-tier call covers.
constexpr std::int64_t kChunkBlocks = 32;

// Whether every strided read of k moves by a fixed step from row to row under the row variant:
// 2-D, and a row constant (read in place) or a row read in place (stride 1 along the row).
bool rows_step_evenly(const Kernel& k, const ThreadScratch& ts) {
  const std::vector<int>& constants = k.tier->row_constants;
  return std::all_of(ts.strided.begin(), ts.strided.end(), [&](const StridedState& s) {
    return s.rank == 2 &&
           (s.strides[1] == 1 || std::find(constants.begin(), constants.end(), s.operand) != constants.end());
  });
}

// Elements [start, end) of a kernel with strided reads whose last axis (of length `row`) holds at
// least a block (kShortRow elements with a row variant whose reads step evenly), through the
// compiled tier: whole rows in one call where the reads step evenly, else one call per segment
// that stays inside one run of the last axis (at most kStridedSegment elements), each strided
// operand read in place (a (D,)
// operand) or filled once per run (a (B, 1) one). Per 256-element block, the gathering, binding
// and call cost a quarter of a (4096, 1024) layer-norm. Returns where it stopped: `end`, or less
// when the tier declined (mode off, no kernel), which it does at the first segment.
std::int64_t run_strided_segments(const Kernel& k, ThreadScratch& ts, std::int64_t start, std::int64_t end,
                                  std::int64_t row) {
  // With a row variant (jit/hook.h run_compiled_rows), the (B, 1) operands are bound as scalars
  // read in place: no block filled with copies of the row's value. (64, 256) float32 row softmax,
  // one thread: the fills were 5% of the time.
  const bool rows = k.tier->row_prejit != nullptr && jit::mode() != jit::Mode::kOff;
  if (rows) {
    for (StridedState& s : ts.strided) {
      for (int c : k.tier->row_constants) s.in_place_scalar |= s.operand == c;
    }
  }
  std::int64_t pos = start;
  // Whole rows in one call when every operand moves by a fixed step from row to row (2-D strided
  // reads that are a row constant or a (D,) row read in place): the per-row set_block, binding
  // and call were a sixth of a (64, 256) float32 row softmax on one thread.
  const bool by_rows = rows && row <= kStridedSegment && rows_step_evenly(k, ts);
  if (by_rows) {
    ts.row_step.resize(k.operands.size());
    for (std::size_t i = 0; i < k.operands.size(); ++i) ts.row_step[i] = row * ts.stride[i];
    for (const StridedState& s : ts.strided) ts.row_step[static_cast<std::size_t>(s.operand)] = s.strides[0] * s.esize;
  }
  while (pos < end) {
    if (by_rows && pos % row == 0 && end - pos >= 2 * row) {
      const std::int64_t whole = (end - pos) / row;
      set_block(k, ts, pos, row);
      if (!jit::run_compiled_rows(*k.tier, ts.ptrs.data(), row, whole, ts.row_step.data())) break;
      pos += whole * row;
      continue;
    }
    const std::int64_t count = std::min({end - pos, row - pos % row, kStridedSegment});
    set_block(k, ts, pos, count);
    // The next segment's output lines are requested for writing before this one runs. A store
    // that misses waits in the store buffer, and a load 4 KiB past it (the next row of a
    // 1024-float32 input whose output window has the input's page offset, as two page-aligned
    // arrays do) stalls behind it: one thread, (4096, 1024) float32 layer-norm into a caller's
    // page-aligned out=, 12.3 ms without this, 8.4 ms with it (8.2 ms block by block before).
    for (int out : k.outputs) {
      const auto o = static_cast<std::size_t>(out);
      if (ts.stride[o] == 0) continue;
      const char* p = static_cast<const char*>(ts.ptrs[o]) + count * ts.stride[o];
      const std::int64_t bytes = std::min(end - pos - count, count) * ts.stride[o];
      for (std::int64_t b = 0; b < bytes; b += 64) __builtin_prefetch(p + b, 1, 3);
    }
    if (!(rows ? jit::run_compiled_rows(*k.tier, ts.ptrs.data(), count)
               : jit::run_compiled(*k.tier, ts.ptrs.data(), count, pos, nullptr))) {
      break;
    }
    pos += count;
  }
  for (StridedState& s : ts.strided) s.in_place_scalar = false;  // the interpreter reads blocks
  return pos;
}

// Blocks [b0, b1) of kernel k (n elements). Without reductions (their partials are per block)
// the compiled tier takes them in as few calls as it can: one call over all of them when the
// kernel has no strided reads, one per row segment when it has (run_strided_segments), else block
// by block. Same bits either way (region.h: a lane never depends on another); per-block calls
// cost ~1 of 18 ms of a 10M-element where-expression (39K calls of 256).
void run_blocks(const Kernel& k, ThreadScratch& ts, std::int64_t b0, std::int64_t b1, std::int64_t n,
                ReducePartial* partials, std::uint32_t* flags) {
  const std::int64_t nred = static_cast<std::int64_t>(k.reductions.size());
  if (nred == 0 && k.strided_reads.empty() && b1 - b0 > 1) {
    const std::int64_t start = b0 * kBlockSize;
    const std::int64_t count = std::min(b1 * kBlockSize, n) - start;
    set_block(k, ts, start, count);  // operand pointers only (no strided reads to gather)
    if (k.tier && jit::run_compiled(*k.tier, ts.ptrs.data(), count, start, nullptr)) return;
    // Nothing block-sized (no registers, no broadcast filled into a block): the interpreter
    // takes the whole range in one run, as the small path does (a lane never depends on where
    // a block starts); saves a set_block and a dispatch per 256 elements of a lone op.
    if (k.num_registers == 0 && std::none_of(ts.needs_block.begin(), ts.needs_block.end(), [](char b) { return b != 0; })) {
      run_block(k, ts.ptrs.data(), count, start, nullptr, flags);
      return;
    }
  }
  if (k.tier && nred == 0 && !ts.strided.empty() && b1 - b0 > 1) {
    const StridedState& s0 = ts.strided.front();
    const std::int64_t row = s0.dims[s0.rank - 1];  // the kernel's last axis, shared by its strided reads
    // Shorter rows too when the row variant takes them (rows of 64 or 128 elements: per block
    // the interpreter gathered the rows' (D,) operands and filled the (B, 1) ones).
    const bool by_rows = k.tier->row_prejit != nullptr && jit::mode() != jit::Mode::kOff && rows_step_evenly(k, ts);
    if (row >= kBlockSize || (by_rows && row >= kShortRow)) {
      const std::int64_t start = b0 * kBlockSize, end = std::min(b1 * kBlockSize, n);
      const std::int64_t done = run_strided_segments(k, ts, start, end, row);
      // The rest (all of it when the tier declined) block by block through the interpreter.
      for (std::int64_t pos = done; pos < end; pos += kBlockSize) {
        const std::int64_t count = std::min(kBlockSize, end - pos);
        set_block(k, ts, pos, count);
        run_block(k, ts.ptrs.data(), count, pos, nullptr, flags);
      }
      return;
    }
  }
  for (std::int64_t b = b0; b < b1; ++b) {
    const std::int64_t start = b * kBlockSize;
    const std::int64_t count = std::min(kBlockSize, n - start);
    set_block(k, ts, start, count);
    run_block(k, ts.ptrs.data(), count, start, partials + b * nred, flags);
  }
}

void run_kernel(const Kernel& k, RunState& state, std::int64_t& elements) {
  std::vector<Value>& slots = state.slots;
  const std::int64_t n = kernel_length(k, slots);
  elements += n;
  prepare_kernel_outputs(k, slots, n);
  if (run_lone_reduction(k, slots, n, state.partials)) return;
  const std::int64_t nblocks = (n + kBlockSize - 1) / kBlockSize;
  const std::int64_t nred = static_cast<std::int64_t>(k.reductions.size());
  if (nred > 0 && static_cast<std::int64_t>(state.partials.size()) < nblocks * nred) {
    // One partial per block: a count-sized reduction of 2^61 elements would need 2^57 bytes.
    if (nblocks > std::numeric_limits<std::int64_t>::max() / 16 / nred) {
      throw Error(ErrorCode::kOutOfMemory, std::string(allocation_name(k)) + ": cannot reduce " + std::to_string(n) +
                                               " elements (too many blocks to hold their partial results)");
    }
    try {
      state.partials.resize(static_cast<std::size_t>(nblocks * nred));
    } catch (const std::bad_alloc&) {
      throw Error(ErrorCode::kOutOfMemory, std::string(allocation_name(k)) + ": cannot allocate the partial results of " +
                                               std::to_string(n) + " elements");
    }
  }
  ReducePartial* partials = state.partials.data();
  std::uint32_t flags = 0;

  const int threads = n >= parallel_min_elements() ? threads_for(nblocks, 4) : 1;
  if (threads <= 1 && run_small_kernel(k, slots, n, partials, &flags)) {
    // done on the stack (executor_small.cpp)
  } else if (threads <= 1) {
    ThreadScratch& ts = tls_scratch;
    prepare_operands(k, slots, std::min(n, kBlockSize), ts);
    for (std::int64_t b = 0; b < nblocks; b += kChunkBlocks) {
      if (b > 0 && (b / kChunkBlocks) % 8 == 0) check_interrupt();
      run_blocks(k, ts, b, std::min(nblocks, b + kChunkBlocks), n, partials, &flags);
    }
  } else {
    // Blocks go out in chunks of 32 (8K elements) dynamically: on a loaded machine a descheduled
    // thread then delays only its group, not a static half. Partials are indexed by block, so the
    // result does not depend on which thread ran which block. Only the calling thread (omp thread 0) polls for Ctrl-C and
    // tells the others to stop through `stop` (exceptions cannot leave a parallel region).
    std::atomic<bool> stop{false};
    std::exception_ptr error;
    std::atomic<std::uint32_t> shared_flags{0};
#pragma omp parallel num_threads(threads)
    {
      std::uint32_t local_flags = 0;
      try {
        ThreadScratch& ts = tls_scratch;
        prepare_operands(k, slots, std::min(n, kBlockSize), ts);
        const bool master = omp_get_thread_num() == 0;
        const std::int64_t nchunks = (nblocks + kChunkBlocks - 1) / kChunkBlocks;
#pragma omp for schedule(dynamic, 1)
        for (std::int64_t c = 0; c < nchunks; ++c) {
          if (stop.load(std::memory_order_relaxed)) continue;
          if (master && (c & 1) == 1) {
            try {
              check_interrupt();
            } catch (...) {
#pragma omp critical(fuseflow_kernel_error)
              if (!error) error = std::current_exception();
              stop.store(true);
              continue;
            }
          }
          run_blocks(k, ts, c * kChunkBlocks, std::min(nblocks, (c + 1) * kChunkBlocks), n, partials, &local_flags);
        }
      } catch (...) {
#pragma omp critical(fuseflow_kernel_error)
        if (!error) error = std::current_exception();
        stop.store(true);
      }
      shared_flags.fetch_or(local_flags);
    }
    if (error) std::rethrow_exception(error);
    flags |= shared_flags.load();
  }
  raise_kernel_errors(flags);
  finish_kernel_reductions(k, partials, nblocks, n, slots);
}

void run_graph_query(const GraphQueryStep& q, std::vector<Value>& slots, std::int64_t& elements) {
  Value& out = slots[q.out_slot];
  if (q.kind == GraphQueryStep::kArrayLength) {
    out = Value::of_i64(slots[q.graph_slot].length);
    return;
  }
  const std::shared_ptr<const Graph>& g = slots[q.graph_slot].graph;
  switch (q.kind) {
    case GraphQueryStep::kNumNodes: out = Value::of_i64(g->num_nodes()); break;
    case GraphQueryStep::kNumEdges: out = Value::of_i64(g->num_edges()); break;
    case GraphQueryStep::kOutDegree:
    case GraphQueryStep::kInDegree: {
      auto deg = q.kind == GraphQueryStep::kOutDegree ? g->out_degree() : g->in_degree();
      // A view of the graph's cached degrees, kept alive by the graph itself.
      out = Value::borrowed_array(DType::kInt64, deg.data(), static_cast<std::int64_t>(deg.size()), g);
      elements += static_cast<std::int64_t>(deg.size());
      break;
    }
    default: break;
  }
}

// A RunProfile plus the run's start time, which event times are relative to.
struct Profiler {
  RunProfile& out;
  std::chrono::steady_clock::time_point origin;
};

void run_steps(const std::vector<Step>& steps, RunState& state, Profiler* profile);

// Moves the yields into the carries. The carries' previous buffers go to the yield slots (when a
// yield is a value of the body), so the next iteration writes into them: buffers swap, never copy.
void advance_carries(const LoopStep& loop, std::vector<Value>& slots, std::vector<Value>& scratch_new,
                     std::vector<Value>& scratch_old) {
  const std::size_t k = loop.carry_slots.size();
  scratch_new.resize(k);
  scratch_old.resize(k);
  for (std::size_t i = 0; i < k; ++i) scratch_new[i] = slots[loop.yield_slots[i]];
  for (std::size_t i = 0; i < k; ++i) scratch_old[i] = std::move(slots[loop.carry_slots[i]]);
  for (std::size_t i = 0; i < k; ++i) slots[loop.carry_slots[i]] = std::move(scratch_new[i]);
  for (std::size_t i = 0; i < k; ++i) {
    const int y = loop.yield_slots[i];
    if (loop.yield_is_local[i] && slots[y].is_array() && scratch_old[i].is_array()) {
      slots[y] = std::move(scratch_old[i]);
    }
    scratch_old[i] = Value{};
  }
}

void run_loop(const LoopStep& loop, RunState& state, Profiler* profile) {
  std::vector<Value>& slots = state.slots;
  for (std::size_t i = 0; i < loop.init_slots.size(); ++i) {
    Value& init = slots[loop.init_slots[i]];
    if (loop.init_moves[i]) slots[loop.carry_slots[i]] = std::move(init);
    else slots[loop.carry_slots[i]] = init;
  }
  std::vector<Value> scratch_new, scratch_old;
  if (loop.kind == LoopStep::kCount) {
    const std::int64_t count = slots[loop.count_slot].as_i64();
    for (std::int64_t it = 0; it < count; ++it) {
      check_interrupt();
      run_steps(loop.body, state, profile);
      advance_carries(loop, slots, scratch_new, scratch_old);
    }
  } else if (loop.frontier_mask >= 0 && profile == nullptr) {
    // Profiled runs take the dense path below: their steps are timed as written.
    run_frontier_loop(loop, state, [&] {
      run_steps(loop.body, state, nullptr);
      advance_carries(loop, slots, scratch_new, scratch_old);
    });
  } else {
    for (;;) {
      check_interrupt();
      for (std::size_t i = 0; i < loop.cond_arg_slots.size(); ++i) {
        slots[loop.cond_arg_slots[i]] = slots[loop.carry_slots[i]];
      }
      run_steps(loop.cond, state, profile);
      const bool go = slots[loop.cond_slot].as_bool();
      for (int s : loop.cond_arg_slots) slots[s] = Value{};  // drop references so buffers stay reusable
      if (!go) break;
      run_steps(loop.body, state, profile);
      advance_carries(loop, slots, scratch_new, scratch_old);
    }
  }
  for (std::size_t i = 0; i < loop.result_slots.size(); ++i) slots[loop.result_slots[i]] = slots[loop.carry_slots[i]];
}

void record_event(Profiler& profile, int profile_id, std::chrono::steady_clock::time_point start, double seconds) {
  RunProfile& out = profile.out;
  if (out.events.size() >= out.max_events) {
    ++out.dropped_events;
    return;
  }
  out.events.push_back({profile_id, std::chrono::duration<double>(start - profile.origin).count(), seconds});
}

void run_steps(const std::vector<Step>& steps, RunState& state, Profiler* profile) {
  for (const Step& step : steps) {
    auto t0 = profile ? std::chrono::steady_clock::now() : std::chrono::steady_clock::time_point{};
    std::int64_t elements = 0;
    switch (step.kind) {
      case Step::kKernel: run_kernel(*step.kernel, state, elements); break;
      case Step::kNeighborAgg: run_neighbor_agg(step.agg, state, elements); break;
      case Step::kEdgeGather: run_edge_gather(step.gather, state.slots, elements); break;
      case Step::kGraphQuery: run_graph_query(step.query, state.slots, elements); break;
      case Step::kLoop: run_loop(*step.loop, state, profile); break;
      case Step::kAxis: run_axis_step(*step.axis, state.slots, elements); break;
      case Step::kAxisReduce: run_axis_reduce(*step.axis_reduce, state.slots, elements); break;
      case Step::kLocalityIn: run_locality_in(step.locality, state.slots, elements); break;
      case Step::kLocalityOut: run_locality_out(step.locality, state.slots, elements); break;
      case Step::kView: run_view_step(*step.view, state.slots, elements); break;
      case Step::kRowBlocks:
        // Profiled runs time each step of the group on its own (whole arrays, same results).
        if (profile) run_steps(step.rows->body, state, profile);
        else run_row_blocks(*step.rows, state, [](const std::vector<Step>& body, RunState& frame) { run_steps(body, frame, nullptr); });
        break;
    }
    if (profile) {
      const double seconds = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
      StepProfile& p = profile->out.steps[static_cast<std::size_t>(step.profile_id)];
      p.seconds += seconds;
      p.elements += elements;
      p.calls += 1;
      if (profile->out.record_events) record_event(*profile, step.profile_id, t0, seconds);
    }
  }
}

}  // namespace

RunState::RunState(const Plan& plan) : slots(plan.slots.size()) {
  for (std::size_t i = 0; i < plan.slots.size(); ++i) {
    slots[i].kind = plan.slots[i].kind;
    slots[i].type = plan.slots[i].type;
  }
  for (const ConstantInit& c : plan.constants) {
    Value& v = slots[static_cast<std::size_t>(c.slot)];
    v.kind = SlotKind::kScalar;
    v.type = c.type;
    store_scalar(c.type, c.f64, c.i64, !is_float(c.type), v.scalar);
  }
}

void RunState::release_borrowed() {
  for (Value& v : slots) {
    if (v.graph) v.graph.reset();
    if (v.storage && !v.storage->owned()) v.storage.reset();
  }
}

void execute(const Plan& plan, RunState& state, RunProfile* profile) {
  if (!profile) {
    run_steps(plan.steps, state, nullptr);
    return;
  }
  Profiler profiler{*profile, std::chrono::steady_clock::now()};
  run_steps(plan.steps, state, &profiler);
  // A loop's event is recorded after its body's: restore start order, the enclosing (longer)
  // event first on equal starts.
  std::sort(profile->events.begin(), profile->events.end(), [](const StepEvent& a, const StepEvent& b) {
    return a.start != b.start ? a.start < b.start : a.seconds > b.seconds;
  });
}

}  // namespace fuseflow::exec
