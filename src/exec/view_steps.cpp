// The executor's ViewStep (plan.h): x.shape[axis] as a scalar, and basic slices along one axis
// copied into a C-contiguous result. A slice is seen as (outer, len, inner) around its axis: each
// of the outer * count result rows is `inner` contiguous elements of one source row, so the copy
// is one memcpy per row (inner > 1) or a strided element loop (inner == 1, the last axis).
#include "exec/view_steps.h"

#include <cstring>
#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::exec {

namespace {

std::vector<std::int64_t> evaluate_dims(const std::vector<LengthSource>& dims, const std::vector<Value>& slots) {
  std::vector<std::int64_t> out;
  out.reserve(dims.size());
  for (const LengthSource& d : dims) out.push_back(evaluate_length(d, slots));
  return out;
}

template <class T>
void strided_rows(const T* x, T* y, std::int64_t outer, std::int64_t len, std::int64_t count, std::int64_t begin,
                  std::int64_t step, int threads) {
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t o = 0; o < outer; ++o) {
    const T* src = x + o * len + begin;
    T* dst = y + o * count;
    for (std::int64_t j = 0; j < count; ++j) dst[j] = src[j * step];
  }
}

void run_slice(const ViewStep& s, std::vector<Value>& slots, std::int64_t& elements) {
  const std::vector<std::int64_t> dims = evaluate_dims(s.in_dims[0], slots);
  const std::size_t a = static_cast<std::size_t>(s.axis);
  const std::int64_t len = dims[a];
  const std::int64_t count = slots[static_cast<std::size_t>(s.count_slot)].as_i64();
  const std::int64_t begin = slots[static_cast<std::size_t>(s.begin_slot)].as_i64();
  const std::int64_t step = slots[static_cast<std::size_t>(s.step_slot)].as_i64();
  // The tracer computes count/begin/step from NumPy's slice rules; IR text written by hand may not.
  const std::int64_t last = count > 0 ? begin + (count - 1) * step : begin;
  if (count < 0 || step == 0 || (count > 0 && (begin < 0 || begin >= len || last < 0 || last >= len))) {
    throw Error(ErrorCode::kOutOfRange, "slice: " + std::to_string(count) + " elements from " + std::to_string(begin) +
                                            " in steps of " + std::to_string(step) + " do not fit an axis of length " +
                                            std::to_string(len));
  }
  std::int64_t outer = 1, inner = 1;
  for (std::size_t k = 0; k < a; ++k) outer *= dims[k];
  for (std::size_t k = a + 1; k < dims.size(); ++k) inner *= dims[k];
  const std::int64_t n = outer * count * inner;
  elements += n;
  Value& out = slots[static_cast<std::size_t>(s.out_slot)];
  ensure_writable_array(out, s.type, n);
  if (n == 0) return;
  const Value& in = slots[static_cast<std::size_t>(s.in_slots[0])];
  const std::size_t item = dtype_size(s.type);
  const auto* x = static_cast<const unsigned char*>(in.raw_data());
  auto* y = static_cast<unsigned char*>(out.storage->data());
  const int threads = threads_for(n, 1 << 16);
  if (inner == 1) {
    switch (item) {
      case 1: strided_rows(x, y, outer, len, count, begin, step, threads); break;
      case 4: strided_rows(reinterpret_cast<const std::uint32_t*>(x), reinterpret_cast<std::uint32_t*>(y), outer, len, count, begin, step, threads); break;
      default: strided_rows(reinterpret_cast<const std::uint64_t*>(x), reinterpret_cast<std::uint64_t*>(y), outer, len, count, begin, step, threads); break;
    }
  } else {
    const std::int64_t rows = outer * count;
    const std::size_t row_bytes = static_cast<std::size_t>(inner) * item;
#pragma omp parallel for num_threads(threads) schedule(static)
    for (std::int64_t r = 0; r < rows; ++r) {
      const std::int64_t o = r / count, j = r % count;
      std::memcpy(y + static_cast<std::size_t>(r) * row_bytes,
                  x + (static_cast<std::size_t>(o * len + begin + j * step)) * row_bytes, row_bytes);
    }
  }
  check_interrupt();
}

// x.reshape(shape): NumPy's rule that the element counts agree (the tracer turned an unknown axis
// it could not infer into a negative length), then a copy: every slot owns its buffer alone.
void run_reshape(const ViewStep& s, std::vector<Value>& slots, std::int64_t& elements) {
  std::int64_t size = 1;
  for (std::int64_t d : evaluate_dims(s.in_dims[0], slots)) size *= d;
  std::int64_t product = 1;
  bool negative = false;
  std::string shape = "(";
  for (std::size_t k = 0; k < s.shape_slots.size(); ++k) {
    const std::int64_t d = slots[static_cast<std::size_t>(s.shape_slots[k])].as_i64();
    shape += (k ? ", " : "") + std::to_string(d);
    negative = negative || d < 0;
    if (d > 0 && product > (std::int64_t{1} << 62) / d) product = -1;  // overflows: cannot match
    if (product >= 0) product *= d;
  }
  shape += s.shape_slots.size() == 1 ? ",)" : ")";
  if (negative || product != size) {
    throw Error(ErrorCode::kInvalidValue, "shape: cannot reshape array of size " + std::to_string(size) + " into shape " + shape);
  }
  elements += size;
  Value& out = slots[static_cast<std::size_t>(s.out_slot)];
  ensure_writable_array(out, s.type, size);
  if (size == 0) return;
  const Value& in = slots[static_cast<std::size_t>(s.in_slots[0])];
  std::memcpy(out.storage->data(), in.raw_data(), static_cast<std::size_t>(size) * dtype_size(s.type));
}

// concatenate / stack: each array, seen as (outer, len_i, inner) around the axis (stack: len_i =
// 1, the new axis), fills len_i * inner contiguous elements of every one of the outer result rows.
void run_join(const ViewStep& s, std::vector<Value>& slots, std::int64_t& elements) {
  const bool stack = s.op == ViewStep::kStack;
  const std::size_t a = static_cast<std::size_t>(s.axis);
  const std::size_t arrays = s.in_slots.size();
  std::vector<std::int64_t> lens(arrays);
  std::int64_t outer = 1, inner = 1, total = 0;
  for (std::size_t i = 0; i < arrays; ++i) {
    const std::vector<std::int64_t> dims = evaluate_dims(s.in_dims[i], slots);
    lens[i] = stack ? 1 : dims[a];
    total += lens[i];
    if (i == 0) {
      for (std::size_t k = 0; k < a; ++k) outer *= dims[k];
      for (std::size_t k = stack ? a : a + 1; k < dims.size(); ++k) inner *= dims[k];
    }
  }
  const std::int64_t n = outer * total * inner;
  elements += n;
  Value& out = slots[static_cast<std::size_t>(s.out_slot)];
  ensure_writable_array(out, s.type, n);
  if (n == 0) return;
  const std::size_t item = dtype_size(s.type);
  auto* y = static_cast<unsigned char*>(out.storage->data());
  const std::size_t row_bytes = static_cast<std::size_t>(total * inner) * item;
  std::size_t offset = 0;
  for (std::size_t i = 0; i < arrays; ++i) {
    const std::size_t chunk = static_cast<std::size_t>(lens[i] * inner) * item;
    const auto* x = static_cast<const unsigned char*>(slots[static_cast<std::size_t>(s.in_slots[i])].raw_data());
    if (chunk > 0) {
      const int threads = threads_for(outer * lens[i] * inner, 1 << 16);
#pragma omp parallel for num_threads(threads) schedule(static)
      for (std::int64_t o = 0; o < outer; ++o) {
        std::memcpy(y + static_cast<std::size_t>(o) * row_bytes + offset, x + static_cast<std::size_t>(o) * chunk, chunk);
      }
    }
    offset += chunk;
  }
  check_interrupt();
}

}  // namespace

void run_view_step(const ViewStep& s, std::vector<Value>& slots, std::int64_t& elements) {
  switch (s.op) {
    case ViewStep::kDim: {
      const LengthSource& d = s.in_dims[0][static_cast<std::size_t>(s.axis)];
      slots[static_cast<std::size_t>(s.out_slot)] = Value::of_i64(evaluate_length(d, slots));
      return;
    }
    case ViewStep::kSlice: run_slice(s, slots, elements); return;
    case ViewStep::kReshape: run_reshape(s, slots, elements); return;
    case ViewStep::kConcatenate:
    case ViewStep::kStack: run_join(s, slots, elements); return;
  }
}

}  // namespace fuseflow::exec
