// Grouping of row-wise steps into RowBlockStep (exec/plan.h), after the program is lowered.
// A step is row-wise in R when every array it writes has R as its first axis, every full-length
// array it reads has R first too, and it computes each row from that row alone: an elementwise
// kernel without whole-array reductions or element indices (iota), or a reduction along axes
// that keep axis 0. Operands without R first (a (D,) row of weights, a scalar, a (1, D) array)
// are read whole: broadcasting aligns them on the right, so every row sees all of them.
#include <algorithm>
#include <memory>
#include <string>
#include <vector>

#include "lowerer.h"

namespace fuseflow::exec::lowering {

namespace {

constexpr ir::SymbolId kNotRows = -1;  // a scalar, a graph, or an array of rank < 2
constexpr ir::SymbolId kMixed = -2;    // the slot holds values of different first axes

void add_length_slots(const LengthSource& s, std::vector<int>& out) {
  if (s.slot >= 0) out.push_back(s.slot);
  for (const LengthSource& f : s.factors) add_length_slots(f, out);
}

// Slots a kernel or axis reduction reads (array operands, scalars, length sources) and writes;
// `arrays`: the reads taken at the step's own offsets (full-length arrays), a subset of `reads`.
struct Access {
  std::vector<int> reads, writes, strided, arrays;
  bool row_wise_kind = false;
};

Access access_of(const Step& s) {
  Access a;
  if (s.kind == Step::kKernel) {
    const Kernel& k = *s.kernel;
    a.row_wise_kind = k.reductions.empty() && !k.outputs.empty() &&
                      std::none_of(k.code.begin(), k.code.end(), [](const Instr& in) { return in.op == exec::OpCode::kIota; });
    for (std::size_t i = 0; i < k.operands.size(); ++i) {
      const Operand& o = k.operands[i];
      if (o.kind == OperandKind::kRegister) continue;
      const bool written = std::find(k.outputs.begin(), k.outputs.end(), static_cast<int>(i)) != k.outputs.end();
      if (written) a.writes.push_back(o.slot);
      else if (o.kind == OperandKind::kStrided) a.strided.push_back(o.slot);
      else a.reads.push_back(o.slot);
      if (!written && o.kind == OperandKind::kArray) a.arrays.push_back(o.slot);
    }
    for (const KernelReduction& r : k.reductions) a.writes.push_back(r.result_slot);
    add_length_slots(k.length, a.reads);
    for (const StridedRead& r : k.strided_reads) {
      for (const LengthSource& d : r.out_dims) add_length_slots(d, a.reads);
      for (const LengthSource& d : r.src_dims) add_length_slots(d, a.reads);
    }
  } else if (s.kind == Step::kAxisReduce) {
    const AxisReduceStep& r = *s.axis_reduce;
    a.row_wise_kind = (r.axes & 1) == 0 && !r.scalar_result;
    a.reads.push_back(r.x_slot);
    a.arrays.push_back(r.x_slot);
    a.writes.push_back(r.out_slot);
    for (const LengthSource& d : r.dims) add_length_slots(d, a.reads);
  }
  return a;
}

}  // namespace

void Lowerer::group_row_blocks(std::vector<Step>& steps) {
  // First axis of the values each slot holds.
  std::vector<ir::SymbolId> lead(plan_.slots.size(), kNotRows);
  std::vector<char> seen(plan_.slots.size(), 0);
  for (std::size_t v = 0; v < p_.values.size(); ++v) {
    const ir::Type& t = p_.values[v];
    const auto s = static_cast<std::size_t>(slot_[v]);
    const ir::SymbolId l = t.is_array() && t.rank >= 2 ? t.dims[0] : kNotRows;
    if (!seen[s]) {
      seen[s] = 1;
      lead[s] = l;
    } else if (lead[s] != l) {
      lead[s] = kMixed;
    }
  }
  // Symbols each slot's values have off axis 0 (every axis of a 1-D array). In a block's frame,
  // R reads as the block's row count wherever it appears, so a step touching R anywhere but as
  // axis 0 stays out of the groups: a square (n0, n0) array, or a (n0,) row of weights beside
  // (n0, n0) rows, would see n0 cut to the block's rows on its other axis too.
  std::vector<std::vector<ir::SymbolId>> off_lead(plan_.slots.size());
  for (std::size_t v = 0; v < p_.values.size(); ++v) {
    const ir::Type& t = p_.values[v];
    if (!t.is_array()) continue;
    auto& syms = off_lead[static_cast<std::size_t>(slot_[v])];
    if (t.rank <= 1) syms.push_back(t.length);
    for (int k = 1; k < t.rank; ++k) syms.push_back(t.dims[static_cast<std::size_t>(k)]);
  }
  auto lead_of = [&](int s) { return s >= 0 && static_cast<std::size_t>(s) < lead.size() ? lead[static_cast<std::size_t>(s)] : kMixed; };
  auto off_lead_has = [&](int s, ir::SymbolId r) {
    if (s < 0 || static_cast<std::size_t>(s) >= off_lead.size()) return false;
    const auto& syms = off_lead[static_cast<std::size_t>(s)];
    return std::find(syms.begin(), syms.end(), r) != syms.end();
  };
  // The R a step is row-wise in, or kNotRows.
  auto rows_of = [&](const Step& s) -> ir::SymbolId {
    if (s.kind != Step::kKernel && s.kind != Step::kAxisReduce) return kNotRows;
    const Access a = access_of(s);
    if (!a.row_wise_kind || a.writes.empty()) return kNotRows;
    const ir::SymbolId r = lead_of(a.writes[0]);
    if (r < 0) return kNotRows;
    for (int w : a.writes) {
      if (lead_of(w) != r) return kNotRows;
    }
    // Full-length arrays are read at the step's offsets: they must be row-wise in R too.
    for (int x : a.arrays) {
      if (lead_of(x) != r) return kNotRows;
    }
    for (int x : a.strided) {
      if (lead_of(x) == kMixed) return kNotRows;
    }
    for (const std::vector<int>* slots : {&a.reads, &a.writes, &a.strided}) {
      for (int x : *slots) {
        if (off_lead_has(x, r)) return kNotRows;
      }
    }
    return r;
  };

  std::vector<char> is_output(plan_.slots.size(), 0);
  for (int s : plan_.output_slots) is_output[static_cast<std::size_t>(s)] = 1;
  std::vector<Step> out;
  std::size_t i = 0;
  while (i < steps.size()) {
    const ir::SymbolId r = rows_of(steps[i]);
    std::size_t j = i;
    int reductions = 0;
    while (r >= 0 && j < steps.size() && rows_of(steps[j]) == r) reductions += steps[j++].kind == Step::kAxisReduce;
    const LengthSource rows = r >= 0 ? length_source(r) : LengthSource{};
    // Worth it with a reduction among several steps (else there is no temporary to keep in
    // cache); R must be read off axis 0 of an input, which the blocks then see cut to their rows.
    if (j - i < 2 || reductions == 0 || rows.kind != LengthSource::kArrayDim || rows.axis != 0) {
      out.push_back(std::move(steps[i++]));
      continue;
    }
    auto group = std::make_shared<RowBlockStep>();
    group->rows = rows;
    group->rows_slot = rows.slot;
    std::vector<int> written;
    for (std::size_t k = i; k < j; ++k) {
      const Access a = access_of(steps[k]);
      std::vector<int> reads = a.reads;
      reads.insert(reads.end(), a.strided.begin(), a.strided.end());
      for (int s : reads) {
        const bool produced = std::find(written.begin(), written.end(), s) != written.end();
        if (!produced && lead_of(s) == r && std::find(group->sliced.begin(), group->sliced.end(), s) == group->sliced.end()) {
          group->sliced.push_back(s);
        }
      }
      written.insert(written.end(), a.writes.begin(), a.writes.end());
    }
    if (std::find(group->sliced.begin(), group->sliced.end(), group->rows_slot) == group->sliced.end()) {
      group->sliced.push_back(group->rows_slot);
    }
    // What the steps after the group read: precisely for kernels and axis reductions, everything
    // the group wrote for any other step (a conservative copy out, never a missing value).
    std::vector<int> later;
    bool opaque = false;
    for (std::size_t k = j; k < steps.size(); ++k) {
      if (steps[k].kind != Step::kKernel && steps[k].kind != Step::kAxisReduce) {
        opaque = true;
        break;
      }
      const Access a = access_of(steps[k]);
      later.insert(later.end(), a.reads.begin(), a.reads.end());
      later.insert(later.end(), a.strided.begin(), a.strided.end());
    }
    // Each escaping slot's full length and type, from the last step of the group writing it.
    for (std::size_t k = j; k-- > i;) {
      const Step& s = steps[k];
      auto escape = [&](int slot, const LengthSource& length, DType type) {
        if (std::find(group->escaping.begin(), group->escaping.end(), slot) != group->escaping.end()) return;
        const bool read_later = opaque || std::find(later.begin(), later.end(), slot) != later.end();
        if (!read_later && !is_output[static_cast<std::size_t>(slot)]) return;
        group->escaping.push_back(slot);
        group->escaping_lengths.push_back(length);
        group->escaping_types.push_back(type);
      };
      if (s.kind == Step::kKernel) {
        for (int o : s.kernel->outputs) {
          const Operand& op = s.kernel->operands[static_cast<std::size_t>(o)];
          escape(op.slot, s.kernel->length, op.type);
        }
      } else {
        const AxisReduceStep& a = *s.axis_reduce;
        LengthSource length;
        length.kind = LengthSource::kProduct;
        for (std::size_t d = 0; d < a.dims.size(); ++d) {
          length.factors.push_back((a.axes >> d) & 1 ? LengthSource{} : a.dims[d]);  // kept axes (reduced: 1)
        }
        escape(a.out_slot, length, a.out_type);
      }
    }
    for (std::size_t k = i; k < j; ++k) group->body.push_back(std::move(steps[k]));
    Step g = make_step(Step::kRowBlocks, "row_blocks(" + std::to_string(j - i) + " steps)");
    g.rows = std::move(group);
    out.push_back(std::move(g));
    i = j;
  }
  steps = std::move(out);
}

}  // namespace fuseflow::exec::lowering
