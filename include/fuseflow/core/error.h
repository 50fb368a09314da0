// fuseflow::Error — the one exception type the C++ layers throw on bad input.
// The binding maps each code to a Python exception class (ValueError, TypeError, ...).
#pragma once

#include <stdexcept>
#include <string>

namespace fuseflow {

enum class ErrorCode {
  kInvalidValue,   // ValueError: a value breaks a rule (range, NaN, length mismatch)
  kInvalidType,    // TypeError: wrong dtype or kind
  kOutOfRange,     // IndexError
  kOutOfMemory,    // MemoryError
  kOverflow,       // OverflowError: a Python int that does not fit the dtype it must take
  kInterrupted,    // KeyboardInterrupt: the user pressed Ctrl-C during a run
  kNotImplemented, // NotImplementedError
  kInternal,       // RuntimeError: a bug in fuseflow, never the user's fault
};

class Error : public std::runtime_error {
 public:
  Error(ErrorCode code, const std::string& message) : std::runtime_error(message), code_(code) {}
  ErrorCode code() const noexcept { return code_; }

 private:
  ErrorCode code_;
};

// Throw a ValueError-class error: `argument` names the user's argument, `rule` says what it broke.
[[noreturn]] void throw_value_error(const std::string& argument, const std::string& rule);
[[noreturn]] void throw_type_error(const std::string& argument, const std::string& rule);

}  // namespace fuseflow
