// licm: loop-invariant code motion. An op in a loop or while region whose operands are all
// defined outside that loop (so it cannot depend on a carry, directly or through other ops) is
// moved just before the loop op. Every op is pure, so computing it once even when the loop runs
// zero times changes no result; ops that can raise at run time (opt/may_raise.h: min/max of an
// empty array, integer pow with a negative exponent, full/arange with a bad count, integer division
// by zero) stay where they are, since hoisting them could raise for a loop that never runs. Control
// ops are not hoisted themselves, but inner loops are processed first, so an invariant value
// climbs out of every loop it does not depend on.
#include <vector>

#include "fuseflow/opt/pass_manager.h"
#include "opt/ir_rewrite.h"
#include "opt/may_raise.h"

namespace fuseflow::opt {

namespace {

using ir::ValueId;

class Licm {
 public:
  explicit Licm(ir::Program& p) : p_(p), raises_(p), inside_(p.values.size(), 0) {}

  bool run() {
    block(p_.body);
    return changed_;
  }

 private:
  void block(ir::Block& b) {
    std::vector<ir::Op> ops;
    ops.reserve(b.ops.size());
    for (ir::Op& op : b.ops) {
      if (detail::is_control(op) && !detail::is_fused(op)) {
        for (ir::Block& region : op.regions) block(region);  // inner loops first
        for (ir::Block& region : op.regions) hoist_from(region, ops);
      }
      ops.push_back(std::move(op));
    }
    b.ops = std::move(ops);
  }

  // Moves the invariant ops of `region` (one region of the loop being processed) to `out`, which
  // receives the ops placed before the loop. Values that stay in the region are marked `inside_`;
  // values in regions nested deeper are invisible to this region's ops, so need no mark.
  void hoist_from(ir::Block& region, std::vector<ir::Op>& out) {
    for (ValueId a : region.args) inside_[static_cast<std::size_t>(a)] = 1;
    std::vector<ir::Op> kept;
    for (ir::Op& op : region.ops) {
      bool invariant = !detail::is_control(op) && !raises_.may_raise(op);
      for (ValueId v : op.operands) invariant = invariant && !inside_[static_cast<std::size_t>(v)];
      if (invariant) {
        out.push_back(std::move(op));
        changed_ = true;
      } else {
        for (ValueId r : op.results) inside_[static_cast<std::size_t>(r)] = 1;
        kept.push_back(std::move(op));
      }
    }
    region.ops = std::move(kept);
  }

  ir::Program& p_;
  detail::RaiseAnalysis raises_;
  std::vector<char> inside_;
  bool changed_ = false;
};

}  // namespace

bool licm(ir::Program& program) { return Licm(program).run(); }

}  // namespace fuseflow::opt
