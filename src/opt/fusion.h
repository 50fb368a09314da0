// Helpers shared by the lowering passes (elementwise_fusion, reduction_fusion, neighbor_fusion,
// memory_planning): what may be fused, who reads a value within a block, building `fused` ops and
// renaming the uses of the values they now yield. Not a public header.
#pragma once

#include <vector>

#include "fuseflow/ir/program.h"

namespace fuseflow::opt::detail {

// An op a fused kernel evaluates per element: elementwise ops, full and arange, with an array result.
bool is_fusible_elementwise(const ir::Program& p, const ir::Op& op);
// The length a reduction runs over: its (first) array operand's symbol; kNoSymbol when it reads
// no array (a reduction of a scalar runs as a scalar step and is never fused).
ir::SymbolId reduction_length(const ir::Program& p, const ir::Op& op);
// The element count of a fused op: its region argument's (fused_agg epilogue) or ir::kernel_length.
ir::SymbolId fused_length(const ir::Program& p, const ir::Op& fused);
// Symbol of a graph's node count (kNoSymbol when the graph has none).
ir::SymbolId nodes_symbol_of(const ir::Program& p, ir::ValueId graph);

// Calls f(block, in_loop_body) on the bodies of loop/while ops (inner loops first), then on `b`;
// never inside fused regions: the lowering passes transform each block on its own.
template <class F>
void for_each_loop_block(ir::Block& b, F&& f, bool in_loop_body = false) {
  for (ir::Op& op : b.ops) {
    if (op.code != ir::OpCode::kLoop && op.code != ir::OpCode::kWhile) continue;
    for (ir::Block& r : op.regions) for_each_loop_block(r, f, true);
  }
  f(b, in_loop_body);
}

// Position in `b` of the op among the first `before` defining v (-1: defined elsewhere).
int def_position(const ir::Block& b, ir::ValueId v, std::size_t before);

// Whether `op` reads (ir::collect_reads) any value v with set[v] != 0.
bool reads_any(const ir::Op& op, const std::vector<char>& set);

// For each value, the indices of the ops of `b` reading it (inside their regions included);
// a value yielded by `b` gets the index b.ops.size().
std::vector<std::vector<int>> block_readers(const ir::Program& p, const ir::Block& b);

// A new value of type `t` (the storage table, when present, grows with it).
ir::ValueId new_value(ir::Program& p, const ir::Type& t);

// Wraps `ops` (in order; array values of one length) into one `fused` op yielding each value
// v of theirs with yield_value[v] set, in definition order; appends (old value, fused result)
// to `renamed`.
ir::Op make_fused(ir::Program& p, std::vector<ir::Op> ops, const std::vector<char>& yield_value,
                  std::vector<std::pair<ir::ValueId, ir::ValueId>>& renamed);

// Replaces b.ops[at] (one result) by a fused op holding it and yielding that result, renaming
// the uses of the result in `b`.
void wrap_in_fused(ir::Program& p, ir::Block& b, std::size_t at);

// Replaces uses (operands, region yields, nested) per `rename` (kNoValue = keep), in `op`.
void rename_uses(ir::Op& op, const std::vector<ir::ValueId>& rename);
// The same for all ops of `b` and b's yields, except inside the region that defines a renamed
// value (its own readers keep the inner value). Runtime length symbols follow their source.
void rename_in_block(ir::Program& p, ir::Block& b, const std::vector<std::pair<ir::ValueId, ir::ValueId>>& renamed);

}  // namespace fuseflow::opt::detail
