// Compiled::in_place_outputs: which outputs run_into (f(..., out=buf)) may let the run write
// straight into the caller's array instead of copying a fresh result into it.
#include <algorithm>

#include "exec/block_kernel.h"  // may_set_error_flags
#include "fuseflow/api/compiled.h"

namespace fuseflow {
namespace {

// Whether every length in `s` is known once the inputs are loaded (input shapes and values).
bool known_from_inputs(const exec::LengthSource& s, const std::vector<char>& is_input) {
  switch (s.kind) {
    case exec::LengthSource::kOne: return true;
    case exec::LengthSource::kProduct:
      for (const exec::LengthSource& f : s.factors) {
        if (!known_from_inputs(f, is_input)) return false;
      }
      return true;
    default: return s.slot >= 0 && static_cast<std::size_t>(s.slot) < is_input.size() && is_input[static_cast<std::size_t>(s.slot)];
  }
}

bool kernel_touches(const exec::Kernel& k, int slot) {
  for (const exec::Operand& o : k.operands) {
    if (o.slot == slot) return true;
  }
  for (const exec::KernelReduction& r : k.reductions) {
    if (r.result_slot == slot) return true;
  }
  return false;
}

// Steps whose every slot access is visible here: kernels, and row-block groups of kernels and
// axis reductions (the row-wise chains of softmax, layer-norm, ...).
bool transparent(const exec::Step& st) {
  if (st.kind == exec::Step::kKernel) return st.kernel != nullptr;
  if (st.kind != exec::Step::kRowBlocks || !st.rows) return false;
  return std::all_of(st.rows->body.begin(), st.rows->body.end(), [](const exec::Step& b) {
    return (b.kind == exec::Step::kKernel && b.kernel) || (b.kind == exec::Step::kAxisReduce && b.axis_reduce);
  });
}

// Axis steps that write their whole result once from an operand (scans, sorts, transposes): as
// the last step they may write the caller's array, which bind_in_place keeps apart from every input.
bool writes_whole_result(const exec::Step& st) {
  return st.kind == exec::Step::kAxis && st.axis && st.axis->op <= exec::AxisStep::kTranspose;
}

bool touches(const exec::Step& st, int slot) {
  if (st.kind == exec::Step::kKernel) return kernel_touches(*st.kernel, slot);
  for (const exec::Step& b : st.rows->body) {
    if (b.kind == exec::Step::kKernel ? kernel_touches(*b.kernel, slot)
                                      : b.axis_reduce->x_slot == slot || b.axis_reduce->out_slot == slot) {
      return true;
    }
  }
  return false;
}

// A step that can fail after writing part of its output (integer pow, a Python int narrowed to
// int32): such outputs are left to the copy, so a failed run leaves out= untouched. A row-block
// group writes its blocks in parallel, so any of its kernels counts.
bool may_fail_halfway(const exec::Step& st) {
  if (st.kind == exec::Step::kKernel) return exec::may_set_error_flags(*st.kernel);
  if (st.kind != exec::Step::kRowBlocks) return false;  // writes_whole_result: nothing can fail
  return std::any_of(st.rows->body.begin(), st.rows->body.end(), [](const exec::Step& b) {
    return b.kind == exec::Step::kKernel && exec::may_set_error_flags(*b.kernel);
  });
}

}  // namespace

// An output may be written in place when every step is a kernel or a row-block group of kernels
// and axis reductions (the last may also be a scan, sort or transpose), and the last step alone
// touches the output's slot:
// - a kernel writes each element once, after reading its inputs at that element;
// - a scan, sort or transpose writes its result after reading only its operand;
// - a row-block group writes the output's rows block by block into the full array it is given
//   (run_row_blocks), when no step of the group reads the slot before writing it (the slot is not
//   "sliced"): each block's rows are written, maybe read back and rewritten, by that block alone.
// Nothing reads the caller's array before the run writes it. The output's shape must be known
// from the inputs, so a wrong out= is refused before anything is written.
std::vector<Compiled::InPlaceOutput> Compiled::in_place_outputs(const exec::Plan& plan) {
  std::vector<InPlaceOutput> result(plan.output_slots.size());
  if (plan.steps.empty() || !std::all_of(plan.steps.begin(), plan.steps.end() - 1, transparent)) return result;
  const exec::Step& last = plan.steps.back();
  if (!transparent(last) && !writes_whole_result(last)) return result;
  if (may_fail_halfway(last)) return result;
  std::vector<char> is_input(plan.slots.size(), 0);
  for (int s : plan.input_slots) is_input[static_cast<std::size_t>(s)] = 1;
  for (std::size_t i = 0; i < plan.output_slots.size(); ++i) {
    const int slot = plan.output_slots[i];
    if (is_input[static_cast<std::size_t>(slot)] || plan.slots[static_cast<std::size_t>(slot)].kind != exec::SlotKind::kArray) continue;
    if (std::count(plan.output_slots.begin(), plan.output_slots.end(), slot) != 1) continue;
    bool elsewhere = false;
    for (std::size_t k = 0; k + 1 < plan.steps.size(); ++k) elsewhere = elsewhere || touches(plan.steps[k], slot);
    if (elsewhere) continue;
    std::vector<exec::LengthSource> dims = plan.output_dims[i];
    if (last.kind == exec::Step::kKernel) {
      const exec::Kernel& k = *last.kernel;
      const bool written = std::any_of(k.outputs.begin(), k.outputs.end(), [&](int out) {
        const exec::Operand& o = k.operands[static_cast<std::size_t>(out)];
        return o.slot == slot && o.kind == exec::OperandKind::kArray;
      });
      if (!written) continue;
      if (dims.empty()) dims.push_back(k.length);
    } else if (last.kind == exec::Step::kAxis) {
      const exec::AxisStep& a = *last.axis;
      if (a.out_slot != slot) continue;
      if (dims.empty()) {
        if (a.dims.size() != 1) continue;  // an N-d result's dims come with the plan's outputs
        dims.push_back(a.dims[0]);
      }
    } else {
      const exec::RowBlockStep& g = *last.rows;
      const auto at = std::find(g.escaping.begin(), g.escaping.end(), slot);
      if (at == g.escaping.end() || std::find(g.sliced.begin(), g.sliced.end(), slot) != g.sliced.end()) continue;
      if (dims.empty()) dims.push_back(g.escaping_lengths[static_cast<std::size_t>(at - g.escaping.begin())]);
    }
    bool known = true;
    for (const exec::LengthSource& d : dims) known = known && known_from_inputs(d, is_input);
    if (!known) continue;
    result[i].ok = true;
    result[i].dims = std::move(dims);
  }
  return result;
}

}  // namespace fuseflow
