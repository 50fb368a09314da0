// One place that maps an engine DType to the C++ element type the kernels use, for steps that
// call a kernel template per dtype.
#pragma once

#include <cstdint>

#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// Calls f with a value of the kernels' element type for `t` (bool as its uint8 bytes).
template <class F>
void visit_element_type(DType t, F&& f) {
  switch (t) {
    case DType::kBool: f(std::uint8_t{}); return;
    case DType::kInt32: f(std::int32_t{}); return;
    case DType::kInt64: f(std::int64_t{}); return;
    case DType::kFloat32: f(float{}); return;
    case DType::kFloat64: f(double{}); return;
  }
}

}  // namespace fuseflow::exec
