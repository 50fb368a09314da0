// Fused edge values (issue 12 item 5): a semiring neighbor_agg whose weights are an elementwise
// function of per-edge values only it reads --
//
//   %3 = edge_src %g, %h; %4 = edge_dst %g, %h
//   %5 = fused { exp(%3 * %a - %4) }               (E-length, read by the aggregation alone)
//   %9 = neighbor_agg.sum.in.second %g, %h, %5
//
// -- computes those weights per batch of edges inside its pull (exec/edge_values.cpp): the
// gathers and the kernel are absorbed into the aggregation step and no E-length array is written.
// The kernel keeps its instructions; its operands are filled per edge: an absorbed edge_src(x) /
// edge_dst(y) from x at the edge's source / y at its target, any other E-length array (the user's
// edge arrays, a gather something else also reads) at the edge's user id, scalars as before.
//
// Done on the steps just lowered, where they stand: the kernel must be the step right before the
// aggregation and absorbed gathers in the run of gathers right before it, so every array they
// read still holds the same values when the aggregation runs. Not for "both" (an edge is pulled
// twice), a plain aggregation other than a float64 weighted sum, or a kernel with
// reductions, strided reads, or more than one output.
#include <algorithm>
#include <vector>

#include "lowerer.h"

namespace fuseflow::exec::lowering {

namespace {

// Values an op reads from outside itself (a fused op's region reads outer values directly).
void external_reads(const ir::Op& op, std::vector<ValueId>& out) {
  if (op.code != OpCode::kFused) {
    for (ValueId v : op.operands) out.push_back(v);
    return;
  }
  std::vector<ValueId> inside;
  for (const ir::Block& r : op.regions) {
    for (ValueId a : r.args) inside.push_back(a);
    for (const ir::Op& inner : r.ops) {
      for (ValueId v : inner.operands) {
        if (std::find(inside.begin(), inside.end(), v) == inside.end()) out.push_back(v);
      }
      for (ValueId res : inner.results) inside.push_back(res);
    }
  }
  for (ValueId v : op.operands) out.push_back(v);
}

}  // namespace

void Lowerer::fuse_edge_values(const ir::Op& agg_op, std::vector<Step>& steps) {
  if (steps.size() < 2 || current_block_ == nullptr || agg_op.operands.size() < 3) return;
  Step& s = steps.back();
  NeighborAggStep& a = s.agg;
  const bool takes_weights = a.combine == AggCombine::kMul || a.combine == AggCombine::kAdd || a.combine == AggCombine::kSecond;
  // A plain weighted sum of float64 is the semiring sum of x * w: the same products, added in the
  // same order from the same zero (mean divides by the weights' sum instead, so it stays).
  const bool plain_sum = a.combine == AggCombine::kNone && a.op == AggOp::kSum && a.in_type == DType::kFloat64 &&
                         a.out_type == DType::kFloat64 && a.x_slot >= 0;
  if (s.kind != Step::kNeighborAgg || !(takes_weights || plain_sum) || a.direction == AggDirection::kBoth || a.weights_slot < 0 || a.prologue) {
    return;
  }
  const Step& ks = steps[steps.size() - 2];
  if (ks.kind != Step::kKernel || !ks.kernel) return;
  const Kernel& k = *ks.kernel;
  if (!k.reductions.empty() || !k.strided_reads.empty() || k.outputs.size() != 1 ||
      k.operands[static_cast<std::size_t>(k.outputs[0])].slot != a.weights_slot) {
    return;
  }
  for (const Instr& in : k.code) {
    if (in.op == exec::OpCode::kIota || in.op == exec::OpCode::kReduce) return;
  }
  // The weights' value and the op computing it (in this block), which must be their only reader.
  const ValueId w = agg_op.operands[2];
  if (slot(w) != a.weights_slot) return;
  const ir::Op* producer = nullptr;
  for (const ir::Op& op : current_block_->ops) {
    if (std::find(op.results.begin(), op.results.end(), w) != op.results.end()) producer = &op;
  }
  if (producer == nullptr || users_[static_cast<std::size_t>(w)].size() != 1 || escapes_[static_cast<std::size_t>(w)]) return;
  std::vector<ValueId> reads;
  external_reads(*producer, reads);
  // The run of gathers right before the kernel.
  std::size_t run_begin = steps.size() - 2;
  while (run_begin > 0 && steps[run_begin - 1].kind == Step::kEdgeGather) --run_begin;

  std::vector<NeighborAggStep::EdgeRead> edge_reads(k.operands.size());
  std::vector<std::size_t> absorbed;  // indices of gather steps to remove
  for (std::size_t o = 0; o < k.operands.size(); ++o) {
    const Operand& op = k.operands[o];
    if (op.kind == OperandKind::kStrided) return;
    if (op.kind != OperandKind::kArray) continue;
    // The value this operand reads, if it reads one from outside the kernel.
    ValueId v = ir::kNoValue;
    for (ValueId r : reads) {
      if (p_.type(r).is_array() && slot(r) == op.slot) v = r;
    }
    if (v == ir::kNoValue) {
      if (op.slot != a.weights_slot) return;  // neither an input nor the weights
      continue;                                // kComputed
    }
    const ir::Type& t = p_.type(v);
    if (t.rank > 1 || t.length != p_.type(w).length) return;  // only E-length arrays
    NeighborAggStep::EdgeRead read;
    read.kind = NeighborAggStep::EdgeRead::kEdgeArray;
    // An edge_src / edge_dst read by the kernel alone: absorbed, its node array read per edge.
    for (std::size_t i = run_begin; i + 2 < steps.size(); ++i) {
      const EdgeGatherStep& gs = steps[i].gather;
      if (gs.out_slot != op.slot) continue;
      if (users_[static_cast<std::size_t>(v)].size() != 1 || escapes_[static_cast<std::size_t>(v)]) break;
      read.kind = gs.source ? NeighborAggStep::EdgeRead::kSource : NeighborAggStep::EdgeRead::kTarget;
      read.node_slot = gs.x_slot;
      if (std::find(absorbed.begin(), absorbed.end(), i) == absorbed.end()) absorbed.push_back(i);
    }
    edge_reads[o] = read;
  }
  Step agg = std::move(steps.back());
  agg.agg.edge_kernel = ks.kernel;
  agg.agg.edge_reads = std::move(edge_reads);
  agg.agg.weights_slot = -1;  // never written: computed per batch
  if (plain_sum) agg.agg.combine = AggCombine::kMul;
  agg.label += " <- " + ks.kernel->label + " per edge";
  steps.pop_back();
  steps.pop_back();
  std::sort(absorbed.rbegin(), absorbed.rend());
  for (std::size_t i : absorbed) steps.erase(steps.begin() + static_cast<std::ptrdiff_t>(i));
  steps.push_back(std::move(agg));
}

}  // namespace fuseflow::exec::lowering
