// Attributes of `reduce_axes` (an axis reduction: sum/prod/mean/var/min/max/argmin/argmax/any/all
// along a set of axes, NumPy's `axis=` and `keepdims=`).
//
// They are packed into Attributes::value (the const payload, otherwise unused by this op) so that
// every pass that compares or hashes attributes (CSE keys, operator==, the printer's round trip)
// distinguishes two reductions along different axes without learning a new field:
//   value.i = kind | axes << 8 | keepdims << 16 | square << 17,   value.f = ddof (var only, else 0).
#pragma once

#include <cstdint>
#include <optional>
#include <string_view>

#include "fuseflow/ir/program.h"

namespace fuseflow::ir {

// Result dtype: sum/prod: sum_result (bool/ints -> i64); mean/var: float_result; min/max: the
// operand's; argmin/argmax: i64 (exactly one axis, NumPy); any/all: bool. Empty reduced axes:
// sum 0, prod 1, mean/var NaN, any false, all true; min/max/argmin/argmax raise ValueError.
enum class AxisReduceKind : std::uint8_t { kSum, kProd, kMean, kVar, kMin, kMax, kArgMin, kArgMax, kAny, kAll };

struct AxisReduce {
  AxisReduceKind kind = AxisReduceKind::kSum;
  std::uint8_t axes = 0;   // bit k: axis k (of the operand) is reduced; never 0
  bool keepdims = false;   // reduced axes stay as length-1 axes ("1")
  double ddof = 0.0;       // var: divisor n - ddof (clamped at 0, as NumPy)
  // sum/mean of a float operand only: each element is squared in the operand's dtype (rounded
  // there) before it is accumulated, so the op equals the same reduction of `mul x, x` bit for
  // bit without that product being written out (algebraic_simplification folds it in).
  bool square = false;
};

AxisReduce axis_reduce_of(const Attributes& a);
Attributes axis_reduce_attrs(const AxisReduce& r);
const char* axis_reduce_kind_name(AxisReduceKind k);  // "sum", "prod", ..., "all"
std::optional<AxisReduceKind> parse_axis_reduce_kind(std::string_view s);
// The text format's '.'-parts after "reduce_axes": kind, "a<axes digits>", "keep"/"drop" and,
// for var, "ddof<n>" (n an integer; "ddofm1" for -1), or "sq" for a squaring sum/mean.
// E.g. reduce_axes.var.a12.drop.ddof1, reduce_axes.mean.a1.keep.sq
std::string axis_reduce_display(const AxisReduce& r);

}  // namespace fuseflow::ir
