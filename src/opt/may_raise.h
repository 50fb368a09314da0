// Which ops can raise (or signal) at run time. No pass may add, drop or move such an op past a
// point where it might not run (a zero-trip loop, a dead result), so results AND errors do not
// depend on which passes run (FUSEFLOW_DISABLE_PASSES). Each op's RaiseRule is a column of the op
// table (ir/ops.def); what each rule means:
//   kOnEmpty (min/max/argmin/argmax)  ValueError on an empty array; safe when the operand has length "1".
//   kIntNegativeExponent (integer pow)  ValueError for a negative exponent; safe when the exponent is a
//                           constant >= 0.
//   kBadCount (full/arange)  ValueError for a negative count, MemoryError for a huge one; safe when
//                           the count is num_nodes/num_edges/length (the size of something that
//                           exists) or a constant in [0, kSafeConstantCount].
//   kIntZeroDivisor (floor_div/mod on ints)  division by zero (NumPy gives 0 with a warning; the executor may
//                           signal it); safe when the divisor is a nonzero constant.
// Everything else is total (floats give NaN/inf; integers wrap). Allocation failure of an
// ordinary array op is not modelled: its size is that of arrays that already exist.
#pragma once

#include <optional>
#include <vector>

#include "fuseflow/ir/program.h"

namespace fuseflow::opt::detail {

// The elementwise rules (kIntNegativeExponent, kIntZeroDivisor) for an op computing in `compute`
// whose second operand is the constant `rhs` (nullptr: not a constant). Constant folding asks this
// too, so it never folds what the executor would raise or signal.
bool elementwise_may_raise(ir::RaiseRule rule, DType compute, const ir::ConstValue* rhs);

class RaiseAnalysis {
 public:
  // Largest constant count full/arange may have and still count as unable to fail.
  static constexpr std::int64_t kSafeConstantCount = std::int64_t{1} << 24;

  // Reads the program's constants and defining ops once; values added later count as unknown
  // (never constant), which only makes the answer more cautious.
  explicit RaiseAnalysis(const ir::Program& program);

  bool may_raise(const ir::Op& op) const;
  // may_raise for the op or anything inside its regions.
  bool contains_may_raise(const ir::Op& op) const;

 private:
  const ir::ConstValue* constant(ir::ValueId v) const;
  std::optional<ir::OpCode> defining_code(ir::ValueId v) const;

  const ir::Program& program_;
  std::vector<std::optional<ir::ConstValue>> constants_;
  std::vector<int> def_code_;  // -1: a block argument or unknown
};

}  // namespace fuseflow::opt::detail
