// A program that is one elementwise kernel from its inputs to one fresh array (x + y, a
// where-expression, a 3-op chain over same-shape arrays) can run straight from the caller's
// pointers into a result the caller allocated: no run state, slots or Values. That bookkeeping
// (shared pointers, vectors, the pooled state's exchange) cost more than the arithmetic of a small
// call, which a NumPy ufunc makes in ~280 ns here. The general path (Compiled::run) stays the
// reference: whatever this path does not take (long arrays, a failed check, error flags) goes there.
#pragma once

#include <cstdint>
#include <memory>
#include <vector>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"

namespace fuseflow::exec {

// One program input as the caller has it.
struct DirectInput {
  bool is_array = false;
  DType type = DType::kFloat64;  // array: its element type; scalar: a Python number's kFloat64, kInt64
                                 // or kBool, or a NumPy scalar's dtype
  const void* data = nullptr;    // array: the first element (C order)
  int rank = 0;                  // array: 1-4
  std::int64_t dims[4] = {0, 0, 0, 0};
  double f64 = 0.0;              // scalar: its value (both fields set, as Value::as_f64 / as_i64)
  std::int64_t i64 = 0;

  // A scalar as the general path reads it (Value::of_f64 / of_i64 / of_bool; of_f32 / of_i32 for a
  // NumPy scalar).
  static DirectInput of_scalar(const Value& v) {
    DirectInput in;
    in.type = v.type;
    in.f64 = v.as_f64();
    in.i64 = v.as_i64();
    return in;
  }
  // Array: axis `axis`, or the element count for axis -1.
  std::int64_t axis_or_count(int axis) const {
    if (axis >= 0) return dims[axis];
    std::int64_t n = 1;
    for (int a = 0; a < rank; ++a) n *= dims[a];
    return n;
  }
  std::size_t bytes() const { return static_cast<std::size_t>(axis_or_count(-1)) * static_cast<std::size_t>(elem_size(type)); }
};

class DirectCall {
 public:
  // Null unless `plan` is kernels without reductions or strided reads, all but the last over one
  // element writing scalars, whose operands are the program's inputs, constants, registers, those
  // scalars and its one array output (written by the last), every length taken from the inputs' shapes.
  static std::unique_ptr<DirectCall> of(const Plan& plan);

  // The output's shape for these inputs, after the checks Compiled::run makes (kinds, dtypes, ranks,
  // the plan's length checks). False when any fails or the kernel is too long for the calling
  // thread: the caller then takes the general path, which runs it or raises the error.
  bool shape(const DirectInput* inputs, std::size_t count, int& rank, std::int64_t* dims, std::int64_t& n) const;
  DType output_type() const { return output_type_; }
  // Whether a run can raise after writing (integer pow, a Python int narrowed to int32): a
  // caller's out= array must then not be written directly (run_into leaves it untouched).
  bool may_raise() const { return may_raise_; }
  // Runs the kernel over n elements (n from shape()) into `out`; raises the kernel's errors (an
  // int32 overflow of a Python int, an integer to a negative power) as Compiled::run does. False,
  // nothing written, when its registers do not fit the calling thread's stack buffer.
  bool run(const DirectInput* inputs, void* out, std::int64_t n) const;

 private:
  // Where a length comes from: a product of input axes (axis -1: an input's element count).
  struct Length {
    std::vector<std::pair<int, int>> factors;  // (input index, axis)
  };
  struct Source {
    enum Kind : std::uint8_t { kNone, kInput, kConstant, kOutput, kScratch } kind = kNone;
    int index = -1;  // kInput: the input; kScratch: the slot's place in scratch_slots_
    ScalarBits constant{};
  };
  // One kernel step: the steps before the last compute scalars the last one reads (a Python float
  // cast to float32); the last writes the output.
  struct Stage {
    std::shared_ptr<const Kernel> kernel;
    std::vector<Source> operands;  // per kernel operand
    bool scalar = false;           // runs over one element
  };
  struct Check {
    int input;
    int axis;  // -1: the element count
    Length expected;
  };
  static bool length_of(const Plan& plan, const LengthSource& s, const std::vector<int>& input_of_slot, Length& out);
  static std::int64_t evaluate(const Length& l, const DirectInput* inputs);

  static constexpr std::size_t kMaxInputs = 32;
  std::vector<Stage> stages_;
  std::vector<SlotKind> input_kinds_;        // per input
  std::vector<DType> input_types_;           // per input: its slot's type
  std::vector<int> input_ranks_;             // per input: plan.input_ranks
  std::vector<Check> checks_;
  std::vector<int> scratch_slots_;           // slots the kernels write besides the output (Source::kScratch)
  Length length_;                            // the kernel's element count
  std::vector<Length> output_dims_;          // empty: a 1-D output of `length_`
  DType output_type_ = DType::kFloat64;
  bool may_raise_ = false;
};

}  // namespace fuseflow::exec
