// Lowering of fused elementwise regions (and single elementwise ops) to block kernels.
#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "fuseflow/jit/hook.h"
#include "lowerer.h"

namespace fuseflow::exec::lowering {

namespace {

// The kernels-layer op of an FF_MATH row (same enumerator name).
kernels::UnaryOp math_op(OpCode c) {
  switch (c) {
#define FF_MATH(Enum, ...) case OpCode::k##Enum: return kernels::UnaryOp::k##Enum;
#include "fuseflow/ir/ops.def"
    default: internal("not a math op");
  }
}

// The block-kernel instruction of an FF_UNARY / FF_BINARY / FF_TERNARY row (same enumerator name).
exec::OpCode elementwise_code(OpCode c) {
  switch (c) {
#define FF_UNARY(Enum, ...) case OpCode::k##Enum: return exec::OpCode::k##Enum;
#define FF_BINARY(Enum, ...) case OpCode::k##Enum: return exec::OpCode::k##Enum;
#define FF_TERNARY(Enum, ...) case OpCode::k##Enum: return exec::OpCode::k##Enum;
#include "fuseflow/ir/ops.def"
    default: internal(std::string("not an elementwise op: ") + ir::op_name(c));
  }
}

bool is_math_op(OpCode c) {
  switch (c) {
#define FF_MATH(Enum, ...) case OpCode::k##Enum:
#include "fuseflow/ir/ops.def"
      return true;
    default:
      return false;
  }
}


}  // namespace

void Lowerer::emit_kernel(const std::vector<ir::Op>& ops, ir::SymbolId symbol, const std::vector<ValueId>& written,
                 std::vector<Step>& steps) {
  if (symbol == ir::kNoSymbol) symbol = ir::kernel_length(p_, ops);
  if (symbol != ir::kNoSymbol && p_.symbols.at(static_cast<std::size_t>(symbol)).kind == ir::SymbolKind::kOne) {
    symbol = ir::kNoSymbol;  // length-1 arrays: a scalar kernel writes its slots directly
  }
  Step s = make_step(Step::kKernel, "");
  s.kernel = compile_kernel(ops, symbol, written);
  s.label = s.kernel->label;
  steps.push_back(std::move(s));
}

// Operand for a value read by the kernel but defined outside it.
int Lowerer::outside_operand(KernelBuild& kb, ValueId v, ir::SymbolId symbol) {
  auto it = kb.operand_of.find(v);
  if (it != kb.operand_of.end()) return it->second;
  const ir::Type& t = p_.type(v);
  Operand o;
  o.type = type_of(v);
  o.slot = kernel_slot(v);
  if (t.is_scalar()) {
    o.kind = symbol == ir::kNoSymbol ? OperandKind::kArray : OperandKind::kBroadcast;
  } else if (t.is_array() && t.length == symbol) {
    o.kind = OperandKind::kArray;
  } else if (t.is_array() && p_.symbols.at(static_cast<std::size_t>(t.length)).kind == ir::SymbolKind::kOne) {
    o.kind = symbol == ir::kNoSymbol ? OperandKind::kArray : OperandKind::kBroadcast;
  } else {
    internal("operand %" + std::to_string(v) + " has an incompatible length");
  }
  const int idx = kb.add_operand(o);
  kb.operand_of[v] = idx;
  return idx;
}

// Compiles `ops` (elementwise and reductions over one length `symbol`; kNoSymbol = scalars only)
// into a kernel. The values in `written` go to their slots (arrays written per block, reduction
// results combined at the end); the rest live in registers recycled after their last use.
std::shared_ptr<Kernel> Lowerer::compile_kernel(const std::vector<ir::Op>& ops, ir::SymbolId symbol,
                                       const std::vector<ValueId>& written) {
  KernelBuild kb;
  kb.k.length = symbol == ir::kNoSymbol ? LengthSource{} : length_source(symbol);
  std::unordered_map<ValueId, std::size_t> last_use;
  std::vector<char> in_kernel(p_.values.size(), 0);
  for (std::size_t i = 0; i < ops.size(); ++i) {
    for (ValueId r : ops[i].results) in_kernel[static_cast<std::size_t>(r)] = 1;
    for (ValueId v : ops[i].operands) last_use[v] = i;
  }
  auto materialized = [&](ValueId v) {
    return symbol == ir::kNoSymbol || std::find(written.begin(), written.end(), v) != written.end();
  };
  std::string label;
  for (std::size_t i = 0; i < ops.size(); ++i) {
    const ir::Op& op = ops[i];
    if (op.code == OpCode::kBroadcastTo) {
      emit_broadcast_read(kb, op, in_kernel, materialized(op.results[0]));
      label += (label.empty() ? "" : ", ") + std::string("broadcast_to");
      continue;
    }
    std::vector<int> args;
    for (ValueId v : op.operands) {
      args.push_back(in_kernel[static_cast<std::size_t>(v)] ? kb.operand_of.at(v) : outside_operand(kb, v, symbol));
    }
    // Registers of operands dying here; same-size ones may be reused in place by the result.
    std::vector<int> dying;
    for (std::size_t j = 0; j < op.operands.size(); ++j) {
      ValueId v = op.operands[j];
      if (in_kernel[static_cast<std::size_t>(v)] && last_use[v] == i &&
          std::find(dying.begin(), dying.end(), args[j]) == dying.end()) {
        dying.push_back(args[j]);
      }
    }
    label += (label.empty() ? "" : ", ") + std::string(ir::op_name(op.code));
    if (ir::is_reduction(op.code)) {
      emit_reduction(kb, op, args);
      for (int d : dying) kb.free_operand(d);
      continue;
    }
    const ValueId result = op.results[0];
    const DType rtype = type_of(result);
    int dst;
    if (materialized(result)) {
      Operand o;
      o.kind = OperandKind::kArray;
      o.type = rtype;
      o.slot = kernel_slot(result);
      dst = kb.add_operand(o);
      kb.k.outputs.push_back(dst);
    } else {
      for (auto it = dying.begin(); it != dying.end();) {
        if (elem_size(kb.k.operands[static_cast<std::size_t>(*it)].type) == elem_size(rtype)) {
          kb.free_operand(*it);
          it = dying.erase(it);
        } else {
          ++it;
        }
      }
      dst = kb.alloc_register(rtype);
    }
    kb.operand_of[result] = dst;
    emit_elementwise(kb, op, args, dst, rtype);
    for (int d : dying) kb.free_operand(d);
  }
  kb.k.label = "fused[" + label + "]";
  kb.k.tier = jit::attach(p_, ops, written, symbol, kb.operand_of, kb.k);  // the compiled tier (jit/hook.h)
  return std::make_shared<Kernel>(std::move(kb.k));
}

void Lowerer::emit_elementwise(KernelBuild& kb, const ir::Op& op, const std::vector<int>& args, int dst, DType rtype) {
  Instr in{};
  in.type = rtype;
  in.src_type = rtype;
  in.dst = dst;
  in.a = args.size() > 0 ? args[0] : -1;
  in.b = args.size() > 1 ? args[1] : -1;
  in.c = args.size() > 2 ? args[2] : -1;
  switch (op.code) {
    case OpCode::kCast: {
      in.op = exec::OpCode::kCast;
      in.src_type = type_of(op.operands[0]);
      // weak -> weak int64 -> int32 is a Python int adopting an int32 operand's type.
      const ir::Type& from = p_.type(op.operands[0]);
      const ir::Type& to = p_.type(op.results[0]);
      in.checked_narrowing = from.weak && to.weak && in.src_type == DType::kInt64 && rtype == DType::kInt32;
      break;
    }
    case OpCode::kFull:
      // operand 0 is the count (the kernel length); the value is broadcast.
      in.op = exec::OpCode::kCopy;
      in.a = args[1];
      in.b = -1;
      break;
    case OpCode::kArange:
      in.op = exec::OpCode::kIota;
      in.a = -1;
      break;
    default:
      if (is_math_op(op.code)) {
        in.op = exec::OpCode::kMath;
        in.math = math_op(op.code);
      } else {
        in.op = elementwise_code(op.code);
        // comparisons: compare in the operands' type
        if (ir::op_info(op.code).op_class == ir::OpClass::kBinary) in.type = type_of(op.operands[0]);
      }
  }
  kb.emit(in);
}

// Emits a unary instruction into a fresh register and returns it.
int Lowerer::temp_unary(KernelBuild& kb, exec::OpCode code, int a, DType type, DType src_type) {
  int dst = kb.alloc_register(type);
  Instr in{};
  in.op = code;
  in.type = type;
  in.src_type = src_type;
  in.dst = dst;
  in.a = a;
  kb.emit(in);
  return dst;
}

// A one-instruction kernel converting array `slot` to `to`; returns the new slot.
int Lowerer::emit_cast_step(int slot, DType from, DType to, std::vector<Step>& steps) {
  const int out = new_slot(SlotKind::kArray, to, plan_.slots[static_cast<std::size_t>(slot)].name + "_cast");
  auto k = std::make_shared<Kernel>();
  k->length.kind = LengthSource::kArrayLength;
  k->length.slot = slot;
  k->operands.push_back({OperandKind::kArray, from, slot, -1, -1});
  k->operands.push_back({OperandKind::kArray, to, out, -1, -1});
  Instr in{};
  in.op = exec::OpCode::kCast;
  in.type = to;
  in.src_type = from;
  in.a = 0;
  in.dst = 1;
  k->code.push_back(in);
  k->outputs.push_back(1);
  k->label = "fused[cast]";
  Step s = make_step(Step::kKernel, k->label);
  s.kernel = std::move(k);
  steps.push_back(std::move(s));
  return out;
}
// broadcast_to inside a kernel: the source array is read as the kernel's shape through a strided
// operand (stride 0 on the broadcast axes, gathered per block), never materialised unless the
// broadcast value itself is written out (then an identity cast copies the block).
void Lowerer::emit_broadcast_read(KernelBuild& kb, const ir::Op& op, const std::vector<char>& in_kernel, bool written) {
  const ValueId src = op.operands[0];
  const ValueId result = op.results[0];
  const ir::Type& to = p_.type(result);
  const ir::Type& from = p_.type(src);
  if (in_kernel[static_cast<std::size_t>(src)]) {
    // Only a broadcast that adds leading "1" axes keeps the element count (f64[n0] as [1, n0]):
    // the same flat elements, so the same operand. Fusion never pairs any other with its source.
    if (from.length != to.length) internal("broadcast_to of a value computed in the same kernel");
    int operand = kb.operand_of.at(src);
    if (written) {
      Operand out;
      out.kind = OperandKind::kArray;
      out.type = type_of(src);
      out.slot = kernel_slot(result);
      const int dst = kb.add_operand(out);
      kb.k.outputs.push_back(dst);
      Instr in{};
      in.op = exec::OpCode::kCast;
      in.type = out.type;
      in.src_type = out.type;
      in.a = operand;
      in.dst = dst;
      kb.emit(in);
      operand = dst;
    }
    kb.operand_of[result] = operand;
    return;
  }
  StridedRead read;
  for (int k = 0; k < to.rank; ++k) {
    read.out_dims.push_back(length_source(to.dims[static_cast<std::size_t>(k)]));
    const int j = k - (to.rank - from.rank);
    read.src_dims.push_back(j < 0 ? LengthSource{} : length_source(from.dims[static_cast<std::size_t>(j)]));
  }
  Operand o;
  o.kind = OperandKind::kStrided;
  o.type = type_of(src);
  o.slot = kernel_slot(src);
  o.strided = static_cast<int>(kb.k.strided_reads.size());
  kb.k.strided_reads.push_back(std::move(read));
  int operand = kb.add_operand(o);
  if (written) {
    Operand out;
    out.kind = OperandKind::kArray;
    out.type = o.type;
    out.slot = kernel_slot(result);
    const int dst = kb.add_operand(out);
    kb.k.outputs.push_back(dst);
    Instr in{};
    in.op = exec::OpCode::kCast;
    in.type = o.type;
    in.src_type = o.type;
    in.a = operand;
    in.dst = dst;
    kb.emit(in);
    operand = dst;
  }
  kb.operand_of[result] = operand;
}

}  // namespace fuseflow::exec::lowering
