// Helpers shared by the optimizer passes (not a public header): walking blocks, constants and
// replacing all uses of a value (SSA + length symbols). Which ops may raise: opt/may_raise.h.
#pragma once

#include <optional>
#include <vector>

#include "fuseflow/ir/program.h"

namespace fuseflow::opt::detail {

// Ops with regions: loop, while, and the fused ops of the lowering passes.
bool is_control(const ir::Op& op);
// fused / fused_agg: opaque to the simplification passes (they run before fusion; when a lowered
// program is optimized again they neither look inside nor move these ops).
bool is_fused(const ir::Op& op);

// An array cast to its own type: an explicit copy into a buffer of its own (distinct_outputs makes
// them so that no two outputs share a buffer; the Builder never makes a cast that changes nothing).
// Simplification keeps them: removing or merging one would make two outputs one buffer again.
bool is_copy(const ir::Program& program, const ir::Op& op);

// Calls f(block) for `block` and every region nested in it, outer blocks first.
template <class F>
void for_each_block(ir::Block& block, F&& f) {
  f(block);
  for (ir::Op& op : block.ops) {
    for (ir::Block& region : op.regions) for_each_block(region, f);
  }
}
template <class F>
void for_each_block(const ir::Block& block, F&& f) {
  f(block);
  for (const ir::Op& op : block.ops) {
    for (const ir::Block& region : op.regions) for_each_block(region, f);
  }
}

// Value of each `const` op's result, indexed by ValueId (nullopt: not a constant).
std::vector<std::optional<ir::ConstValue>> collect_constants(const ir::Program& program);

// Bit-exact equality (0.0 vs -0.0 differ, NaN equals itself): what "same constant" means.
bool same_bits(const ir::ConstValue& a, const ir::ConstValue& b);

// Numeric view of a constant of dtype `dtype`: float dtypes read `f` (rounded to float32 for f32
// constants, as the executor stores them), integers and bool read `i`.
double const_as_double(const ir::ConstValue& c, DType dtype);
bool const_is_zero(const ir::ConstValue& c, DType dtype);          // 0, +0.0 or -0.0, false
bool const_is_negative_zero(const ir::ConstValue& c, DType dtype);  // -0.0 exactly
bool const_is_positive_zero(const ir::ConstValue& c, DType dtype);  // +0.0 / 0 / false
bool const_is_one(const ir::ConstValue& c, DType dtype);            // 1, 1.0, true

// Replaces every use of values by other values, with chains resolved (a -> b -> c). Uses are
// operands and yields anywhere in the program. A value that is a runtime length symbol's source
// (full/arange count) is handled too: arrays of that length get the symbol the replacement value
// implies (its own runtime symbol, or N/E/an input's length when it is num_nodes/num_edges/length),
// so types stay what the verifier infers.
class ValueRewriter {
 public:
  explicit ValueRewriter(ir::Program& program);
  // Every later use of `old_value` becomes `new_value`; types are updated immediately.
  void replace(ir::ValueId old_value, ir::ValueId new_value);
  ir::ValueId resolve(ir::ValueId v) const;
  // Rewrites all operands and yields in the program and removes the (now unused) ops whose result
  // was replaced. Returns true if anything was replaced.
  bool apply();
  bool any() const { return any_; }

 private:
  void remap_symbol(ir::ValueId old_value, ir::ValueId new_value);

  ir::Program& program_;
  std::vector<ir::ValueId> replacement_;
  bool any_ = false;
};

}  // namespace fuseflow::opt::detail
