// reduction_fusion: a reduction (sum, mean, min, max, argmin, argmax, dot, norm) over arrays of
// length L joins the nearest earlier `fused` op of length L whose position can provide its operands
// (they are that op's results or defined before it), so it is accumulated in the same pass over the
// elements instead of a pass of its own; the fused op yields the scalar. An array the fused op
// yielded only for reductions is then no longer written at all (it stays in registers).
//
//   %9 = fused { %5 = mul %0, %1; yield %5 }; %10 = sum %9
//   ->  %11 = fused { %5 = mul %0, %1; %10 = sum %5; yield %10 }
//
// A reduction whose operand is a plain (unfused) elementwise op becomes a fused op with it; two
// reductions over the same arrays share one fused op. Never fuses a reduction into an op that
// reads its result (impossible in SSA order: the fused op comes first) nor across loop regions.
// Results are bitwise equal to the unfused program: a reduction combines per-block partial results
// in block order either way.
#include <algorithm>
#include <utility>
#include <vector>

#include "fuseflow/opt/pass_manager.h"
#include "opt/fusion.h"

namespace fuseflow::opt {

namespace {

using ir::ValueId;

class ReductionFusion {
 public:
  explicit ReductionFusion(ir::Program& p) : p_(p) {}

  bool run() {
    detail::for_each_loop_block(p_.body, [this](ir::Block& b, bool) { block(b); });
    return changed_;
  }

 private:
  void block(ir::Block& b) {
    bool any = false;
    for (std::size_t i = 0; i < b.ops.size(); ++i) {
      if (!ir::is_reduction(b.ops[i].code)) continue;
      const ir::SymbolId length = detail::reduction_length(p_, b.ops[i]);
      if (length == ir::kNoSymbol || is_one(length)) continue;
      if (merge(b, i, length)) {
        any = true;
        --i;  // the reduction left position i
      }
    }
    changed_ = changed_ || any;
    drop_unread_yields(b);
  }

  bool is_one(ir::SymbolId s) const { return p_.symbols[static_cast<std::size_t>(s)].kind == ir::SymbolKind::kOne; }

  // Moves reduction b.ops[i] into a fused op before it; false when there is none to join.
  bool merge(ir::Block& b, std::size_t i, ir::SymbolId length) {
    const ir::Op& red = b.ops[i];
    for (std::size_t jj = i; jj-- > 0;) {
      ir::Op& cand = b.ops[jj];
      const bool fused = cand.code == ir::OpCode::kFused && detail::fused_length(p_, cand) == length;
      const bool plain = detail::is_fusible_elementwise(p_, cand) && p_.type(cand.results[0]).length == length &&
                         std::find(red.operands.begin(), red.operands.end(), cand.results[0]) != red.operands.end();
      if (!fused && !plain) continue;
      // Every operand must exist at the candidate's position: its result or defined before it.
      bool available = true;
      for (ValueId v : red.operands) {
        const bool from_cand = std::find(cand.results.begin(), cand.results.end(), v) != cand.results.end();
        const int at = detail::def_position(b, v, i);
        if (!from_cand && at >= static_cast<int>(jj)) available = false;
      }
      if (!available) continue;
      // A single elementwise op is wrapped first (it yields its value; drop_unread_yields trims it).
      if (plain) detail::wrap_in_fused(p_, b, jj);
      ir::Op& f = b.ops[jj];
      ir::Op moved = std::move(b.ops[i]);
      b.ops.erase(b.ops.begin() + static_cast<std::ptrdiff_t>(i));
      // Inside, read the fused op's inner values instead of its results.
      ir::Block& body = f.regions[0];
      for (ValueId& v : moved.operands) {
        auto it = std::find(f.results.begin(), f.results.end(), v);
        if (it != f.results.end()) v = body.yields[static_cast<std::size_t>(it - f.results.begin())];
      }
      const ValueId inner = moved.results[0];
      body.ops.push_back(std::move(moved));
      body.yields.push_back(inner);
      const ValueId result = detail::new_value(p_, p_.type(inner));
      f.results.push_back(result);
      detail::rename_in_block(p_, b, {{inner, result}});
      return true;
    }
    // None before it: a fused op of the reduction alone, which later reductions over the same
    // length can join (one left alone is unwrapped again by drop_unread_yields).
    detail::wrap_in_fused(p_, b, i);
    created_alone_.push_back(b.ops[i].results[0]);
    return false;
  }

  // Yields nobody reads any more are dropped (the value stays in registers); a fused op left
  // holding one reduction alone becomes that plain reduction again.
  void drop_unread_yields(ir::Block& b) {
    const std::vector<std::vector<int>> readers = detail::block_readers(p_, b);
    for (ir::Op& f : b.ops) {
      if (f.code != ir::OpCode::kFused) continue;
      ir::Block& body = f.regions[0];
      for (std::size_t k = f.results.size(); k-- > 0;) {
        // Reductions stay yielded even when unread: min/max of an empty array must still raise.
        if (!readers[static_cast<std::size_t>(f.results[k])].empty() || !p_.type(f.results[k]).is_array()) continue;
        if (f.results.size() == 1) break;  // a fused op yields something
        f.results.erase(f.results.begin() + static_cast<std::ptrdiff_t>(k));
        body.yields.erase(body.yields.begin() + static_cast<std::ptrdiff_t>(k));
      }
    }
    std::vector<std::pair<ValueId, ValueId>> unwrap;
    for (ir::Op& f : b.ops) {
      if (f.code != ir::OpCode::kFused || f.regions[0].ops.size() != 1 || f.results.size() != 1) continue;
      if (std::find(created_alone_.begin(), created_alone_.end(), f.results[0]) == created_alone_.end()) continue;
      ir::Op inner = std::move(f.regions[0].ops[0]);
      unwrap.emplace_back(f.results[0], inner.results[0]);
      f = std::move(inner);
    }
    detail::rename_in_block(p_, b, unwrap);
  }

  ir::Program& p_;
  bool changed_ = false;
  std::vector<ValueId> created_alone_;
};

}  // namespace

bool reduction_fusion(ir::Program& program) { return ReductionFusion(program).run(); }

}  // namespace fuseflow::opt
