#include "fuseflow/exec/lower.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/ir/text.h"

namespace fuseflow::exec {

DType elem_type_of(DType t) {
  switch (t) {
    case DType::kBool: return DType::kBool;
    case DType::kInt32: return DType::kInt32;
    case DType::kInt64: return DType::kInt64;
    case DType::kFloat32: return DType::kFloat32;
    case DType::kFloat64: return DType::kFloat64;
  }
  return DType::kFloat64;
}

namespace {

using ir::OpCode;
using ir::ValueId;

[[noreturn]] void internal(const std::string& what) {
  throw Error(ErrorCode::kInternal, "lowering: " + what);
}

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

// Ops that a fused kernel can evaluate per element (full/arange included: they have a length).
bool is_kernel_op(OpCode c) {
  return ir::is_elementwise(c) || c == OpCode::kFull || c == OpCode::kArange;
}

bool is_fused(const ir::Op& op) { return op.code == OpCode::kFused || op.code == OpCode::kFusedAgg; }

// Readers of each value. A fused op counts as one reader of everything its regions read (it runs
// as one step); loop bodies list their own ops. Loop-body yields and program outputs escape.
void collect_uses(const ir::Block& block, std::vector<std::vector<const ir::Op*>>& users, std::vector<char>& escapes) {
  for (const ir::Op& op : block.ops) {
    if (is_fused(op)) {
      std::vector<ValueId> reads;
      ir::collect_reads(op, reads);
      for (ValueId v : reads) users[static_cast<std::size_t>(v)].push_back(&op);
      continue;
    }
    for (ValueId v : op.operands) users[static_cast<std::size_t>(v)].push_back(&op);
    for (const ir::Block& r : op.regions) collect_uses(r, users, escapes);
  }
  for (ValueId v : block.yields) escapes[static_cast<std::size_t>(v)] = 1;
}

void collect_defined(const ir::Block& block, std::vector<char>& defined) {
  for (ValueId v : block.args) defined[static_cast<std::size_t>(v)] = 1;
  for (const ir::Op& op : block.ops) {
    for (ValueId v : op.results) defined[static_cast<std::size_t>(v)] = 1;
    for (const ir::Block& r : op.regions) collect_defined(r, defined);
  }
}

class Lowerer {
 public:
  explicit Lowerer(const ir::Program& p) : p_(p) {
    const std::size_t n = p.values.size();
    users_.resize(n);
    escapes_.assign(n, 0);
    collect_uses(p.body, users_, escapes_);
    plan_.slots.resize(n);
    const std::vector<int> printed = ir::printed_numbers(p);  // name slots as f.ir() prints values
    for (std::size_t v = 0; v < n; ++v) {
      const ir::Type& t = p.values[v];
      SlotInfo& s = plan_.slots[v];
      s.kind = t.is_graph() ? SlotKind::kGraph : t.is_array() ? SlotKind::kArray : SlotKind::kScalar;
      s.type = elem_type_of(t.dtype);
      s.name = printed[v] >= 0 ? "%" + std::to_string(printed[v]) : "%?" + std::to_string(v);
    }
    // kInput symbols carry no source value: their length is that of the first input using them.
    symbol_input_.assign(p.symbols.size(), ir::kNoValue);
    for (ValueId in : p.inputs()) {
      const ir::Type& t = p.type(in);
      if (t.is_array() && symbol_input_[static_cast<std::size_t>(t.length)] == ir::kNoValue) {
        symbol_input_[static_cast<std::size_t>(t.length)] = in;
      }
    }
    slot_.resize(n);
    for (std::size_t v = 0; v < n; ++v) slot_[v] = static_cast<int>(v);
    assign_slots(p.body);
  }

  Plan run() {
    for (ValueId in : p_.inputs()) plan_.input_slots.push_back(slot(in));
    for (ValueId out : p_.outputs()) plan_.output_slots.push_back(slot(out));
    for (std::size_t i = 0; i < p_.inputs().size(); ++i) {
      const ir::Type& t = p_.type(p_.inputs()[i]);
      if (!t.is_array()) continue;
      LengthSource expected = length_source(t.length);
      // The input that defines its own symbol needs no check.
      if (expected.kind == LengthSource::kArrayLength && expected.slot == slot(p_.inputs()[i])) continue;
      plan_.input_checks.push_back({static_cast<int>(i), expected});
    }
    lower_block(p_.body, plan_.steps);
    plan_.num_profile_ids = next_profile_id_;
    return std::move(plan_);
  }

 private:
  DType type_of(ValueId v) const { return elem_type_of(p_.type(v).dtype); }
  int slot(ValueId v) const { return slot_[static_cast<std::size_t>(v)]; }
  // Slot a kernel operand uses: the plan's, or a prologue kernel's local numbering.
  int kernel_slot(ValueId v) const { return local_slots_ ? local_slots_->at(v) : slot(v); }

  // Values sharing a buffer share a slot: memory planning's storage (v@u), a fused op's yields
  // (written straight into the op's result slots) and a fused_agg's aggregate stored in a result.
  // Program order guarantees the target's slot is final before v's is set.
  void assign_slots(const ir::Block& b) {
    for (const ir::Op& op : b.ops) {
      for (ValueId r : op.results) {
        const ValueId u = p_.storage_of(r);
        if (u != ir::kNoValue) slot_[static_cast<std::size_t>(r)] = slot(u);
      }
      if (is_fused(op)) {
        const ir::Block& body = op.regions.back();
        if (op.code == OpCode::kFusedAgg) {
          const ValueId a = body.args[0];
          const ValueId u = p_.storage_of(a);
          if (u != ir::kNoValue) slot_[static_cast<std::size_t>(a)] = slot(u);
        }
        for (std::size_t k = 0; k < body.yields.size(); ++k) {
          slot_[static_cast<std::size_t>(body.yields[k])] = slot(op.results[k]);
        }
        continue;
      }
      for (const ir::Block& r : op.regions) assign_slots(r);
    }
  }

  void lower_block(const ir::Block& block, std::vector<Step>& steps) {
    const ir::Block* enclosing = current_block_;
    current_block_ = &block;
    for (const ir::Op& op : block.ops) lower_op(op, steps);
    current_block_ = enclosing;
  }

  // Whether the loop may move init `v` into its carry: v is an array computed by an op of the
  // loop's own block (so it is recomputed whenever that block runs again), read by no op after the
  // loop nor inside it, not yielded or output, and passed once.
  bool init_is_dead_after(const ir::Op& loop, ValueId v) const {
    if (!p_.type(v).is_array() || escapes_[static_cast<std::size_t>(v)]) return false;
    if (std::count(loop.operands.begin(), loop.operands.end(), v) != 1) return false;
    bool defined_before = false;
    std::vector<const ir::Op*> before;
    for (const ir::Op& op : current_block_->ops) {
      if (&op == &loop) break;
      before.push_back(&op);
      defined_before = defined_before || std::find(op.results.begin(), op.results.end(), v) != op.results.end();
    }
    if (!defined_before) return false;
    for (const ir::Op* user : users_[static_cast<std::size_t>(v)]) {
      if (user == &loop) continue;
      if (std::find(before.begin(), before.end(), user) == before.end()) return false;
    }
    return true;
  }

  void lower_op(const ir::Op& op, std::vector<Step>& steps) {
    switch (op.code) {
      case OpCode::kConst: {
        const ValueId r = op.results[0];
        plan_.constants.push_back({slot(r), type_of(r), op.attrs.value.f, op.attrs.value.i});
        return;
      }
      case OpCode::kFused: {
        emit_kernel(op.regions[0].ops, ir::kNoSymbol, op.regions[0].yields, steps);
        return;
      }
      case OpCode::kFusedAgg: emit_fused_agg(op, steps); return;
      case OpCode::kLength: emit_query(GraphQueryStep::kArrayLength, op, steps); return;
      case OpCode::kNumNodes: emit_query(GraphQueryStep::kNumNodes, op, steps); return;
      case OpCode::kNumEdges: emit_query(GraphQueryStep::kNumEdges, op, steps); return;
      case OpCode::kOutDegree: emit_query(GraphQueryStep::kOutDegree, op, steps); return;
      case OpCode::kInDegree: emit_query(GraphQueryStep::kInDegree, op, steps); return;
      case OpCode::kNeighborAgg: emit_neighbor_agg(op, steps); return;
      case OpCode::kEdgeSrc:
      case OpCode::kEdgeDst: emit_edge_gather(op, steps); return;
      case OpCode::kLoop:
      case OpCode::kWhile: emit_loop(op, steps); return;
      default: break;
    }
    if (is_kernel_op(op.code) || ir::is_reduction(op.code)) {
      // An op no fusion pass claimed: a kernel of its own (its array result written in full).
      emit_kernel({op}, ir::kNoSymbol, op.results, steps);
      return;
    }
    internal(std::string("unsupported op ") + ir::op_name(op.code));
  }

  void emit_kernel(const std::vector<ir::Op>& ops, ir::SymbolId symbol, const std::vector<ValueId>& written,
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

  Step make_step(Step::Kind kind, std::string label) {
    Step s;
    s.kind = kind;
    s.label = std::move(label);
    s.profile_id = next_profile_id_++;
    return s;
  }

  int new_slot(SlotKind kind, DType type, const std::string& name) {
    plan_.slots.push_back({kind, type, name});
    return static_cast<int>(plan_.slots.size()) - 1;
  }

  LengthSource length_source(ir::SymbolId symbol) const {
    const ir::LengthSymbol& s = p_.symbols.at(static_cast<std::size_t>(symbol));
    LengthSource out;
    out.slot = s.source == ir::kNoValue ? -1 : slot(s.source);
    switch (s.kind) {
      case ir::SymbolKind::kOne: out.kind = LengthSource::kOne; break;
      case ir::SymbolKind::kGraphNodes: out.kind = LengthSource::kGraphNodes; break;
      case ir::SymbolKind::kGraphEdges: out.kind = LengthSource::kGraphEdges; break;
      case ir::SymbolKind::kInput:
        out.kind = LengthSource::kArrayLength;
        if (symbol_input_[static_cast<std::size_t>(symbol)] == ir::kNoValue) internal("length symbol " + p_.symbol_name(symbol) + " has no input");
        out.slot = slot(symbol_input_[static_cast<std::size_t>(symbol)]);
        break;
      case ir::SymbolKind::kRuntime: out.kind = LengthSource::kScalarValue; break;
    }
    return out;
  }

  // Fused kernel compiler state.
  struct KernelBuild {
    Kernel k;
    std::unordered_map<ValueId, int> operand_of;  // value -> operand index
    std::vector<int> free_registers;

    int add_operand(Operand o) {
      k.operands.push_back(o);
      return static_cast<int>(k.operands.size()) - 1;
    }
    int alloc_register(DType type) {
      int r;
      if (!free_registers.empty()) {
        r = free_registers.back();
        free_registers.pop_back();
      } else {
        r = k.num_registers++;
      }
      Operand o;
      o.kind = OperandKind::kRegister;
      o.type = type;
      o.register_index = r;
      return add_operand(o);
    }
    void free_operand(int operand) {
      const Operand& o = k.operands[static_cast<std::size_t>(operand)];
      if (o.kind == OperandKind::kRegister) free_registers.push_back(o.register_index);
    }
    void emit(Instr in) { k.code.push_back(in); }
  };

  // Operand for a value read by the kernel but defined outside it.
  int outside_operand(KernelBuild& kb, ValueId v, ir::SymbolId symbol) {
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
  std::shared_ptr<Kernel> compile_kernel(const std::vector<ir::Op>& ops, ir::SymbolId symbol,
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
    return std::make_shared<Kernel>(std::move(kb.k));
  }

  void emit_elementwise(KernelBuild& kb, const ir::Op& op, const std::vector<int>& args, int dst, DType rtype) {
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
  int temp_unary(KernelBuild& kb, exec::OpCode code, int a, DType type, DType src_type) {
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

  void emit_reduction(KernelBuild& kb, const ir::Op& op, const std::vector<int>& args) {
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

  // fused_agg: the aggregation with its epilogue kernel (run per chunk of nodes while the aggregates
  // are in cache). The aggregate goes to its own slot, or into a result's (memory planning).
  void emit_fused_agg(const ir::Op& op, std::vector<Step>& steps) {
    const ir::Block& prologue = op.regions[0];
    const bool identity = prologue.ops.empty() && prologue.yields[0] == prologue.args[0];
    const ir::Block& epilogue = op.regions[1];
    const ValueId a = epilogue.args[0];
    ir::Op agg;
    agg.code = OpCode::kNeighborAgg;
    agg.attrs = op.attrs;
    agg.operands = op.operands;
    if (!identity) agg.operands[1] = prologue.yields[0];  // aggregated in its type: no cast step
    agg.results = {a};
    emit_neighbor_agg(agg, steps);
    Step& s = steps.back();
    if (!identity) {
      // The per-edge prologue: a kernel over batches of gathered x values, with local slots
      // (0 = gathered x, 1 = the values aggregated, then the scalars it reads).
      std::unordered_map<ValueId, int> local;
      local[prologue.args[0]] = 0;
      local[prologue.yields[0]] = 1;
      std::vector<char> inside(p_.values.size(), 0);
      for (const ir::Op& inner : prologue.ops) {
        for (ValueId r : inner.results) inside[static_cast<std::size_t>(r)] = 1;
      }
      for (const ir::Op& inner : prologue.ops) {
        for (ValueId v : inner.operands) {
          if (inside[static_cast<std::size_t>(v)] || local.count(v)) continue;
          local[v] = 2 + static_cast<int>(s.agg.prologue_scalars.size());
          s.agg.prologue_scalars.push_back(slot(v));
        }
      }
      local_slots_ = &local;
      s.agg.prologue = compile_kernel(prologue.ops, p_.type(prologue.args[0]).length, {prologue.yields[0]});
      local_slots_ = nullptr;
      s.agg.x_slot = slot(op.operands[1]);
      s.agg.prologue_in_type = type_of(op.operands[1]);
      s.agg.prologue_values_slot = new_slot(SlotKind::kArray, s.agg.in_type, plan_.slots[static_cast<std::size_t>(slot(a))].name + "_values");
      s.label += " <- " + s.agg.prologue->label + " per edge";
    }
    if (epilogue.ops.empty()) return;  // the epilogue only yields the aggregate
    const ir::SymbolId nodes = p_.type(a).length;
    s.agg.epilogue = compile_kernel(epilogue.ops, nodes, epilogue.yields);
    s.label += " + " + s.agg.epilogue->label;
  }

  void emit_query(GraphQueryStep::Kind kind, const ir::Op& op, std::vector<Step>& steps) {
    Step s = make_step(Step::kGraphQuery, ir::op_name(op.code));
    s.query = {kind, slot(op.operands[0]), slot(op.results[0])};
    steps.push_back(std::move(s));
  }

  // A one-instruction kernel converting array `slot` to `to`; returns the new slot.
  int emit_cast_step(int slot, DType from, DType to, std::vector<Step>& steps) {
    const int out = new_slot(SlotKind::kArray, to, plan_.slots[static_cast<std::size_t>(slot)].name + "_cast");
    auto k = std::make_shared<Kernel>();
    k->length = {LengthSource::kArrayLength, slot};
    k->operands.push_back({OperandKind::kArray, from, slot, -1});
    k->operands.push_back({OperandKind::kArray, to, out, -1});
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

  void emit_neighbor_agg(const ir::Op& op, std::vector<Step>& steps) {
    NeighborAggStep a{};
    a.graph_slot = slot(op.operands[0]);
    a.out_slot = slot(op.results[0]);
    a.out_type = type_of(op.results[0]);
    a.in_type = a.out_type;
    switch (op.attrs.agg) {
      case ir::AggOp::kSum: a.op = AggOp::kSum; break;
      case ir::AggOp::kMean: a.op = AggOp::kMean; break;
      case ir::AggOp::kMin: a.op = AggOp::kMin; break;
      case ir::AggOp::kMax: a.op = AggOp::kMax; break;
      case ir::AggOp::kCount: a.op = AggOp::kCount; break;
      case ir::AggOp::kMode: a.op = AggOp::kMode; break;
    }
    switch (op.attrs.direction) {
      case ir::Direction::kIn: a.direction = AggDirection::kIn; break;
      case ir::Direction::kOut: a.direction = AggDirection::kOut; break;
      case ir::Direction::kBoth: a.direction = AggDirection::kBoth; break;
    }
    // The aggregation runs in the result type: convert x and weights first when they differ.
    a.x_slot = -1;
    if (a.op != AggOp::kCount) {
      a.x_slot = slot(op.operands[1]);
      const DType x_type = type_of(op.operands[1]);
      if (x_type != a.out_type) a.x_slot = emit_cast_step(a.x_slot, x_type, a.out_type, steps);
    }
    if (op.operands.size() > 2) {
      // Weights stay float64 (an IR rule): casting them to an integer label type for `mode`
      // would truncate fractional weights.
      a.weights_slot = slot(op.operands[2]);
    }
    Step s = make_step(Step::kNeighborAgg, std::string("neighbor_agg.") + ir::agg_op_name(op.attrs.agg) + "." +
                                               ir::direction_name(op.attrs.direction));
    s.agg = a;
    steps.push_back(std::move(s));
  }

  void emit_edge_gather(const ir::Op& op, std::vector<Step>& steps) {
    Step s = make_step(Step::kEdgeGather, ir::op_name(op.code));
    s.gather = {op.code == OpCode::kEdgeSrc, type_of(op.results[0]), slot(op.operands[0]), slot(op.operands[1]), slot(op.results[0])};
    steps.push_back(std::move(s));
  }

  void emit_loop(const ir::Op& op, std::vector<Step>& steps) {
    auto loop = std::make_shared<LoopStep>();
    const ir::Block* body;
    std::size_t first_init = 0;
    if (op.code == OpCode::kLoop) {
      loop->kind = LoopStep::kCount;
      loop->count_slot = slot(op.operands[0]);
      first_init = 1;
      body = &op.regions.at(0);
    } else {
      loop->kind = LoopStep::kWhile;
      const ir::Block& cond = op.regions.at(0);
      body = &op.regions.at(1);
      for (ValueId a : cond.args) loop->cond_arg_slots.push_back(slot(a));
      loop->cond_slot = slot(cond.yields.at(0));
      lower_block(cond, loop->cond);
    }
    for (std::size_t i = first_init; i < op.operands.size(); ++i) {
      loop->init_slots.push_back(slot(op.operands[i]));
      loop->init_moves.push_back(init_is_dead_after(op, op.operands[i]));
    }
    for (ValueId a : body->args) loop->carry_slots.push_back(slot(a));
    for (ValueId y : body->yields) loop->yield_slots.push_back(slot(y));
    for (ValueId r : op.results) loop->result_slots.push_back(slot(r));
    std::vector<char> defined(plan_.slots.size(), 0);
    collect_defined(*body, defined);
    for (ValueId y : body->yields) {
      const bool is_carry = std::find(body->args.begin(), body->args.end(), y) != body->args.end();
      loop->yield_is_local.push_back(defined[static_cast<std::size_t>(y)] && !is_carry);
    }
    Step s = make_step(Step::kLoop, op.code == OpCode::kLoop ? "loop" : "while");
    lower_block(*body, loop->body);
    s.loop = std::move(loop);
    steps.push_back(std::move(s));
  }

  const ir::Program& p_;
  Plan plan_;
  std::vector<std::vector<const ir::Op*>> users_;
  std::vector<char> escapes_;
  std::vector<ValueId> symbol_input_;  // kInput symbol -> first input with that length
  std::vector<int> slot_;              // value -> its slot (shared buffers share one)
  const std::unordered_map<ValueId, int>* local_slots_ = nullptr;  // while compiling a prologue
  int next_profile_id_ = 0;
  const ir::Block* current_block_ = nullptr;  // the block being lowered (for init liveness)
};

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
      if (!s.loop->cond.empty()) {
        out.append(static_cast<std::size_t>(depth + 1) * 2, ' ');
        out += "cond:\n";
        describe_steps(s.loop->cond, plan, depth + 2, out);
        out.append(static_cast<std::size_t>(depth + 1) * 2, ' ');
        out += "body:\n";
      }
      describe_steps(s.loop->body, plan, depth + 1, out);
    }
  }
}

}  // namespace

std::string Plan::describe() const {
  std::string out;
  describe_steps(steps, *this, 0, out);
  return out;
}

Plan lower_program(const ir::Program& program) { return Lowerer(program).run(); }

}  // namespace fuseflow::exec
