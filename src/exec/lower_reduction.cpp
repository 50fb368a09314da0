// Lowering of reductions accumulated inside a block kernel.
#include <vector>

#include "lowerer.h"

namespace fuseflow::exec::lowering {

void Lowerer::emit_reduction(KernelBuild& kb, const ir::Op& op, const std::vector<int>& args) {
  const ValueId result = op.results[0];
  const DType rtype = type_of(result);
  const DType xtype = type_of(op.operands[0]);
  KernelReduction red;
  red.result_slot = slot(result);
  red.name = ir::op_name(op.code);
  int src = args[0];
  std::vector<int> temps;
  auto to_type = [&](DType t) {
    if (kb.k.operands[static_cast<std::size_t>(src)].type != t) {
      src = temp_unary(kb, exec::OpCode::kCast, src, t, kb.k.operands[static_cast<std::size_t>(src)].type);
      temps.push_back(src);
    }
  };
  switch (op.code) {
    case OpCode::kSum: red.op = ReduceOp::kSum; red.type = rtype; to_type(rtype); break;
    case OpCode::kMean:
      red.op = ReduceOp::kSum;
      red.type = rtype;
      red.finish = ReduceFinish::kMean;
      to_type(rtype);
      break;
    case OpCode::kMin: red.op = ReduceOp::kMin; red.type = xtype; break;
    case OpCode::kMax: red.op = ReduceOp::kMax; red.type = xtype; break;
    case OpCode::kArgMin: red.op = ReduceOp::kArgMin; red.type = xtype; break;
    case OpCode::kArgMax: red.op = ReduceOp::kArgMax; red.type = xtype; break;
    case OpCode::kDot: {
      red.op = ReduceOp::kSum;
      red.type = rtype;
      int dst = kb.alloc_register(rtype);
      Instr in{};
      in.op = exec::OpCode::kMul;
      in.type = rtype;
      in.src_type = rtype;
      in.dst = dst;
      in.a = args[0];
      in.b = args[1];
      kb.emit(in);
      src = dst;
      temps.push_back(dst);
      break;
    }
    case OpCode::kNorm: {
      red.type = rtype;
      to_type(rtype);
      if (op.attrs.norm == ir::NormKind::kL2) {
        red.op = ReduceOp::kSum;
        red.finish = ReduceFinish::kSqrt;
        src = temp_unary(kb, exec::OpCode::kSquare, src, rtype, rtype);
      } else {
        red.op = op.attrs.norm == ir::NormKind::kL1 ? ReduceOp::kSum : ReduceOp::kMax;
        if (op.attrs.norm == ir::NormKind::kInf) red.finish = ReduceFinish::kEmptyIsZero;
        src = temp_unary(kb, exec::OpCode::kAbs, src, rtype, rtype);
      }
      temps.push_back(src);
      break;
    }
    default: internal("not a reduction");
  }
  Instr in{};
  in.op = exec::OpCode::kReduce;
  in.type = red.type;
  in.src_type = red.type;
  in.reduce = red.op;
  in.a = src;
  in.reduction = static_cast<int>(kb.k.reductions.size());
  kb.emit(in);
  kb.k.reductions.push_back(std::move(red));
  for (int t : temps) kb.free_operand(t);
}
}  // namespace fuseflow::exec::lowering
