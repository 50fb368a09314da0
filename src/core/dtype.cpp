// NumPy 2 (NEP 50) promotion over fuseflow's five dtypes.
#include "fuseflow/core/dtype.h"

#include <algorithm>

namespace fuseflow {

namespace {

// bool < integer < floating: the order in which a weak Python scalar may adopt a strong type.
int kind_rank(DType t) {
  if (t == DType::kBool) return 0;
  return is_integer(t) ? 1 : 2;
}

}  // namespace

const char* dtype_short_name(DType t) {
  switch (t) {
    case DType::kBool: return "bool";
    case DType::kInt32: return "i32";
    case DType::kInt64: return "i64";
    case DType::kFloat32: return "f32";
    case DType::kFloat64: return "f64";
  }
  return "?";
}

const char* dtype_numpy_name(DType t) {
  switch (t) {
    case DType::kBool: return "bool";
    case DType::kInt32: return "int32";
    case DType::kInt64: return "int64";
    case DType::kFloat32: return "float32";
    case DType::kFloat64: return "float64";
  }
  return "?";
}

std::optional<DType> parse_dtype(std::string_view name) {
  for (DType t : kAllDTypes) {
    if (name == dtype_short_name(t) || name == dtype_numpy_name(t)) return t;
  }
  return std::nullopt;
}

std::size_t dtype_size(DType t) {
  switch (t) {
    case DType::kBool: return 1;
    case DType::kInt32: return 4;
    case DType::kInt64: return 8;
    case DType::kFloat32: return 4;
    case DType::kFloat64: return 8;
  }
  return 0;
}

DType promote_types(DType a, DType b) {
  if (a == b) return a;
  if (a == DType::kBool) return b;
  if (b == DType::kBool) return a;
  if (is_integer(a) && is_integer(b)) return DType::kInt64;
  if (is_float(a) && is_float(b)) return DType::kFloat64;
  // One integer, one float: float32 cannot hold every int32/int64, so NumPy picks float64.
  return DType::kFloat64;
}

PromotionOperand promote(PromotionOperand a, PromotionOperand b) {
  if (a.weak && b.weak) {
    // Python scalar op Python scalar: Python's own result kind, at its default width.
    int rank = std::max(kind_rank(a.dtype), kind_rank(b.dtype));
    DType t = rank == 0 ? DType::kBool : rank == 1 ? DType::kInt64 : DType::kFloat64;
    if (a.dtype == b.dtype) t = a.dtype;
    return {t, true};
  }
  if (a.weak != b.weak) {
    const PromotionOperand& strong = a.weak ? b : a;
    const PromotionOperand& weak = a.weak ? a : b;
    if (kind_rank(weak.dtype) <= kind_rank(strong.dtype)) return {strong.dtype, false};
    // A weak scalar of a higher kind: its kind's default type (int -> int64, float -> float64).
    return {kind_rank(weak.dtype) == 1 ? DType::kInt64 : DType::kFloat64, false};
  }
  return {promote_types(a.dtype, b.dtype), false};
}

DType float_result(DType t) { return t == DType::kFloat32 ? DType::kFloat32 : DType::kFloat64; }

DType sum_result(DType t) { return is_float(t) ? t : DType::kInt64; }

}  // namespace fuseflow
