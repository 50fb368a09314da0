// The executor's AxisStep: one array op along an axis over the (outer, len, inner) view of a
// C-contiguous operand, by the same kernels the eager ff.cumsum/ff.sort/... call (src/kernels/),
// so a traced call and an eager call give the same bits. Transposes are a strided copy.
#include "exec/dtype_visit.h"
#include "exec/axis_step.h"

#include <algorithm>
#include <cstring>
#include <string>
#include <type_traits>

#include "exec/axis_stats_step.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/kernels/axis_view.h"
#include "fuseflow/kernels/gather.h"
#include "fuseflow/kernels/scan.h"
#include "fuseflow/kernels/sort.h"

namespace fuseflow::exec {

namespace {

kernels::ScanOp scan_op(AxisStep::Op op) {
  switch (op) {
    case AxisStep::kCumSum: return kernels::ScanOp::kSum;
    case AxisStep::kCumProd: return kernels::ScanOp::kProd;
    case AxisStep::kCumMax: return kernels::ScanOp::kMax;
    default: return kernels::ScanOp::kMin;
  }
}

void run_scan(const AxisStep& s, const void* x, void* y, kernels::AxisView v) {
  const bool accumulate = s.op == AxisStep::kCumSum || s.op == AxisStep::kCumProd;
  visit_element_type(s.in_type, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (std::is_floating_point_v<T>) {
      kernels::scan<T, T>(scan_op(s.op), static_cast<const T*>(x), static_cast<T*>(y), v);
    } else {
      // Integer and bool sums/products accumulate in int64 (NumPy 2); max/min keep the type.
      if (accumulate) {
        kernels::scan<T, std::int64_t>(scan_op(s.op), static_cast<const T*>(x), static_cast<std::int64_t*>(y), v);
      } else {
        kernels::scan<T, T>(scan_op(s.op), static_cast<const T*>(x), static_cast<T*>(y), v);
      }
    }
  });
}

// y[i0, i1, ...] = x[...] with result axis k = operand axis perm[k]: for each result row (all axes
// but the last) the last result axis walks the operand with that axis's stride.
template <class T>
void transpose_copy(const T* x, T* y, const std::vector<std::int64_t>& in_dims, const std::vector<int>& perm) {
  const int rank = static_cast<int>(in_dims.size());
  std::vector<std::int64_t> in_stride(static_cast<std::size_t>(rank), 1);
  for (int k = rank - 2; k >= 0; --k) in_stride[static_cast<std::size_t>(k)] = in_stride[static_cast<std::size_t>(k + 1)] * in_dims[static_cast<std::size_t>(k + 1)];
  std::int64_t out_dims[4] = {1, 1, 1, 1}, stride[4] = {0, 0, 0, 0};
  for (int k = 0; k < rank; ++k) {
    out_dims[4 - rank + k] = in_dims[static_cast<std::size_t>(perm[static_cast<std::size_t>(k)])];
    stride[4 - rank + k] = in_stride[static_cast<std::size_t>(perm[static_cast<std::size_t>(k)])];
  }
  const std::int64_t rows = out_dims[0] * out_dims[1] * out_dims[2];
  const std::int64_t n = out_dims[3];
  if (rows == 0 || n == 0) return;
  // Tiles of kTile result rows x kTile columns: in a 2-D transpose the kTile rows of a tile read
  // neighbouring source elements, so each source cache line fetched serves the whole tile instead
  // of one element (row by row, every element read is a cache miss once the source exceeds L2).
  constexpr std::int64_t kTile = 32;
  const std::int64_t tiles = (rows + kTile - 1) / kTile;
  const int threads = threads_for(rows * n, 1 << 16);
#pragma omp parallel for num_threads(threads) schedule(static)
  for (std::int64_t t = 0; t < tiles; ++t) {
    const std::int64_t r0 = t * kTile, r1 = std::min(rows, r0 + kTile);
    const T* base[kTile];
    for (std::int64_t r = r0; r < r1; ++r) {
      const std::int64_t i2 = r % out_dims[2], i1 = (r / out_dims[2]) % out_dims[1], i0 = r / (out_dims[2] * out_dims[1]);
      base[r - r0] = x + i0 * stride[0] + i1 * stride[1] + i2 * stride[2];
    }
    for (std::int64_t j0 = 0; j0 < n; j0 += kTile) {
      const std::int64_t j1 = std::min(n, j0 + kTile);
      for (std::int64_t r = r0; r < r1; ++r) {
        const T* src = base[r - r0];
        T* dst = y + r * n;
        for (std::int64_t j = j0; j < j1; ++j) dst[j] = src[j * stride[3]];
      }
    }
  }
}

Value scalar_of(DType t, const unsigned char* bytes) {
  switch (t) {
    case DType::kBool: return Value::of_bool(bytes[0] != 0);
    case DType::kInt32: { std::int32_t v; std::memcpy(&v, bytes, sizeof v); return Value::of_i32(v); }
    case DType::kInt64: { std::int64_t v; std::memcpy(&v, bytes, sizeof v); return Value::of_i64(v); }
    case DType::kFloat32: { float v; std::memcpy(&v, bytes, sizeof v); return Value::of_f32(v); }
    case DType::kFloat64: break;
  }
  double v;
  std::memcpy(&v, bytes, sizeof v);
  return Value::of_f64(v);
}

// np.take(x, idx, axis) by the bounds-checked gather kernel (IndexError naming idx, negative
// indices from the end). A scalar index is one index whose axis the result drops.
void run_take(const AxisStep& s, const std::vector<std::int64_t>& dims, std::vector<Value>& slots, std::int64_t& elements) {
  kernels::AxisView v;
  v.len = dims[static_cast<std::size_t>(s.axis)];
  for (int k = 0; k < s.axis; ++k) v.outer *= dims[static_cast<std::size_t>(k)];
  for (std::size_t k = static_cast<std::size_t>(s.axis) + 1; k < dims.size(); ++k) v.inner *= dims[k];
  const Value& idx = slots[static_cast<std::size_t>(s.idx_slot)];
  std::int64_t one_index = 0;
  const void* indices = &one_index;
  std::int64_t m = 1;
  DType idx_type = DType::kInt64;
  if (s.idx_scalar) {
    one_index = idx.as_i64();
  } else {
    m = evaluate_length(s.idx_length, slots);
    indices = idx.raw_data();
    idx_type = s.idx_type;
  }
  const std::int64_t n = v.outer * m * v.inner;
  elements += n;
  const Value& in = slots[static_cast<std::size_t>(s.in_slot)];
  const std::size_t item = dtype_size(s.in_type);
  auto gather = [&](void* out) {
    if (n == 0) {
      // An empty result still checks its indices when there are rows before the axis, as NumPy
      // does (x of shape (2, 0), idx [5] along axis 0 raises; shape (0, 0) along axis 1 does not).
      for (std::int64_t j = 0; v.outer > 0 && j < m; ++j) {
        const std::int64_t i = idx_type == DType::kInt32 ? static_cast<const std::int32_t*>(indices)[j]
                                                         : static_cast<const std::int64_t*>(indices)[j];
        if (i < -v.len || i >= v.len) {
          throw Error(ErrorCode::kOutOfRange, "idx: index " + std::to_string(i) + " at position " + std::to_string(j) +
                                                  " is out of bounds for an axis of size " + std::to_string(v.len) +
                                                  " (valid: -" + std::to_string(v.len) + " to " + std::to_string(v.len - 1) + ")");
        }
      }
      return;
    }
    if (idx_type == DType::kInt32) {
      kernels::take<std::int32_t>(in.raw_data(), v, item, static_cast<const std::int32_t*>(indices), m, out);
    } else {
      kernels::take<std::int64_t>(in.raw_data(), v, item, static_cast<const std::int64_t*>(indices), m, out);
    }
  };
  if (s.out_scalar) {
    unsigned char bytes[8] = {};
    gather(bytes);
    slots[static_cast<std::size_t>(s.out_slot)] = scalar_of(s.out_type, bytes);
    return;
  }
  Value& out = slots[static_cast<std::size_t>(s.out_slot)];
  ensure_writable_array(out, s.out_type, n);
  gather(out.storage->data());
}

}  // namespace

void run_axis_step(const AxisStep& s, std::vector<Value>& slots, std::int64_t& elements) {
  std::vector<std::int64_t> dims;
  std::int64_t n = 1;
  for (const LengthSource& d : s.dims) {
    dims.push_back(evaluate_length(d, slots));
    n *= dims.back();
  }
  if (s.op == AxisStep::kTake) {
    run_take(s, dims, slots, elements);
    return;
  }
  if (s.op >= AxisStep::kAxisLen) {
    run_axis_stat(s, dims, slots, elements);
    return;
  }
  elements += n;
  const Value& in = slots[static_cast<std::size_t>(s.in_slot)];
  if (in.length != n) throw Error(ErrorCode::kInternal, "axis step: operand length does not match its shape");
  Value& out = slots[static_cast<std::size_t>(s.out_slot)];
  ensure_writable_array(out, s.out_type, n);
  if (n == 0) return;
  const void* x = in.raw_data();
  void* y = out.storage->data();
  if (s.op == AxisStep::kTranspose) {
    visit_element_type(s.in_type, [&](auto tag) {
      using T = decltype(tag);
      transpose_copy<T>(static_cast<const T*>(x), static_cast<T*>(y), dims, s.perm);
    });
    check_interrupt();
    return;
  }
  kernels::AxisView v;
  v.len = dims[static_cast<std::size_t>(s.axis)];
  for (int k = 0; k < s.axis; ++k) v.outer *= dims[static_cast<std::size_t>(k)];
  for (std::size_t k = static_cast<std::size_t>(s.axis) + 1; k < dims.size(); ++k) v.inner *= dims[k];
  switch (s.op) {
    case AxisStep::kSort:
      visit_element_type(s.in_type, [&](auto tag) {
        using T = decltype(tag);
        kernels::sort_axis<T>(static_cast<const T*>(x), static_cast<T*>(y), v);
      });
      break;
    case AxisStep::kArgSort:
      visit_element_type(s.in_type, [&](auto tag) {
        using T = decltype(tag);
        kernels::argsort_axis<T>(static_cast<const T*>(x), static_cast<std::int64_t*>(y), v);
      });
      break;
    default: run_scan(s, x, y, v); break;
  }
}

}  // namespace fuseflow::exec
