// DType: the five element types of fuseflow and NumPy's promotion rules between them.
//
// Promotion follows NumPy 2 (NEP 50). Array-with-array (and NumPy-scalar) operands are "strong":
// the result is the smallest type holding both (int32+float32 -> float64, int64+float32 -> float64).
// Python scalars are "weak": they take the other operand's type when it is of the same or a
// higher kind (bool < integer < floating), so float32_array * 2.0 stays float32 and
// int32_array + 1 stays int32; a weak float with an integer array gives float64.
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

namespace fuseflow {

enum class DType : std::uint8_t { kBool, kInt32, kInt64, kFloat32, kFloat64 };

inline constexpr DType kAllDTypes[] = {DType::kBool, DType::kInt32, DType::kInt64, DType::kFloat32,
                                       DType::kFloat64};

// Short name used by the IR text: "bool", "i32", "i64", "f32", "f64".
const char* dtype_short_name(DType t);
// NumPy name: "bool", "int32", "int64", "float32", "float64".
const char* dtype_numpy_name(DType t);
// Accepts either spelling; std::nullopt for anything else.
std::optional<DType> parse_dtype(std::string_view name);

std::size_t dtype_size(DType t);
inline bool is_float(DType t) { return t == DType::kFloat32 || t == DType::kFloat64; }
inline bool is_integer(DType t) { return t == DType::kInt32 || t == DType::kInt64; }
inline bool is_bool(DType t) { return t == DType::kBool; }

// A dtype with NumPy's weak/strong distinction (see the top of this file).
struct PromotionOperand {
  DType dtype;
  bool weak = false;
};

// NumPy's result dtype for a binary arithmetic op; `weak` of the result is true only when
// both operands are weak (Python scalar op Python scalar).
PromotionOperand promote(PromotionOperand a, PromotionOperand b);
DType promote_types(DType a, DType b);  // both strong

// Floating type of a float-valued op (true divide, exp, mean, ...): ints/bool -> float64,
// float32 stays float32.
DType float_result(DType t);

// Accumulator type NumPy's sum uses: bool/int32/int64 -> int64, floats unchanged.
DType sum_result(DType t);

}  // namespace fuseflow
