// Combining a kernel's per-block reduction partials into the reduction's result (see
// reduction_combine.h); split from executor.cpp, which runs the blocks that produce them.
#include "exec/reduction_combine.h"

#include <cmath>
#include <cstring>
#include <limits>
#include <string>
#include <type_traits>

#include "fuseflow/core/error.h"
#include "fuseflow/ir/scalar_semantics.h"
#include "fuseflow/kernels/reduce.h"

namespace fuseflow::exec {
namespace {

template <class T>
T load_bits(const ScalarBits& b) {
  T v;
  std::memcpy(&v, b.raw, sizeof(T));
  return v;
}
template <class T>
void store_bits(ScalarBits& b, T v) {
  std::memcpy(b.raw, &v, sizeof(T));
}

template <class T>
void combine_typed(const KernelReduction& r, const ReducePartial* p, std::int64_t nblocks, std::int64_t stride,
                   std::int64_t n, Value& out) {
  out.kind = SlotKind::kScalar;
  switch (r.op) {
    case ReduceOp::kSum: {
      T acc = T(0);
      for (std::int64_t b = 0; b < nblocks; ++b) {
        T v = load_bits<T>(p[b * stride].value);
        if constexpr (std::is_integral_v<T>) {
          using U = std::make_unsigned_t<T>;
          acc = T(U(acc) + U(v));  // integers wrap like NumPy
        } else {
          acc += v;
        }
      }
      out.type = r.type;
      if (r.finish == ReduceFinish::kMean) {
        if constexpr (std::is_floating_point_v<T>) {
          acc = n > 0 ? acc / static_cast<T>(n) : std::numeric_limits<T>::quiet_NaN();
        }
      } else if (r.finish == ReduceFinish::kSqrt) {
        if constexpr (std::is_floating_point_v<T>) acc = std::sqrt(acc);
      }
      store_bits(out.scalar, acc);
      break;
    }
    case ReduceOp::kMin:
    case ReduceOp::kMax: {
      const bool minimum = r.op == ReduceOp::kMin;
      if (nblocks == 0) {
        if (r.finish != ReduceFinish::kEmptyIsZero) {
          throw_value_error(r.name, "zero-size array has no " + std::string(minimum ? "minimum" : "maximum"));
        }
        store_bits(out.scalar, T(0));  // norm(inf) of an empty array is 0
        out.type = r.type;
        break;
      }
      T best = load_bits<T>(p[0].value);
      for (std::int64_t b = 1; b < nblocks; ++b) {
        T v = load_bits<T>(p[b * stride].value);
        best = kernels::reduce_extreme(best, v, minimum);
      }
      out.type = r.type;
      store_bits(out.scalar, best);
      break;
    }
    case ReduceOp::kArgMin:
    case ReduceOp::kArgMax: {
      const bool minimum = r.op == ReduceOp::kArgMin;
      if (nblocks == 0) throw_value_error(r.name, "attempt to get " + r.name + " of an empty sequence");
      T best = load_bits<T>(p[0].value);
      std::int64_t index = p[0].index;
      for (std::int64_t b = 1; b < nblocks; ++b) {
        T v = load_bits<T>(p[b * stride].value);
        if (ir::semantics::reduction_better(v, best, minimum)) {
          best = v;
          index = p[b * stride].index;
        }
      }
      out.type = DType::kInt64;
      out.scalar.i64 = index;
      break;
    }
  }
}

}  // namespace

void combine_reduction(const KernelReduction& r, const ReducePartial* partials, std::int64_t nblocks,
                       std::int64_t nred, std::int64_t n, Value& out) {
  switch (r.type) {
    case DType::kBool: combine_typed<std::uint8_t>(r, partials, nblocks, nred, n, out); break;
    case DType::kInt32: combine_typed<std::int32_t>(r, partials, nblocks, nred, n, out); break;
    case DType::kInt64: combine_typed<std::int64_t>(r, partials, nblocks, nred, n, out); break;
    case DType::kFloat32: combine_typed<float>(r, partials, nblocks, nred, n, out); break;
    case DType::kFloat64: combine_typed<double>(r, partials, nblocks, nred, n, out); break;
  }
}

}  // namespace fuseflow::exec
