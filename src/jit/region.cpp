// describe_region: a `fused` op -> RegionKey + the outer values bound to its slots. Read-only use
// of the IR. The canonical order (what makes the key structural): the region's ops in order; before
// each op, its operands that are outer values and have no slot yet, in operand order (arrays and
// scalars numbered separately); a `const` op or a cast of an outer scalar is a scalar slot.
#include "fuseflow/jit/region.h"

#include <unordered_map>

namespace fuseflow::jit {
namespace {

using ir::OpCode;

enum class Role : std::uint8_t { kUnsupported, kValue, kMask, kMaskLogic, kCompare, kWhere };

// What an op of the region does in the compiled tier (float32 erf family: evaluated via float64 by
// the interpreter, not in the template: unsupported).
Role role_of(OpCode op, DType t) {
  switch (op) {
    case OpCode::kNeg: case OpCode::kAbs: case OpCode::kRelu: case OpCode::kSquare:
    case OpCode::kAdd: case OpCode::kSub: case OpCode::kMul: case OpCode::kDiv:
    case OpCode::kMinimum: case OpCode::kMaximum: case OpCode::kClip:
    case OpCode::kExp: case OpCode::kLog: case OpCode::kLog1p: case OpCode::kExpm1: case OpCode::kSqrt:
    case OpCode::kSin: case OpCode::kCos: case OpCode::kTanh: case OpCode::kSigmoid:
    case OpCode::kFloor: case OpCode::kCeil: case OpCode::kRound:
      return Role::kValue;
    case OpCode::kErf: case OpCode::kErfc: case OpCode::kNormCdf:
      return t == DType::kFloat64 ? Role::kValue : Role::kUnsupported;
    case OpCode::kEq: case OpCode::kNe: case OpCode::kLt: case OpCode::kLe: case OpCode::kGt: case OpCode::kGe:
      return Role::kCompare;
    case OpCode::kAnd: case OpCode::kOr: case OpCode::kXor: case OpCode::kNot:
      return Role::kMaskLogic;
    case OpCode::kWhere:
      return Role::kWhere;
    default:
      return Role::kUnsupported;
  }
}

struct Describer {
  const ir::Program& p;
  ir::SymbolId length = ir::kNoSymbol;
  RegionBinding out;
  std::unordered_map<ir::ValueId, int> node_of;  // value -> node index
  std::vector<bool> is_mask;                     // per node
  std::vector<bool> is_sum;                      // per node: a partial sum (read by nothing)

  int add_node(Node n, bool mask, bool sum = false) {
    out.key.nodes.push_back(n);
    is_mask.push_back(mask);
    is_sum.push_back(sum);
    return static_cast<int>(out.key.nodes.size()) - 1;
  }
  int add_scalar_slot(ir::ValueId outer, double constant) {
    const int slot = out.key.num_scalars++;
    out.scalars.push_back(outer);
    out.constants.push_back(constant);
    return add_node(Node{NodeKind::kScalar, OpCode::kConst, slot}, false);
  }

  // A new array slot for outer value v (a bool array is a mask), and its node.
  int add_array_slot(ir::ValueId v, bool mask) {
    const int slot = out.key.num_arrays++;
    out.arrays.push_back(v);
    const int node = add_node(Node{mask ? NodeKind::kBoolArray : NodeKind::kArray, OpCode::kConst, slot}, mask);
    node_of.emplace(v, node);
    return node;
  }

  // Node of operand v (an outer value gets a slot on first use); -1 when unsupported.
  int operand(ir::ValueId v) {
    if (auto it = node_of.find(v); it != node_of.end()) return it->second;
    const ir::Type& t = p.type(v);
    if (t.is_graph()) return -1;
    if (t.dtype == DType::kBool && t.is_array() && t.length == length) return add_array_slot(v, true);  // a mask
    if (t.dtype != out.key.dtype) return -1;
    if (t.is_array() && t.length == length) return add_array_slot(v, false);
    if (!t.is_scalar() &&
        !(t.is_array() && p.symbols.at(static_cast<std::size_t>(t.length)).kind == ir::SymbolKind::kOne)) {
      return -1;
    }
    const int node = add_scalar_slot(v, 0.0);
    node_of.emplace(v, node);
    return node;
  }

  // broadcast_to in a region: of an outer array, an array slot bound to the broadcast's result
  // (the executor hands the compiled kernel each block of that strided read as it hands the
  // interpreter, in place or gathered); of a region value (leading unit axes added: the same
  // elements), that value's node.
  bool broadcast(const ir::Op& op, ir::ValueId r, const ir::Type& rt) {
    const ir::ValueId src = op.operands.at(0);
    if (!rt.is_array() || rt.length != length) return false;
    if (auto it = node_of.find(src); it != node_of.end()) {
      if (p.type(src).length != rt.length) return false;
      node_of.emplace(r, it->second);
      return true;
    }
    const bool mask = rt.dtype == DType::kBool;
    if (!mask && rt.dtype != out.key.dtype) return false;
    add_array_slot(r, mask);
    return true;
  }

  bool op(const ir::Op& op) {
    if (op.results.size() != 1 || !op.regions.empty()) return false;
    const ir::ValueId r = op.results[0];
    const ir::Type& rt = p.type(r);
    const DType t = out.key.dtype;
    if (op.code == OpCode::kConst) {  // a run-time scalar (the key does not hold constants)
      if (!rt.is_scalar() || rt.dtype != t) return false;
      node_of.emplace(r, add_scalar_slot(ir::kNoValue, op.attrs.value.f));
      return true;
    }
    if (op.code == OpCode::kCast) {
      // Only an outer float scalar converted to T: static_cast<T>(double) is the executor's convert.
      const ir::ValueId src = op.operands.at(0);
      const ir::Type& st = p.type(src);
      if (!rt.is_scalar() || rt.dtype != t || !st.is_scalar() || !is_float(st.dtype) || node_of.count(src)) return false;
      node_of.emplace(r, add_scalar_slot(src, 0.0));
      return true;
    }
    if (op.code == OpCode::kSum || op.code == OpCode::kMean) {
      // The block's partial sum (a mean's is the same; the executor divides when combining).
      const ir::ValueId x = op.operands.at(0);
      if (op.operands.size() != 1 || !rt.is_scalar() || rt.dtype != t || p.type(x).dtype != t) return false;
      const int a = operand(x);
      if (a < 0 || is_mask[static_cast<std::size_t>(a)] || is_sum[static_cast<std::size_t>(a)]) return false;
      node_of.emplace(r, add_node(Node{NodeKind::kOp, OpCode::kSum, -1, a}, false, true));
      return true;
    }
    if (op.code == OpCode::kBroadcastTo) return broadcast(op, r, rt);
    const Role role = role_of(op.code, t);
    if (role == Role::kUnsupported || !rt.is_array() || rt.length != length) return false;
    int args[3] = {-1, -1, -1};
    if (op.operands.size() > 3) return false;
    for (std::size_t k = 0; k < op.operands.size(); ++k) {
      const ir::ValueId v = op.operands[k];
      auto it = node_of.find(v);
      if (it == node_of.end()) {
        if (p.type(v).dtype != t && p.type(v).dtype != DType::kBool) return false;  // int values are not supported
        args[k] = operand(v);
      } else {
        args[k] = it->second;
      }
      if (args[k] < 0 || is_sum[static_cast<std::size_t>(args[k])]) return false;
      // Masks appear only where a bool is expected, values only where a T is expected.
      const bool want_mask = role == Role::kMaskLogic || (role == Role::kWhere && k == 0);
      if (is_mask[static_cast<std::size_t>(args[k])] != want_mask) return false;
    }
    const bool mask = role == Role::kCompare || role == Role::kMaskLogic;
    if (mask ? rt.dtype != DType::kBool : rt.dtype != t) return false;
    node_of.emplace(r, add_node(Node{NodeKind::kOp, op.code, -1, args[0], args[1], args[2]}, mask));
    return true;
  }
};

}  // namespace

std::string RegionKey::str() const {
  std::string s = dtype_short_name(dtype);
  s += '|';
  for (const Node& n : nodes) {
    switch (n.kind) {
      case NodeKind::kArray: s += 'a' + std::to_string(n.slot); break;
      case NodeKind::kScalar: s += 's' + std::to_string(n.slot); break;
      case NodeKind::kBoolArray: s += 'b' + std::to_string(n.slot); break;
      case NodeKind::kOp:
        s += ir::op_name(n.op);
        s += '(' + std::to_string(n.a);
        if (n.b >= 0) s += ',' + std::to_string(n.b);
        if (n.c >= 0) s += ',' + std::to_string(n.c);
        s += ')';
        break;
    }
    s += ' ';
  }
  s += "|out";
  for (int o : outputs) s += ' ' + std::to_string(o);
  return s;
}

RegionKey with_scalar_slots(const RegionKey& key, const std::vector<char>& as_scalar) {
  std::vector<int> new_slot(static_cast<std::size_t>(key.num_arrays), -1);
  int arrays = 0, scalars = key.num_scalars;
  for (int k = 0; k < key.num_arrays; ++k) {
    new_slot[static_cast<std::size_t>(k)] = as_scalar.at(static_cast<std::size_t>(k)) ? scalars++ : arrays++;
  }
  RegionKey out = key;
  for (Node& n : out.nodes) {
    if (n.kind != NodeKind::kArray && n.kind != NodeKind::kBoolArray) continue;
    const bool scalar = as_scalar.at(static_cast<std::size_t>(n.slot)) != 0;  // never a mask (callers' rule)
    n.slot = new_slot[static_cast<std::size_t>(n.slot)];
    if (scalar) n.kind = NodeKind::kScalar;
  }
  out.num_arrays = arrays;
  out.num_scalars = scalars;
  return out;
}

std::optional<RegionBinding> describe_body(const ir::Program& program, const std::vector<ir::Op>& ops,
                                           const std::vector<ir::ValueId>& yields, ir::SymbolId length,
                                           std::string* why) {
  auto fail = [&](std::string reason) -> std::optional<RegionBinding> {
    if (why) *why = std::move(reason);
    return std::nullopt;
  };
  if (yields.empty()) return fail("it writes no array");
  if (length == ir::kNoSymbol) return fail("a scalar kernel");
  if (program.symbols.at(static_cast<std::size_t>(length)).kind == ir::SymbolKind::kOne) {
    return fail("a length-1 kernel (run as scalars)");
  }
  Describer d{program, length, {}, {}, {}, {}};
  const ir::Type& first = program.type(yields[0]);
  if (first.is_graph() || !is_float(first.dtype)) {
    return fail(std::string("its first result is ") + dtype_short_name(first.dtype) + ", not float");
  }
  d.out.key.dtype = first.dtype;
  for (const ir::Op& op : ops) {
    if (!d.op(op)) {
      if (ir::is_reduction(op.code)) return fail(std::string("it reduces (") + ir::op_name(op.code) + ")");
      return fail(std::string("op ") + ir::op_name(op.code) + " with these operand types is not in the template");
    }
  }
  for (ir::ValueId y : yields) {
    auto it = d.node_of.find(y);
    if (it == d.node_of.end()) return fail("it yields an input unchanged");
    const Node& n = d.out.key.nodes[static_cast<std::size_t>(it->second)];
    if (n.kind != NodeKind::kOp) return fail("it yields a scalar or input unchanged");
    if (d.is_mask[static_cast<std::size_t>(it->second)]) return fail("it yields a bool array");
    if (d.is_sum[static_cast<std::size_t>(it->second)] != program.type(y).is_scalar()) return fail("it yields a scalar");
    if (program.type(y).dtype != d.out.key.dtype) return fail("its results differ in dtype");
    d.out.key.outputs.push_back(it->second);
  }
  // Every partial sum must be an output (the executor combines it), each once.
  int sums = 0;
  for (bool b : d.is_sum) sums += b ? 1 : 0;
  int sum_outputs = 0;
  for (int o : d.out.key.outputs) sum_outputs += d.is_sum[static_cast<std::size_t>(o)] ? 1 : 0;
  if (sums != sum_outputs) return fail("a sum it does not write");
  return std::move(d.out);
}

std::optional<RegionBinding> describe_region(const ir::Program& program, const ir::Op& fused) {
  // fused: its one region; fused_agg: its epilogue, a fused body over the nodes whose argument
  // (the aggregate) is an array like any outer value.
  const bool agg = fused.code == OpCode::kFusedAgg && fused.regions.size() == 2;
  if (!agg && (fused.code != OpCode::kFused || fused.regions.size() != 1)) return std::nullopt;
  const ir::Block& body = fused.regions[agg ? 1 : 0];
  if (body.yields.empty() || body.yields.size() != fused.results.size()) return std::nullopt;
  return describe_body(program, body.ops, body.yields, ir::kernel_length(program, body.ops));
}

}  // namespace fuseflow::jit
