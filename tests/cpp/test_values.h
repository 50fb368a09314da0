// Run-time values shared by the C++ tests: owned arrays made from std::vectors.
#pragma once

#include <cstdint>
#include <cstring>
#include <vector>

#include "fuseflow/exec/value.h"

namespace fuseflow::testing {

template <class T>
exec::Value array_of(const std::vector<T>& v, exec::DType t) {
  exec::Value out = exec::Value::array(t, static_cast<std::int64_t>(v.size()));
  if (!v.empty()) std::memcpy(out.storage->data(), v.data(), v.size() * sizeof(T));
  return out;
}

inline exec::Value f64_array(const std::vector<double>& v) { return array_of(v, exec::DType::kFloat64); }
inline exec::Value bool_array(const std::vector<std::uint8_t>& v) { return array_of(v, exec::DType::kBool); }

}  // namespace fuseflow::testing
