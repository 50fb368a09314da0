// Plan::describe(): the execution plan as text, one line per step (f.ir(optimized=True), profiles).
#include <string>
#include <vector>

#include "fuseflow/exec/plan.h"

namespace fuseflow::exec {

namespace {

void describe_steps(const std::vector<Step>& steps, const Plan& plan, int depth, std::string& out) {
  for (const Step& s : steps) {
    out.append(static_cast<std::size_t>(depth) * 2, ' ');
    out += "step " + std::to_string(s.profile_id) + ": " + s.label;
    const Kernel* kernel = s.kind == Step::kKernel ? s.kernel.get()
                           : s.kind == Step::kNeighborAgg ? s.agg.epilogue.get() : nullptr;
    if (kernel != nullptr) {
      const Kernel& k = *kernel;
      out += "  (" + std::to_string(k.code.size()) + " instrs, " + std::to_string(k.num_registers) + " registers";
      std::string written;
      for (int o : k.outputs) written += " " + plan.slots[static_cast<std::size_t>(k.operands[static_cast<std::size_t>(o)].slot)].name;
      for (const KernelReduction& r : k.reductions) written += " " + plan.slots[static_cast<std::size_t>(r.result_slot)].name;
      if (!written.empty()) out += ", writes" + written;
      out += ")";
    }
    out += "\n";
    if (s.kind == Step::kLoop) {
      if (s.loop->frontier_mask >= 0) {
        // lower_frontier.cpp proved the body idle outside the frontier: iterations may run sparsely.
        out.append(static_cast<std::size_t>(depth + 1) * 2, ' ');
        out += "frontier: " + plan.slots[static_cast<std::size_t>(s.loop->carry_slots[static_cast<std::size_t>(s.loop->frontier_mask)])].name +
               " (sparse iterations while its edges are few)";
        if (s.loop->frontier_guard) out += "; dense ones fold where " + s.loop->frontier_guard->label;
        if (s.loop->frontier_min_plus >= 0) {
          out += "; min-plus fixpoint of " +
                 plan.slots[static_cast<std::size_t>(s.loop->carry_slots[static_cast<std::size_t>(s.loop->frontier_min_plus)])].name +
                 ": delta-stepping when weights >= 0";
        }
        out += "\n";
      }
      if (!s.loop->cond.empty()) {
        out.append(static_cast<std::size_t>(depth + 1) * 2, ' ');
        out += "cond:\n";
        describe_steps(s.loop->cond, plan, depth + 2, out);
        out.append(static_cast<std::size_t>(depth + 1) * 2, ' ');
        out += "body:\n";
      }
      describe_steps(s.loop->body, plan, depth + 1, out);
    }
    if (s.kind == Step::kRowBlocks) describe_steps(s.rows->body, plan, depth + 1, out);
  }
}

}  // namespace

std::string Plan::describe() const {
  std::string out;
  describe_steps(steps, *this, 0, out);
  return out;
}

}  // namespace fuseflow::exec
