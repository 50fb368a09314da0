// The pricing bindings' one conversion of arguments into kernel operands (src/finance's Operand /
// FlagOperand): a Python float becomes a stride-0 scalar, a 1-D float64 array of the broadcast
// size is read in place with its stride, a bool or bool array becomes the is_call flags. The
// Python front end (fuseflow/finance/_common.py) has already broadcast and converted the inputs.
#pragma once

#include <charconv>
#include <cstdint>
#include <deque>
#include <string>
#include <vector>

#include "bindings.h"
#include "fuseflow/core/error.h"
#include "fuseflow/finance/european.h"

namespace fuseflow::bindings {

using FinanceDoubles = nb::ndarray<const double, nb::ndim<1>, nb::device::cpu>;
using FinanceFlags = nb::ndarray<const bool, nb::ndim<1>, nb::device::cpu>;

inline finance::ErrorMode to_error_mode(int errors) {
  if (errors < 0 || errors > 2) throw_value_error("errors", "internal mode must be 0, 1 or 2");
  return static_cast<finance::ErrorMode>(errors);
}

// A kernel's first invalid input as the ValueError the user sees.
inline std::string format_double(double v) {  // shortest round-trip form, like Python's repr
  char buf[32];
  const auto result = std::to_chars(buf, buf + sizeof(buf), v);
  return std::string(buf, result.ptr);
}

// "sigma: must be > 0, got -0.2 at index 3" (index as a tuple for N-d outputs).
[[noreturn]] inline void raise_invalid(finance::Model model, const finance::InvalidInput& bad, const std::vector<std::size_t>& shape) {
  std::string where;
  if (shape.size() > 1) {
    std::vector<std::size_t> idx(shape.size());
    auto rest = static_cast<std::size_t>(bad.index);
    for (std::size_t j = shape.size(); j-- > 0;) {
      idx[j] = rest % shape[j];
      rest /= shape[j];
    }
    where = "(";
    for (std::size_t j = 0; j < idx.size(); ++j) where += (j ? ", " : "") + std::to_string(idx[j]);
    where += ")";
  } else if (!shape.empty()) {
    where = std::to_string(bad.index);
  }
  std::string message = std::string(bad.rule) + ", got " + format_double(bad.value);
  if (!where.empty()) message += " at index " + where + " (the first offending element)";
  throw_value_error(finance::argument_name(model, bad.argument), message);
}

// Keeps what the operands point into (scalars, arrays, flags) alive while a kernel runs.
class OperandStore {
 public:
  finance::Operand value(nb::handle arg, std::int64_t n, const std::string& name) {
    PyObject* o = arg.ptr();
    if (PyFloat_CheckExact(o)) {
      scalars_.push_back(PyFloat_AS_DOUBLE(o));  // a deque: earlier addresses stay valid
      return {&scalars_.back(), 0};
    }
    FinanceDoubles a;
    if (!nb::try_cast(arg, a, false) || static_cast<std::int64_t>(a.shape(0)) != n) {
      throw_type_error(name, "internal: expected a float or a 1-D float64 array of the broadcast size");
    }
    arrays_.push_back(a);
    return {a.data(), a.stride(0)};
  }

  finance::FlagOperand flags(nb::handle is_call, std::int64_t n) {
    if (PyBool_Check(is_call.ptr())) {
      flag_ = is_call.ptr() == Py_True ? 1 : 0;
      return {&flag_, 0};
    }
    if (!nb::try_cast(is_call, flags_, false) || static_cast<std::int64_t>(flags_.shape(0)) != n) {
      throw_type_error("is_call", "internal: expected a bool or a 1-D bool array of the broadcast size");
    }
    static_assert(sizeof(bool) == 1);
    return {reinterpret_cast<const std::uint8_t*>(flags_.data()), flags_.stride(0)};
  }

 private:
  std::deque<double> scalars_;
  std::vector<FinanceDoubles> arrays_;
  std::uint8_t flag_ = 1;
  FinanceFlags flags_;
};

// An N-d float64 NumPy array owning `buffer` (no copy).
inline nb::object wrap_output(Buffer<double>&& buffer, const std::vector<std::size_t>& shape) {
  auto* owned = new Buffer<double>(std::move(buffer));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<Buffer<double>*>(p); });
  return nb::cast(nb::ndarray<nb::numpy, double>(owned->data(), shape.size(), shape.data(), owner));
}


// The element count of a broadcast shape given as a Python tuple (also filled into `shape`).
inline std::int64_t shape_size(nb::handle shape_tuple, std::vector<std::size_t>& shape) {
  std::int64_t n = 1;
  for (nb::handle dim : nb::borrow<nb::tuple>(shape_tuple)) {
    shape.push_back(nb::cast<std::size_t>(dim));
    n *= static_cast<std::int64_t>(shape.back());
  }
  return n;
}

}  // namespace fuseflow::bindings
