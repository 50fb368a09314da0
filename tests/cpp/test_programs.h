// IR programs shared by the C++ tests.
#pragma once

#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/program.h"

namespace fuseflow::testing {

// The PageRank program of DESIGN.md, built op by op the way the tracer builds it
// (inputs: graph, damping, iterations; every op located at pr.py:3).
inline ir::Program pagerank_program() {
  using ir::OpCode;
  using ir::ValueId;
  ir::Builder b("pagerank");
  ValueId g = b.add_graph_input();
  ValueId damping = b.add_scalar_input(DType::kFloat64, true);
  ValueId iters = b.add_scalar_input(DType::kInt64, true);
  b.set_location({"pr.py", 3});
  ValueId n = b.num_nodes(g);
  ValueId deg = b.out_degree(g);
  ValueId inv = b.where(b.binary(OpCode::kGt, deg, b.constant_int(0)), b.binary(OpCode::kDiv, b.constant_float(1.0), deg),
                        b.constant_float(0.0));
  ValueId init = b.full(n, b.binary(OpCode::kDiv, b.constant_float(1.0), n));
  auto carry = b.begin_loop(iters, {init});
  ValueId rank = carry[0];
  ValueId sink = b.reduce(OpCode::kSum, b.where(b.binary(OpCode::kEq, deg, b.constant_int(0)), rank, b.constant_float(0.0)));
  ValueId agg = b.neighbor_agg(g, b.binary(OpCode::kMul, rank, inv), ir::AggOp::kSum, ir::Direction::kIn);
  ValueId teleport = b.binary(OpCode::kDiv, b.binary(OpCode::kSub, b.constant_float(1.0), damping), n);
  ValueId next = b.binary(OpCode::kAdd, teleport,
                          b.binary(OpCode::kMul, damping, b.binary(OpCode::kAdd, agg, b.binary(OpCode::kDiv, sink, n))));
  b.set_outputs(b.end_loop({next}));
  return b.finish();
}

// where(x > 0, x*y + 2.5*x - y/3, exp(-x)*y): the fusion benchmark expression.
inline ir::ValueId where_expression(ir::Builder& b, ir::ValueId x, ir::ValueId y) {
  using ir::OpCode;
  ir::ValueId pos = b.binary(OpCode::kGt, x, b.constant_float(0.0));
  ir::ValueId lhs = b.binary(OpCode::kSub,
                             b.binary(OpCode::kAdd, b.binary(OpCode::kMul, x, y), b.binary(OpCode::kMul, b.constant_float(2.5), x)),
                             b.binary(OpCode::kDiv, y, b.constant_float(3.0)));
  ir::ValueId rhs = b.binary(OpCode::kMul, b.unary(OpCode::kExp, b.unary(OpCode::kNeg, x)), y);
  return b.where(pos, lhs, rhs);
}

}  // namespace fuseflow::testing
