#include "fuseflow/exec/direct_call.h"

#include <algorithm>

#include "exec/block_kernel.h"  // may_set_error_flags
#include "exec/executor_small.h"
#include "fuseflow/core/error.h"
#include "exec/graph_steps.h"  // raise_kernel_errors

namespace fuseflow::exec {

namespace {
constexpr std::size_t kMaxScratch = 64;       // slots of scalars and of length-1 kernels' values
constexpr std::size_t kMaxOperands = kSmallKernelMaxOperands;  // run_small_kernel_at refuses more
}  // namespace

bool DirectCall::length_of(const Plan& plan, const LengthSource& s, const std::vector<int>& input_of_slot, Length& out) {
  switch (s.kind) {
    case LengthSource::kOne: return true;
    case LengthSource::kArrayLength:
    case LengthSource::kArrayDim: {
      if (s.slot < 0 || static_cast<std::size_t>(s.slot) >= input_of_slot.size()) return false;
      const int input = input_of_slot[static_cast<std::size_t>(s.slot)];
      if (input < 0 || plan.slots[static_cast<std::size_t>(s.slot)].kind != SlotKind::kArray) return false;
      out.factors.emplace_back(input, s.kind == LengthSource::kArrayDim ? s.axis : -1);
      return true;
    }
    case LengthSource::kProduct:
      for (const LengthSource& f : s.factors) {
        if (!length_of(plan, f, input_of_slot, out)) return false;
      }
      return true;
    case LengthSource::kScalarValue:  // a count argument: checked for sign by the general path
    case LengthSource::kGraphNodes:
    case LengthSource::kGraphEdges: return false;
  }
  return false;
}

std::unique_ptr<DirectCall> DirectCall::of(const Plan& plan) {
  if (plan.steps.empty() || plan.output_slots.size() != 1) return nullptr;
  const int out_slot = plan.output_slots[0];
  if (plan.slots[static_cast<std::size_t>(out_slot)].kind != SlotKind::kArray) return nullptr;

  auto d = std::unique_ptr<DirectCall>(new DirectCall());
  std::vector<int> input_of_slot(plan.slots.size(), -1);
  for (std::size_t i = 0; i < plan.input_slots.size(); ++i) {
    const int slot = plan.input_slots[i];
    if (slot == out_slot) return nullptr;  // the output returned as an input: the general path copies it
    input_of_slot[static_cast<std::size_t>(slot)] = static_cast<int>(i);
    const SlotInfo& info = plan.slots[static_cast<std::size_t>(slot)];
    if (info.kind == SlotKind::kGraph) return nullptr;
    d->input_kinds_.push_back(info.kind);
    d->input_types_.push_back(info.type);
    d->input_ranks_.push_back(i < plan.input_ranks.size() ? plan.input_ranks[i] : 0);
  }
  if (d->input_kinds_.size() > kMaxInputs) return nullptr;
  std::vector<const ConstantInit*> constant_of_slot(plan.slots.size(), nullptr);
  for (const ConstantInit& c : plan.constants) constant_of_slot[static_cast<std::size_t>(c.slot)] = &c;

  std::vector<int> written;  // slots written by this stage or an earlier one
  for (std::size_t step = 0; step < plan.steps.size(); ++step) {
    const Step& st = plan.steps[step];
    const bool last = step + 1 == plan.steps.size();
    if (st.kind != Step::kKernel || !st.kernel) return nullptr;
    const Kernel& k = *st.kernel;
    if (!k.reductions.empty() || !k.strided_reads.empty() || k.operands.size() > kMaxOperands) return nullptr;
    // A scalar slot read as kArray happens in kernels over length-1 arrays only (everything is
    // materialised there); read at a stride over more elements it would run past its 8 bytes.
    const bool length_one = k.length.kind == LengthSource::kOne;
    Stage stage;
    stage.kernel = st.kernel;
    stage.scalar = !last;
    if (may_set_error_flags(k)) d->may_raise_ = true;
    for (int i : k.outputs) {
      const int slot = k.operands[static_cast<std::size_t>(i)].slot;
      // Steps before the last compute scalars (a Python float cast to float32, ...) the last one reads.
      if (!last && (!length_one || slot == out_slot || plan.slots[static_cast<std::size_t>(slot)].kind != SlotKind::kScalar)) {
        return nullptr;
      }
      // Besides the output, the last kernel writes slots only when it is over one element: so
      // every scratch slot holds one value.
      if (last && !length_one && slot != out_slot) return nullptr;
      if (input_of_slot[static_cast<std::size_t>(slot)] >= 0 || constant_of_slot[static_cast<std::size_t>(slot)] != nullptr) {
        return nullptr;  // written over an input or a constant: the general path's slots only
      }
      written.push_back(slot);
    }
    for (std::size_t i = 0; i < k.operands.size(); ++i) {
      const Operand& o = k.operands[i];
      Source src;
      if (o.kind == OperandKind::kStrided) return nullptr;
      if (o.kind != OperandKind::kRegister) {
        const auto slot = static_cast<std::size_t>(o.slot);
        const bool scalar_slot = plan.slots[slot].kind == SlotKind::kScalar;
        if (scalar_slot && o.kind == OperandKind::kArray && !length_one) return nullptr;
        if (o.slot == out_slot) {
          if (o.kind != OperandKind::kArray) return nullptr;
          src.kind = Source::kOutput;
        } else if (std::find(written.begin(), written.end(), o.slot) != written.end()) {
          // A value a kernel writes to a slot other than the output (a scalar of an earlier
          // step; every value of a kernel over length-1 arrays): call-local scratch per slot.
          src.kind = Source::kScratch;
          auto it = std::find(d->scratch_slots_.begin(), d->scratch_slots_.end(), o.slot);
          src.index = static_cast<int>(it - d->scratch_slots_.begin());
          if (it == d->scratch_slots_.end()) d->scratch_slots_.push_back(o.slot);
        } else if (input_of_slot[slot] >= 0) {
          src.kind = Source::kInput;
          src.index = input_of_slot[slot];
          // The kernel reads an input of its own type: what load_inputs leaves in the slot.
          if (o.type != plan.slots[slot].type) return nullptr;
        } else if (constant_of_slot[slot] != nullptr) {
          const ConstantInit& c = *constant_of_slot[slot];
          if (c.type != o.type) return nullptr;
          src.kind = Source::kConstant;
          store_scalar(c.type, c.f64, c.i64, !is_float(c.type), src.constant);
        } else {
          return nullptr;  // a value no step before computes
        }
      }
      stage.operands.push_back(src);
    }
    if (last) {
      const Operand* out_operand = nullptr;
      for (int i : k.outputs) {
        const Operand& o = k.operands[static_cast<std::size_t>(i)];
        if (o.slot == out_slot) out_operand = &o;
      }
      if (out_operand == nullptr) return nullptr;
      d->output_type_ = out_operand->type;
      if (d->output_type_ != plan.slots[static_cast<std::size_t>(out_slot)].type) return nullptr;
      if (!length_of(plan, k.length, input_of_slot, d->length_)) return nullptr;
    }
    d->stages_.push_back(std::move(stage));
  }
  if (d->scratch_slots_.size() > kMaxScratch) return nullptr;
  if (!plan.output_dims.empty() && !plan.output_dims[0].empty()) {
    for (const LengthSource& s : plan.output_dims[0]) {
      Length l;
      if (!length_of(plan, s, input_of_slot, l)) return nullptr;
      d->output_dims_.push_back(std::move(l));
    }
    if (d->output_dims_.size() > 4) return nullptr;
  }
  for (const InputLengthCheck& c : plan.input_checks) {
    Check check{c.input_index, c.axis, {}};
    if (!length_of(plan, c.expected, input_of_slot, check.expected)) return nullptr;
    d->checks_.push_back(std::move(check));
  }
  return d;
}

std::int64_t DirectCall::evaluate(const Length& l, const DirectInput* inputs) {
  std::int64_t n = 1;
  for (const auto& [input, axis] : l.factors) {
    n *= inputs[input].axis_or_count(axis);  // no overflow: shape() bounds every axis first
  }
  return n;
}

bool DirectCall::shape(const DirectInput* inputs, std::size_t count, int& rank, std::int64_t* dims, std::int64_t& n) const {
  if (count != input_kinds_.size()) return false;
  for (std::size_t i = 0; i < count; ++i) {
    const DirectInput& in = inputs[i];
    if (input_kinds_[i] == SlotKind::kArray) {
      if (!in.is_array || in.type != input_types_[i] || in.rank != input_ranks_[i] || in.rank < 1 || in.rank > 4) return false;
      // Element counts beyond a small kernel never take this path; bounding each axis first keeps
      // every product below (no overflow).
      for (int a = 0; a < in.rank; ++a) {
        if (in.dims[a] < 0 || in.dims[a] > kSmallKernelElements) return false;
      }
    } else if (in.is_array) {
      return false;
    }
  }
  for (const Check& c : checks_) {
    const DirectInput& in = inputs[c.input];
    if (c.axis >= in.rank) return false;
    if (in.axis_or_count(c.axis) != evaluate(c.expected, inputs)) return false;
  }
  n = evaluate(length_, inputs);
  if (n <= 0 || n > kSmallKernelElements) return false;
  if (output_dims_.empty()) {
    rank = 1;
    dims[0] = n;
    return true;
  }
  rank = static_cast<int>(output_dims_.size());
  std::int64_t total = 1;
  for (int a = 0; a < rank; ++a) {
    dims[a] = evaluate(output_dims_[static_cast<std::size_t>(a)], inputs);
    total *= dims[a];
  }
  return total == n;
}

bool DirectCall::run(const DirectInput* inputs, void* out, std::int64_t n) const {
  // Python numbers take the traced dtype, as Compiled::load_inputs converts them.
  ScalarBits converted[kMaxInputs];
  for (std::size_t i = 0; i < input_kinds_.size(); ++i) {
    if (!inputs[i].is_array) store_scalar(input_types_[i], inputs[i].f64, inputs[i].i64, !is_float(inputs[i].type), converted[i]);
  }
  // One value per scratch slot (see of()), a cache line each.
  constexpr std::size_t scratch_bytes = 64;
  alignas(64) unsigned char scratch[kMaxScratch * scratch_bytes];
  const void* sources[kMaxOperands];
  for (const Stage& stage : stages_) {
    for (std::size_t i = 0; i < stage.operands.size(); ++i) {
      const Source& s = stage.operands[i];
      sources[i] = nullptr;
      switch (s.kind) {
        case Source::kNone: break;
        case Source::kOutput: sources[i] = out; break;
        case Source::kConstant: sources[i] = s.constant.raw; break;
        case Source::kScratch: sources[i] = scratch + static_cast<std::size_t>(s.index) * scratch_bytes; break;
        case Source::kInput: {
          const DirectInput& in = inputs[s.index];
          sources[i] = in.is_array ? in.data : converted[s.index].raw;
          break;
        }
      }
    }
    std::uint32_t flags = 0;
    // False (nothing written to the caller's memory yet: only the last stage writes `out`) when
    // the kernel's registers do not fit run_small_kernel_at's stack buffer.
    if (!run_small_kernel_at(*stage.kernel, sources, stage.scalar ? 1 : n, nullptr, &flags)) return false;
    raise_kernel_errors(flags);
  }
  return true;
}

}  // namespace fuseflow::exec
