#include "fuseflow/exec/lower.h"

#include <algorithm>
#include <string>
#include <unordered_map>
#include <vector>

#include "fuseflow/core/error.h"

namespace fuseflow::exec {

ElemType elem_type_of(DType t) {
  switch (t) {
    case DType::kBool: return ElemType::kBool;
    case DType::kInt32: return ElemType::kInt32;
    case DType::kInt64: return ElemType::kInt64;
    case DType::kFloat32: return ElemType::kFloat32;
    case DType::kFloat64: return ElemType::kFloat64;
  }
  return ElemType::kFloat64;
}

namespace {

using ir::OpCode;
using ir::ValueId;

[[noreturn]] void internal(const std::string& what) {
  throw Error(ErrorCode::kInternal, "lowering: " + what);
}

bool is_reduction(OpCode c) {
  switch (c) {
    case OpCode::kSum: case OpCode::kMean: case OpCode::kMin: case OpCode::kMax: case OpCode::kArgMin:
    case OpCode::kArgMax: case OpCode::kDot: case OpCode::kNorm:
      return true;
    default:
      return false;
  }
}

kernels::UnaryOp math_op(OpCode c) {
  switch (c) {
    case OpCode::kExp: return kernels::UnaryOp::kExp;
    case OpCode::kLog: return kernels::UnaryOp::kLog;
    case OpCode::kLog1p: return kernels::UnaryOp::kLog1p;
    case OpCode::kExpm1: return kernels::UnaryOp::kExpm1;
    case OpCode::kSqrt: return kernels::UnaryOp::kSqrt;
    case OpCode::kSin: return kernels::UnaryOp::kSin;
    case OpCode::kCos: return kernels::UnaryOp::kCos;
    case OpCode::kTanh: return kernels::UnaryOp::kTanh;
    case OpCode::kSigmoid: return kernels::UnaryOp::kSigmoid;
    case OpCode::kErf: return kernels::UnaryOp::kErf;
    case OpCode::kErfc: return kernels::UnaryOp::kErfc;
    case OpCode::kNormCdf: return kernels::UnaryOp::kNormCdf;
    case OpCode::kFloor: return kernels::UnaryOp::kFloor;
    case OpCode::kCeil: return kernels::UnaryOp::kCeil;
    case OpCode::kRound: return kernels::UnaryOp::kRound;
    default: internal("not a math op");
  }
}

exec::OpCode binary_code(OpCode c) {
  switch (c) {
    case OpCode::kAdd: return exec::OpCode::kAdd;
    case OpCode::kSub: return exec::OpCode::kSub;
    case OpCode::kMul: return exec::OpCode::kMul;
    case OpCode::kDiv: return exec::OpCode::kDiv;
    case OpCode::kFloorDiv: return exec::OpCode::kFloorDiv;
    case OpCode::kMod: return exec::OpCode::kMod;
    case OpCode::kPow: return exec::OpCode::kPow;
    case OpCode::kMinimum: return exec::OpCode::kMinimum;
    case OpCode::kMaximum: return exec::OpCode::kMaximum;
    case OpCode::kEq: return exec::OpCode::kEq;
    case OpCode::kNe: return exec::OpCode::kNe;
    case OpCode::kLt: return exec::OpCode::kLt;
    case OpCode::kLe: return exec::OpCode::kLe;
    case OpCode::kGt: return exec::OpCode::kGt;
    case OpCode::kGe: return exec::OpCode::kGe;
    case OpCode::kAnd: return exec::OpCode::kBitAnd;
    case OpCode::kOr: return exec::OpCode::kBitOr;
    case OpCode::kXor: return exec::OpCode::kBitXor;
    default: internal("not a binary op");
  }
}

// Ops that a fused kernel can evaluate per element (full/arange included: they have a length).
bool is_kernel_op(OpCode c) {
  return ir::is_elementwise(c) || c == OpCode::kFull || c == OpCode::kArange;
}

void collect_uses(const ir::Block& block, std::vector<std::vector<const ir::Op*>>& users, std::vector<char>& escapes) {
  for (const ir::Op& op : block.ops) {
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

// Every value an op reads, including those read inside its regions.
void collect_operands(const ir::Op& op, std::vector<ValueId>& out) {
  out.insert(out.end(), op.operands.begin(), op.operands.end());
  for (const ir::Block& r : op.regions) {
    for (const ir::Op& inner : r.ops) collect_operands(inner, out);
    out.insert(out.end(), r.yields.begin(), r.yields.end());
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
    for (std::size_t v = 0; v < n; ++v) {
      const ir::Type& t = p.values[v];
      SlotInfo& s = plan_.slots[v];
      s.kind = t.is_graph() ? SlotKind::kGraph : t.is_array() ? SlotKind::kArray : SlotKind::kScalar;
      s.type = elem_type_of(t.dtype);
      s.name = "%" + std::to_string(v);
    }
    // kInput symbols carry no source value: their length is that of the first input using them.
    symbol_input_.assign(p.symbols.size(), ir::kNoValue);
    for (ValueId in : p.inputs()) {
      const ir::Type& t = p.type(in);
      if (t.is_array() && symbol_input_[static_cast<std::size_t>(t.length)] == ir::kNoValue) {
        symbol_input_[static_cast<std::size_t>(t.length)] = in;
      }
    }
  }

  Plan run() {
    plan_.input_slots.assign(p_.inputs().begin(), p_.inputs().end());
    plan_.output_slots.assign(p_.outputs().begin(), p_.outputs().end());
    for (std::size_t i = 0; i < p_.inputs().size(); ++i) {
      const ir::Type& t = p_.type(p_.inputs()[i]);
      if (!t.is_array()) continue;
      LengthSource expected = length_source(t.length);
      // The input that defines its own symbol needs no check.
      if (expected.kind == LengthSource::kArrayLength && expected.slot == p_.inputs()[i]) continue;
      plan_.input_checks.push_back({static_cast<int>(i), expected});
    }
    lower_block(p_.body, plan_.steps);
    plan_.num_profile_ids = next_profile_id_;
    return std::move(plan_);
  }

 private:
  // Ops gathered for one fused kernel, compiled when the cluster closes.
  struct Cluster {
    bool open = false;
    ir::SymbolId symbol = ir::kNoSymbol;
    std::vector<const ir::Op*> ops;
    std::vector<char> defines;          // value -> defined by an op of this cluster
    std::vector<char> reduction_result; // value -> result of a reduction in this cluster
  };

  ElemType type_of(ValueId v) const { return elem_type_of(p_.type(v).dtype); }

  void lower_block(const ir::Block& block, std::vector<Step>& steps) {
    const ir::Block* enclosing = current_block_;
    current_block_ = &block;
    lower_ops(block, steps);
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
      // A still-open cluster runs after the loop step: its readers of v would find it moved.
      if (open_cluster_ && open_cluster_->open &&
          std::find(open_cluster_->ops.begin(), open_cluster_->ops.end(), user) != open_cluster_->ops.end()) {
        return false;
      }
    }
    return true;
  }

  void lower_ops(const ir::Block& block, std::vector<Step>& steps) {
    Cluster cluster;
    Cluster* enclosing_cluster = open_cluster_;
    open_cluster_ = &cluster;
    cluster.defines.assign(p_.values.size(), 0);
    cluster.reduction_result.assign(p_.values.size(), 0);
    for (const ir::Op& op : block.ops) lower_op(op, cluster, steps);
    close(cluster, steps);
    open_cluster_ = enclosing_cluster;
  }

  bool depends_on(const ir::Op& op, const Cluster& c) const {
    if (!c.open) return false;
    std::vector<ValueId> used;
    collect_operands(op, used);
    for (ValueId v : used) {
      if (c.defines[static_cast<std::size_t>(v)]) return true;
    }
    return false;
  }

  bool uses_cluster_reduction(const ir::Op& op, const Cluster& c) const {
    for (ValueId v : op.operands) {
      if (c.reduction_result[static_cast<std::size_t>(v)]) return true;
    }
    return false;
  }

  void add_to_cluster(const ir::Op& op, ir::SymbolId symbol, Cluster& c, std::vector<Step>& steps) {
    if (c.open && (c.symbol != symbol || uses_cluster_reduction(op, c))) close(c, steps);
    if (!c.open) {
      c.open = true;
      c.symbol = symbol;
    }
    c.ops.push_back(&op);
    for (ValueId r : op.results) {
      c.defines[static_cast<std::size_t>(r)] = 1;
      if (is_reduction(op.code)) c.reduction_result[static_cast<std::size_t>(r)] = 1;
    }
  }

  void lower_op(const ir::Op& op, Cluster& cluster, std::vector<Step>& steps) {
    if (op.code == OpCode::kConst) {
      const ValueId r = op.results[0];
      plan_.constants.push_back({r, type_of(r), op.attrs.value.f, op.attrs.value.i});
      return;
    }
    if (is_kernel_op(op.code) && p_.type(op.results[0]).is_array()) {
      add_to_cluster(op, p_.type(op.results[0]).length, cluster, steps);
      return;
    }
    if (is_reduction(op.code)) {
      add_to_cluster(op, p_.type(op.operands[0]).length, cluster, steps);
      return;
    }
    // Anything else runs as its own step; it may stay ahead of the open cluster when it does not
    // read any value the cluster defines (the cluster is emitted later, after this step).
    if (depends_on(op, cluster)) close(cluster, steps);
    if (is_kernel_op(op.code)) {
      emit_scalar_kernel(op, steps);
      return;
    }
    switch (op.code) {
      case OpCode::kLength: emit_query(GraphQueryStep::kArrayLength, op, steps); break;
      case OpCode::kNumNodes: emit_query(GraphQueryStep::kNumNodes, op, steps); break;
      case OpCode::kNumEdges: emit_query(GraphQueryStep::kNumEdges, op, steps); break;
      case OpCode::kOutDegree: emit_query(GraphQueryStep::kOutDegree, op, steps); break;
      case OpCode::kInDegree: emit_query(GraphQueryStep::kInDegree, op, steps); break;
      case OpCode::kNeighborAgg: emit_neighbor_agg(op, steps); break;
      case OpCode::kEdgeSrc:
      case OpCode::kEdgeDst: emit_edge_gather(op, steps); break;
      case OpCode::kLoop:
      case OpCode::kWhile: emit_loop(op, steps); break;
      default: internal(std::string("unsupported op ") + ir::op_name(op.code));
    }
  }

  Step make_step(Step::Kind kind, std::string label) {
    Step s;
    s.kind = kind;
    s.label = std::move(label);
    s.profile_id = next_profile_id_++;
    return s;
  }

  int new_slot(SlotKind kind, ElemType type, const std::string& name) {
    plan_.slots.push_back({kind, type, name});
    return static_cast<int>(plan_.slots.size()) - 1;
  }

  LengthSource length_source(ir::SymbolId symbol) const {
    const ir::LengthSymbol& s = p_.symbols.at(static_cast<std::size_t>(symbol));
    LengthSource out;
    out.slot = s.source;
    switch (s.kind) {
      case ir::SymbolKind::kOne: out.kind = LengthSource::kOne; break;
      case ir::SymbolKind::kGraphNodes: out.kind = LengthSource::kGraphNodes; break;
      case ir::SymbolKind::kGraphEdges: out.kind = LengthSource::kGraphEdges; break;
      case ir::SymbolKind::kInput:
        out.kind = LengthSource::kArrayLength;
        out.slot = symbol_input_[static_cast<std::size_t>(symbol)];
        if (out.slot == ir::kNoValue) internal("length symbol " + p_.symbol_name(symbol) + " has no input");
        break;
      case ir::SymbolKind::kRuntime: out.kind = LengthSource::kScalarValue; break;
    }
    return out;
  }

  // Fused kernel compiler state for one cluster.
  struct KernelBuild {
    Kernel k;
    std::unordered_map<ValueId, int> operand_of;  // value -> operand index
    std::vector<int> free_registers;
    int registers_in_use = 0;

    int add_operand(Operand o) {
      k.operands.push_back(o);
      return static_cast<int>(k.operands.size()) - 1;
    }
    int alloc_register(ElemType type) {
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
    o.slot = v;
    if (t.is_scalar()) {
      o.kind = symbol == ir::kNoSymbol ? OperandKind::kArray : OperandKind::kBroadcast;
    } else if (t.is_array() && t.length == symbol) {
      o.kind = OperandKind::kArray;
    } else if (t.is_array() && p_.symbols.at(static_cast<std::size_t>(t.length)).kind == ir::SymbolKind::kOne) {
      o.kind = OperandKind::kBroadcast;
    } else {
      internal("operand %" + std::to_string(v) + " has an incompatible length");
    }
    const int idx = kb.add_operand(o);
    kb.operand_of[v] = idx;
    return idx;
  }

  // Compiles `ops` (elementwise and reductions over one length `symbol`; kNoSymbol = scalars only)
  // into a kernel. Values used outside the kernel are written to their slots; the rest live in
  // registers that are recycled after their last use.
  std::shared_ptr<Kernel> compile_kernel(const std::vector<const ir::Op*>& ops, ir::SymbolId symbol) {
    KernelBuild kb;
    kb.k.length = symbol == ir::kNoSymbol ? LengthSource{} : length_source(symbol);
    std::unordered_map<ValueId, std::size_t> last_use;
    std::vector<char> in_kernel(p_.values.size(), 0);
    for (std::size_t i = 0; i < ops.size(); ++i) {
      for (ValueId r : ops[i]->results) in_kernel[static_cast<std::size_t>(r)] = 1;
      for (ValueId v : ops[i]->operands) last_use[v] = i;
    }
    auto materialized = [&](ValueId v) {
      if (symbol == ir::kNoSymbol) return true;  // scalar kernels write their slots directly
      if (escapes_[static_cast<std::size_t>(v)]) return true;
      for (const ir::Op* u : users_[static_cast<std::size_t>(v)]) {
        if (std::find(ops.begin(), ops.end(), u) == ops.end()) return true;
      }
      return false;
    };
    std::string label;
    for (std::size_t i = 0; i < ops.size(); ++i) {
      const ir::Op& op = *ops[i];
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
      if (is_reduction(op.code)) {
        emit_reduction(kb, op, args);
        for (int d : dying) kb.free_operand(d);
        continue;
      }
      const ValueId result = op.results[0];
      const ElemType rtype = type_of(result);
      int dst;
      if (materialized(result)) {
        Operand o;
        o.kind = OperandKind::kArray;
        o.type = rtype;
        o.slot = result;
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

  void emit_elementwise(KernelBuild& kb, const ir::Op& op, const std::vector<int>& args, int dst, ElemType rtype) {
    Instr in{};
    in.type = rtype;
    in.src_type = rtype;
    in.dst = dst;
    in.a = args.size() > 0 ? args[0] : -1;
    in.b = args.size() > 1 ? args[1] : -1;
    in.c = args.size() > 2 ? args[2] : -1;
    switch (op.code) {
      case OpCode::kNeg: in.op = exec::OpCode::kNeg; break;
      case OpCode::kAbs: in.op = exec::OpCode::kAbs; break;
      case OpCode::kNot: in.op = exec::OpCode::kBitNot; break;
      case OpCode::kCast:
        in.op = exec::OpCode::kCast;
        in.src_type = type_of(op.operands[0]);
        break;
      case OpCode::kWhere: in.op = exec::OpCode::kWhere; break;
      case OpCode::kClip: in.op = exec::OpCode::kClip; break;
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
        if (ir::is_float_math(op.code) || op.code == OpCode::kFloor || op.code == OpCode::kCeil ||
            op.code == OpCode::kRound) {
          in.op = exec::OpCode::kMath;
          in.math = math_op(op.code);
        } else if (ir::op_info(op.code).op_class == ir::OpClass::kBinary) {
          in.op = binary_code(op.code);
          in.type = type_of(op.operands[0]);  // comparisons: compare in the operands' type
        } else {
          internal(std::string("not an elementwise op: ") + ir::op_name(op.code));
        }
    }
    kb.emit(in);
  }

  // Emits a unary instruction into a fresh register and returns it.
  int temp_unary(KernelBuild& kb, exec::OpCode code, int a, ElemType type, ElemType src_type) {
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
    const ElemType rtype = type_of(result);
    const ElemType xtype = type_of(op.operands[0]);
    KernelReduction red;
    red.result_slot = result;
    red.name = ir::op_name(op.code);
    int src = args[0];
    std::vector<int> temps;
    auto to_type = [&](ElemType t) {
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

  // A kernel of length one (scalars and length-1 arrays only): it can neither read a node-length
  // aggregate nor define anything an earlier step reads.
  static bool is_scalar_kernel(const Step& s) {
    return s.kind == Step::kKernel && s.kernel->length.kind == LengthSource::kOne;
  }

  bool is_nodes_symbol_of(ir::SymbolId symbol, int graph) const {
    if (symbol == ir::kNoSymbol) return false;
    const ir::LengthSymbol& s = p_.symbols.at(static_cast<std::size_t>(symbol));
    return s.kind == ir::SymbolKind::kGraphNodes && s.source == graph;
  }

  // When the epilogue is the aggregate's only reader and one of its array outputs of the same type
  // is written no earlier than its last read of the aggregate, the aggregation writes straight into
  // that output and the epilogue updates it in place: no node array for the aggregate itself (the
  // hand-written PageRank's memory footprint). Safe per element: each block reads an aggregate
  // element before the instruction that overwrites that same element.
  void write_aggregate_in_place(NeighborAggStep& agg, Kernel& k, const std::vector<const ir::Op*>& cluster_ops) const {
    const ValueId a = agg.out_slot;
    if (escapes_[static_cast<std::size_t>(a)]) return;
    int read_operand = -1;
    for (std::size_t i = 0; i < k.operands.size(); ++i) {
      if (k.operands[i].kind == OperandKind::kArray && k.operands[i].slot == a) read_operand = static_cast<int>(i);
    }
    if (read_operand < 0) return;
    for (const ir::Op* user : users_[static_cast<std::size_t>(a)]) {
      if (std::find(cluster_ops.begin(), cluster_ops.end(), user) == cluster_ops.end()) return;
    }
    int last_read = -1;
    for (std::size_t j = 0; j < k.code.size(); ++j) {
      const Instr& in = k.code[j];
      if (in.a == read_operand || in.b == read_operand || in.c == read_operand) last_read = static_cast<int>(j);
    }
    for (std::size_t j = 0; j < k.code.size(); ++j) {
      const Instr& in = k.code[j];
      if (in.op == exec::OpCode::kReduce || in.dst < 0 || static_cast<int>(j) < last_read) continue;
      const Operand& o = k.operands[static_cast<std::size_t>(in.dst)];
      if (o.kind != OperandKind::kArray || o.type != agg.out_type) continue;
      if (std::find(k.outputs.begin(), k.outputs.end(), in.dst) == k.outputs.end()) continue;
      agg.out_slot = o.slot;
      k.operands[static_cast<std::size_t>(read_operand)].slot = o.slot;
      return;
    }
  }

  void close(Cluster& c, std::vector<Step>& steps) {
    if (!c.open) return;
    auto kernel = compile_kernel(c.ops, c.symbol);
    // A node-length kernel right after a neighbor_agg runs as its epilogue, chunk by chunk while
    // the aggregates are still in cache (valid: the kernel is elementwise over nodes and the
    // aggregation does not read anything it defines, or the cluster would have closed before it).
    // Scalar steps emitted after the aggregation cannot read it (it is an array), so they may move
    // ahead of it.
    std::size_t agg_index = steps.size();
    while (agg_index > 0 && is_scalar_kernel(steps[agg_index - 1])) --agg_index;
    if (agg_index > 0 && steps[agg_index - 1].kind == Step::kNeighborAgg && !steps[agg_index - 1].agg.epilogue &&
        is_nodes_symbol_of(c.symbol, steps[agg_index - 1].agg.graph_slot)) {
      std::rotate(steps.begin() + static_cast<std::ptrdiff_t>(agg_index) - 1,
                  steps.begin() + static_cast<std::ptrdiff_t>(agg_index), steps.end());
      Step& agg = steps.back();
      write_aggregate_in_place(agg.agg, *kernel, c.ops);
      agg.agg.epilogue = kernel;
      agg.label += " + " + kernel->label;
    } else {
      Step s = make_step(Step::kKernel, "");
      s.kernel = std::move(kernel);
      s.label = s.kernel->label;
      steps.push_back(std::move(s));
    }
    for (const ir::Op* op : c.ops) {
      for (ValueId r : op->results) {
        c.defines[static_cast<std::size_t>(r)] = 0;
        c.reduction_result[static_cast<std::size_t>(r)] = 0;
      }
    }
    c.ops.clear();
    c.open = false;
    c.symbol = ir::kNoSymbol;
  }

  void emit_scalar_kernel(const ir::Op& op, std::vector<Step>& steps) {
    Step s = make_step(Step::kKernel, "");
    s.kernel = compile_kernel({&op}, ir::kNoSymbol);
    s.label = s.kernel->label;
    steps.push_back(std::move(s));
  }

  void emit_query(GraphQueryStep::Kind kind, const ir::Op& op, std::vector<Step>& steps) {
    Step s = make_step(Step::kGraphQuery, ir::op_name(op.code));
    s.query = {kind, op.operands[0], op.results[0]};
    steps.push_back(std::move(s));
  }

  // A one-instruction kernel converting array `slot` to `to`; returns the new slot.
  int emit_cast_step(int slot, ElemType from, ElemType to, std::vector<Step>& steps) {
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
    a.graph_slot = op.operands[0];
    a.out_slot = op.results[0];
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
      a.x_slot = op.operands[1];
      if (type_of(a.x_slot) != a.out_type) a.x_slot = emit_cast_step(a.x_slot, type_of(a.x_slot), a.out_type, steps);
    }
    if (op.operands.size() > 2) {
      // Weights stay float64 (an IR rule): casting them to an integer label type for `mode`
      // would truncate fractional weights.
      a.weights_slot = op.operands[2];
    }
    Step s = make_step(Step::kNeighborAgg, std::string("neighbor_agg.") + ir::agg_op_name(op.attrs.agg) + "." +
                                               ir::direction_name(op.attrs.direction));
    s.agg = a;
    steps.push_back(std::move(s));
  }

  void emit_edge_gather(const ir::Op& op, std::vector<Step>& steps) {
    Step s = make_step(Step::kEdgeGather, ir::op_name(op.code));
    s.gather = {op.code == OpCode::kEdgeSrc, type_of(op.results[0]), op.operands[0], op.operands[1], op.results[0]};
    steps.push_back(std::move(s));
  }

  void emit_loop(const ir::Op& op, std::vector<Step>& steps) {
    auto loop = std::make_shared<LoopStep>();
    const ir::Block* body;
    std::size_t first_init = 0;
    if (op.code == OpCode::kLoop) {
      loop->kind = LoopStep::kCount;
      loop->count_slot = op.operands[0];
      first_init = 1;
      body = &op.regions.at(0);
    } else {
      loop->kind = LoopStep::kWhile;
      const ir::Block& cond = op.regions.at(0);
      body = &op.regions.at(1);
      loop->cond_arg_slots.assign(cond.args.begin(), cond.args.end());
      loop->cond_slot = cond.yields.at(0);
      lower_block(cond, loop->cond);
    }
    loop->init_slots.assign(op.operands.begin() + static_cast<std::ptrdiff_t>(first_init), op.operands.end());
    for (int init : loop->init_slots) loop->init_moves.push_back(init_is_dead_after(op, init));
    loop->carry_slots.assign(body->args.begin(), body->args.end());
    loop->yield_slots.assign(body->yields.begin(), body->yields.end());
    loop->result_slots.assign(op.results.begin(), op.results.end());
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
  int next_profile_id_ = 0;
  const ir::Block* current_block_ = nullptr;  // the block being lowered (for init liveness)
  Cluster* open_cluster_ = nullptr;           // its cluster, which may still be open
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
