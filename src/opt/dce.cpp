// dce: dead code elimination. An op is live when a result is used by a live op, a region yield of
// a live carry, or a program output; ops that can raise at run time (opt/may_raise.h: min/max of
// an empty array, integer pow with a negative exponent, full/arange with a bad count, integer
// division by zero) are always live, and so is every loop holding one, so no error disappears. Loop carries are pruned too: a carry is dead when its loop
// result is unused and its region argument only feeds computations of dead carries (and, for a
// while loop, not the condition). A loop left without live carries is removed. Program inputs and
// outputs are never touched.
#include <vector>

#include "fuseflow/opt/pass_manager.h"
#include "opt/ir_rewrite.h"
#include "opt/may_raise.h"

namespace fuseflow::opt {

namespace {

using ir::ValueId;

class Dce {
 public:
  explicit Dce(ir::Program& p) : p_(p), raises_(p), live_(p.values.size(), 0) {}

  bool run() {
    for (ValueId v : p_.body.yields) mark(v);
    sweep(p_.body);
    return changed_;
  }

 private:
  void mark(ValueId v) { live_[static_cast<std::size_t>(v)] = 1; }
  bool is_live(ValueId v) const { return live_[static_cast<std::size_t>(v)] != 0; }
  bool any_result_live(const ir::Op& op) const {
    for (ValueId r : op.results) {
      if (is_live(r)) return true;
    }
    return false;
  }

  // Marks, without changing anything, what `b` needs given the live marks of its yields and of the
  // values after it. Nested loops are treated whole (all their carries), which only over-approximates.
  void mark_block(const ir::Block& b, std::vector<char>& live) const {
    for (auto it = b.ops.rbegin(); it != b.ops.rend(); ++it) {
      const ir::Op& op = *it;
      bool needed = raises_.may_raise(op);
      for (ValueId r : op.results) needed = needed || live[static_cast<std::size_t>(r)];
      if (!needed && detail::is_control(op)) needed = raises_.contains_may_raise(op);
      if (!needed) continue;
      if (detail::is_fused(op)) {  // kept whole (see sweep): all it reads is needed
        std::vector<ValueId> reads;
        ir::collect_reads(op, reads);
        for (ValueId v : reads) live[static_cast<std::size_t>(v)] = 1;
        continue;
      }
      for (ValueId v : op.operands) live[static_cast<std::size_t>(v)] = 1;
      for (const ir::Block& region : op.regions) {
        for (ValueId y : region.yields) live[static_cast<std::size_t>(y)] = 1;
        mark_block(region, live);
      }
    }
  }

  // Removes dead ops of `b` (whose yields are already marked), back to front.
  void sweep(ir::Block& b) {
    std::vector<ir::Op> kept;
    for (auto it = b.ops.rbegin(); it != b.ops.rend(); ++it) {
      ir::Op& op = *it;
      bool keep = detail::is_fused(op)     ? any_result_live(op) || raises_.contains_may_raise(op)
                  : detail::is_control(op) ? sweep_loop(op)
                                           : (any_result_live(op) || raises_.may_raise(op));
      if (!keep) {
        changed_ = true;
        continue;
      }
      if (detail::is_fused(op)) {
        // Kept whole, dead inner ops included: everything it reads stays live.
        std::vector<ValueId> reads;
        ir::collect_reads(op, reads);
        for (ValueId v : reads) mark(v);
      }
      for (ValueId v : op.operands) mark(v);
      kept.push_back(std::move(op));
    }
    b.ops.assign(std::make_move_iterator(kept.rbegin()), std::make_move_iterator(kept.rend()));
  }

  // Prunes dead carries of a loop/while op and sweeps its regions; false when the op is dead.
  bool sweep_loop(ir::Op& op) {
    const bool is_while = op.code == ir::OpCode::kWhile;
    const std::size_t carries = op.results.size();
    const std::size_t first_init = is_while ? 0 : 1;  // loop: operand 0 is the count
    ir::Block& body = op.regions.back();
    std::vector<char> carry_live(carries, 0);
    bool pinned = raises_.contains_may_raise(op);  // keep every carry: an error inside must stay
    for (std::size_t k = 0; k < carries; ++k) carry_live[k] = pinned || is_live(op.results[k]);
    // Fixed point: a carry is live if a live carry's (or the condition's) computation reads it.
    for (bool grew = true; grew;) {
      grew = false;
      std::vector<char> scratch = live_;
      if (is_while) {
        scratch[static_cast<std::size_t>(op.regions[0].yields.at(0))] = 1;
        mark_block(op.regions[0], scratch);
      }
      for (std::size_t k = 0; k < carries; ++k) {
        if (carry_live[k]) scratch[static_cast<std::size_t>(body.yields[k])] = 1;
      }
      mark_block(body, scratch);
      for (std::size_t k = 0; k < carries; ++k) {
        bool read = scratch[static_cast<std::size_t>(body.args[k])] ||
                    (is_while && scratch[static_cast<std::size_t>(op.regions[0].args[k])]);
        if (read && !carry_live[k]) carry_live[k] = 1, grew = true;
      }
    }
    bool any = false;
    for (char c : carry_live) any = any || c;
    if (!any && !pinned) return false;  // a loop without carries still runs what may raise
    // Drop dead carries everywhere they appear: init operand, region args, body yield, result.
    std::vector<ValueId> operands(op.operands.begin(), op.operands.begin() + static_cast<std::ptrdiff_t>(first_init));
    std::vector<ValueId> results, body_yields;
    std::vector<std::vector<ValueId>> args(op.regions.size());
    for (std::size_t k = 0; k < carries; ++k) {
      if (!carry_live[k]) {
        changed_ = true;
        continue;
      }
      operands.push_back(op.operands[first_init + k]);
      results.push_back(op.results[k]);
      body_yields.push_back(body.yields[k]);
      for (std::size_t r = 0; r < op.regions.size(); ++r) args[r].push_back(op.regions[r].args[k]);
    }
    op.operands = std::move(operands);
    op.results = std::move(results);
    body.yields = std::move(body_yields);
    for (std::size_t r = 0; r < op.regions.size(); ++r) op.regions[r].args = std::move(args[r]);
    for (ir::Block& region : op.regions) {
      for (ValueId y : region.yields) mark(y);
      sweep(region);
    }
    return true;
  }

  ir::Program& p_;
  detail::RaiseAnalysis raises_;
  std::vector<char> live_;
  bool changed_ = false;
};

}  // namespace

bool dce(ir::Program& program) { return Dce(program).run(); }

}  // namespace fuseflow::opt
