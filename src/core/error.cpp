#include "fuseflow/core/error.h"

namespace fuseflow {

void throw_value_error(const std::string& argument, const std::string& rule) {
  throw Error(ErrorCode::kInvalidValue, argument + ": " + rule);
}

void throw_type_error(const std::string& argument, const std::string& rule) {
  throw Error(ErrorCode::kInvalidType, argument + ": " + rule);
}

}  // namespace fuseflow
