// The fuseflow IR: a typed SSA program with structured loop regions.
//
// MODEL (read this to lower the IR)
// - A Program has one top-level Block (`body`): its `args` are the program inputs, in call order,
//   its `ops` run in order, its `yields` are the program outputs. Values are numbered by ValueId,
//   an index into `values` (their types). Every value is defined exactly once: as a block arg or
//   as an op result. An op may use any value defined earlier in its own block or in an enclosing
//   block (loop bodies read outer values such as a graph or a degree array directly).
// - Types (ir/types.h): Scalar<dtype> (maybe "weak" = Python scalar), Array<dtype, length>, Graph.
//   Array lengths are symbols (N/E of a graph, an input's length, "1", or a runtime count value);
//   shape compatibility is settled when the IR is built, so the executor only checks at run time
//   that inputs sharing a symbol really have equal lengths (and match the graph's N/E).
// - Elementwise ops broadcast: operands are scalars or arrays; an array of length "1" broadcasts
//   to the other array's length. The result is an array iff some operand is an array.
// - Implicit casts are explicit: after the Builder, every operand of an arithmetic / comparison /
//   minimum/maximum / where / clip op has exactly the op's compute dtype (weakness aside); the
//   Builder inserted `cast` ops where NumPy promotion converts. So a kernel never converts types
//   except in `cast`. Exceptions: `where`'s condition is bool; `pow` with float base and integer
//   exponent does not occur (the exponent is cast too).
// - Control flow: `loop` (operands: count, init...; one region whose args are the carries; runs
//   the region `count` times, each time its yields become the next carries; results = last carries;
//   count <= 0 runs it zero times). `while` (operands: init...; regions [cond, body], both with the
//   carries as args; cond yields one bool scalar; loop while it is true). Carries keep their type:
//   a region arg has the init's type (never weak), yields have the same kind, dtype and length.
//   Executors swap carry buffers between iterations (no copies).
// - Semantics per op: see OpCode in ir/ops.h.
// - Text format (ir/text.h), e.g.
//       func @pagerank(%0:graph, %1:~f64, %2:~i64) {
//         %3:i64[N] = out_degree %0
//         %7:f64[N] = neighbor_agg.sum.in %0, %6
//         %9:f64[N] = loop %2, %8 {
//         ^(%10:f64[N]):
//           ...
//           yield %15
//         }
//         return %9
//       }
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <vector>

#include "fuseflow/ir/ops.h"
#include "fuseflow/ir/types.h"

namespace fuseflow::ir {

struct SourceLocation {
  std::string file;  // the user's Python file (or C++ file); empty = unknown
  int line = 0;
  bool known() const { return !file.empty(); }
  std::string str() const { return file + ":" + std::to_string(line); }
  bool operator==(const SourceLocation&) const = default;
};

// Constant payload of a `const` op: the value in the widest type of its kind.
struct ConstValue {
  double f = 0.0;        // float dtypes
  std::int64_t i = 0;    // integer dtypes and bool (0/1)
  bool operator==(const ConstValue&) const = default;
};

struct Attributes {
  AggOp agg = AggOp::kSum;                 // neighbor_agg
  Direction direction = Direction::kIn;    // neighbor_agg
  Combine combine = Combine::kNone;        // neighbor_agg/fused_agg (semiring)
  bool active = false;                     // neighbor_agg/fused_agg: last operand is a bool[N] source mask
  NormKind norm = NormKind::kL2;           // norm
  ConstValue value;                        // const
  int axis = 0;                            // cumsum ... argsort, take (FF_AXIS rows): the axis, in [0, rank)
  std::array<std::int8_t, kMaxRank> perm{0, 1, 2, 3};  // transpose: result axis k is operand axis perm[k]
  // cast: the target dtype is the result's dtype (no attribute).
  bool operator==(const Attributes&) const = default;
};

struct Op;

// Loop and while regions nest at most this deep: the program's body is depth 0, a loop's body in
// it depth 1. A fused / fused_agg region holds no regions, so it may sit one level deeper (the
// fusion passes wrap ops of the deepest loop body). The Builder (so the tracer and the text
// parser) and verify() reject deeper programs with a ValueError naming the limit, which bounds
// every recursive walk over regions (verifier, printer, optimizer passes, the executor's lowering)
// to a small part of any thread's stack, sanitizer builds included.
inline constexpr int kMaxRegionDepth = 256;

struct Block {
  std::vector<ValueId> args;    // block arguments (program inputs, loop carries)
  std::vector<Op> ops;
  std::vector<ValueId> yields;  // program outputs, or the region's yielded values
};

struct Op {
  OpCode code = OpCode::kConst;
  std::vector<ValueId> operands;
  std::vector<ValueId> results;  // one result, except loop/while: one per carry
  Attributes attrs;
  std::vector<Block> regions;    // loop: [body]; while: [cond, body]; others: none
  SourceLocation loc;
};

struct Program {
  std::string name = "main";
  std::vector<Type> values;            // type of each ValueId
  std::vector<LengthSymbol> symbols;   // interned length symbols, referenced by Type::length
  Block body;                          // args = inputs, yields = outputs
  // Buffer sharing decided by memory planning (opt/memory_planning.cpp); empty or one entry per
  // value. storage[v] = u: array v is written into the buffer that held u, whose last use is at
  // or before v's defining op (at it: an in-place update). Printed `%9:f64[N]@%5`. kNoValue: own
  // buffer. A fused_agg's aggregate (its epilogue's argument) may name one of the op's results.
  std::vector<ValueId> storage;

  const Type& type(ValueId v) const { return values.at(static_cast<std::size_t>(v)); }
  const std::vector<ValueId>& inputs() const { return body.args; }
  const std::vector<ValueId>& outputs() const { return body.yields; }
  // Printable name of a symbol: "1", "N", "E", "N1", "n0", or "%<ValueId>" (runtime; the printer
  // renumbers it to the printed value number).
  std::string symbol_name(SymbolId s) const;
  ValueId storage_of(ValueId v) const {
    return static_cast<std::size_t>(v) < storage.size() ? storage[static_cast<std::size_t>(v)] : kNoValue;
  }
  // Interns a symbol; returns its id.
  SymbolId intern(const LengthSymbol& s);
};

// Every value `op` reads: its operands, and the operands and yields of the ops in its regions
// (appended to `out`, repeats included).
void collect_reads(const Op& op, std::vector<ValueId>& out);

// The element count of a kernel made of `ops` (a fused region's body): the length of the first
// array result, or of a reduction's array operand; kNoSymbol when every value is a scalar.
// Values out of the program's range are skipped (the verifier calls it before checking them).
SymbolId kernel_length(const Program& program, const std::vector<Op>& ops);

// The element-count symbol of a shape: "1" when every axis is "1", the one axis that is not "1",
// else the kProduct of those axes (found or interned through `lookup`).
SymbolId shape_length(const Program& program, const SymbolId* dims, int rank,
                      const std::function<SymbolId(const LengthSymbol&)>& lookup);

// Throws fuseflow::Error (kInvalidValue, or kInvalidType for dtype rules) naming the op, the value
// and the rule (and the op's source location when known) if the program is not well formed:
// use before definition or outside scope, wrong operand count/kind/dtype, result type different
// from the inferred one, loop carries changing type, bad symbol, regions nested deeper than
// kMaxRegionDepth, a fused region yielding one value twice, storage sharing a live buffer.
void verify(const Program& program);

}  // namespace fuseflow::ir
