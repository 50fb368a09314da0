// Shared pass helpers: see ir_rewrite.h.
#include "opt/ir_rewrite.h"

#include <cmath>
#include <cstring>

namespace fuseflow::opt::detail {

using ir::ValueId;

bool is_control(const ir::Op& op) { return ir::has_regions(op.code); }

bool is_copy(const ir::Program& program, const ir::Op& op) {
  return op.code == ir::OpCode::kCast && op.operands.size() == 1 && op.results.size() == 1 &&
         program.type(op.results[0]).is_array() && program.type(op.results[0]) == program.type(op.operands[0]);
}

bool is_fused(const ir::Op& op) { return op.code == ir::OpCode::kFused || op.code == ir::OpCode::kFusedAgg; }

std::vector<std::optional<ir::ConstValue>> collect_constants(const ir::Program& program) {
  std::vector<std::optional<ir::ConstValue>> out(program.values.size());
  for_each_block(program.body, [&](const ir::Block& b) {
    for (const ir::Op& op : b.ops) {
      if (op.code == ir::OpCode::kConst) out[static_cast<std::size_t>(op.results.at(0))] = op.attrs.value;
    }
  });
  return out;
}

bool same_bits(const ir::ConstValue& a, const ir::ConstValue& b) {
  return std::memcmp(&a.f, &b.f, sizeof a.f) == 0 && a.i == b.i;
}

double const_as_double(const ir::ConstValue& c, DType dtype) {
  if (dtype == DType::kFloat32) return static_cast<double>(static_cast<float>(c.f));
  if (is_float(dtype)) return c.f;
  return static_cast<double>(c.i);
}

bool const_is_zero(const ir::ConstValue& c, DType dtype) { return const_as_double(c, dtype) == 0.0; }

bool const_is_negative_zero(const ir::ConstValue& c, DType dtype) {
  double v = const_as_double(c, dtype);
  return is_float(dtype) && v == 0.0 && std::signbit(v);
}

bool const_is_positive_zero(const ir::ConstValue& c, DType dtype) {
  double v = const_as_double(c, dtype);
  return v == 0.0 && !std::signbit(v);
}

bool const_is_one(const ir::ConstValue& c, DType dtype) {
  if (is_float(dtype)) return const_as_double(c, dtype) == 1.0;
  return c.i == 1;
}

// ---------------------------------------------------------------- ValueRewriter

ValueRewriter::ValueRewriter(ir::Program& program)
    : program_(program), replacement_(program.values.size(), ir::kNoValue) {}

ValueId ValueRewriter::resolve(ValueId v) const {
  while (v >= 0 && static_cast<std::size_t>(v) < replacement_.size() &&
         replacement_[static_cast<std::size_t>(v)] != ir::kNoValue) {
    v = replacement_[static_cast<std::size_t>(v)];
  }
  return v;
}

void ValueRewriter::replace(ValueId old_value, ValueId new_value) {
  new_value = resolve(new_value);
  if (old_value == new_value) return;
  if (static_cast<std::size_t>(old_value) >= replacement_.size()) replacement_.resize(program_.values.size(), ir::kNoValue);
  replacement_[static_cast<std::size_t>(old_value)] = new_value;
  any_ = true;
  remap_symbol(old_value, new_value);
}

namespace {

// The op defining `v` (nullptr for block arguments).
const ir::Op* defining_op(const ir::Block& block, ValueId v) {
  for (const ir::Op& op : block.ops) {
    for (ValueId r : op.results) {
      if (r == v) return &op;
    }
    for (const ir::Block& region : op.regions) {
      if (const ir::Op* d = defining_op(region, v)) return d;
    }
  }
  return nullptr;
}

}  // namespace

// The length symbol full(count=new_value, ...) gets, mirroring the verifier's inference: a size op
// gives its size's symbol, anything else the runtime symbol of the value itself.
void ValueRewriter::remap_symbol(ValueId old_value, ValueId new_value) {
  ir::SymbolId old_symbol = ir::kNoSymbol;
  for (std::size_t s = 0; s < program_.symbols.size(); ++s) {
    const ir::LengthSymbol& sym = program_.symbols[s];
    if (sym.kind == ir::SymbolKind::kRuntime && sym.source == old_value) old_symbol = static_cast<ir::SymbolId>(s);
  }
  if (old_symbol == ir::kNoSymbol) return;
  ir::SymbolId target = ir::kNoSymbol;
  if (const ir::Op* def = defining_op(program_.body, new_value)) {
    auto graph_symbol = [&](ir::SymbolKind kind) {
      for (std::size_t s = 0; s < program_.symbols.size(); ++s) {
        if (program_.symbols[s].kind == kind && program_.symbols[s].source == def->operands.at(0)) return static_cast<ir::SymbolId>(s);
      }
      return ir::kNoSymbol;
    };
    if (def->code == ir::OpCode::kNumNodes) target = graph_symbol(ir::SymbolKind::kGraphNodes);
    if (def->code == ir::OpCode::kNumEdges) target = graph_symbol(ir::SymbolKind::kGraphEdges);
    if (def->code == ir::OpCode::kLength) target = program_.type(def->operands.at(0)).length;
  }
  if (target == ir::kNoSymbol) target = program_.intern(ir::LengthSymbol{ir::SymbolKind::kRuntime, new_value, 0});
  if (target == old_symbol) return;
  for (ir::Type& t : program_.values) {
    if (!t.is_array()) continue;
    bool changed = false;
    for (int k = 0; k < t.rank; ++k) {
      if (t.dims[static_cast<std::size_t>(k)] == old_symbol) {
        t.dims[static_cast<std::size_t>(k)] = target;
        changed = true;
      }
    }
    if (t.length == old_symbol) {
      t.length = target;
    } else if (changed) {  // an N-d shape with that axis: its element count is a new product
      t.length = ir::shape_length(program_, t.dims.data(), t.rank, [this](const ir::LengthSymbol& s) { return program_.intern(s); });
    }
  }
}

bool ValueRewriter::apply() {
  if (!any_) return false;
  auto replaced = [&](ValueId v) {
    return static_cast<std::size_t>(v) < replacement_.size() && replacement_[static_cast<std::size_t>(v)] != ir::kNoValue;
  };
  for_each_block(program_.body, [&](ir::Block& b) {
    // A replaced op has no uses left once the rewrite is done; dropping it is always safe.
    std::erase_if(b.ops, [&](const ir::Op& op) { return op.results.size() == 1 && replaced(op.results[0]); });
    for (ir::Op& op : b.ops) {
      for (ValueId& v : op.operands) v = resolve(v);
    }
    for (ValueId& v : b.yields) v = resolve(v);
  });
  return true;
}

}  // namespace fuseflow::opt::detail
