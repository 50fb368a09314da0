// Shared lowering-pass helpers: see fusion.h.
#include "opt/fusion.h"

#include <algorithm>

namespace fuseflow::opt::detail {

using ir::OpCode;
using ir::ValueId;

bool is_fusible_elementwise(const ir::Program& p, const ir::Op& op) {
  const bool kernel_op = ir::is_elementwise(op.code) || op.code == OpCode::kFull || op.code == OpCode::kArange ||
                         op.code == OpCode::kBroadcastTo;
  return kernel_op && op.results.size() == 1 && p.type(op.results[0]).is_array();
}

ir::SymbolId reduction_length(const ir::Program& p, const ir::Op& op) {
  for (ValueId v : op.operands) {
    if (p.type(v).is_array()) return p.type(v).length;
  }
  return ir::kNoSymbol;
}

ir::SymbolId fused_length(const ir::Program& p, const ir::Op& fused) {
  const ir::Block& body = fused.regions.back();
  for (ValueId a : body.args) {
    if (p.type(a).is_array()) return p.type(a).length;
  }
  return ir::kernel_length(p, body.ops);
}

ir::SymbolId nodes_symbol_of(const ir::Program& p, ValueId graph) {
  for (std::size_t s = 0; s < p.symbols.size(); ++s) {
    if (p.symbols[s].kind == ir::SymbolKind::kGraphNodes && p.symbols[s].source == graph) return static_cast<ir::SymbolId>(s);
  }
  return ir::kNoSymbol;
}

bool reads_any(const ir::Op& op, const std::vector<char>& set) {
  std::vector<ValueId> reads;
  ir::collect_reads(op, reads);
  return std::any_of(reads.begin(), reads.end(), [&](ValueId v) { return set[static_cast<std::size_t>(v)] != 0; });
}

std::vector<std::vector<int>> block_readers(const ir::Program& p, const ir::Block& b) {
  std::vector<std::vector<int>> readers(p.values.size());
  std::vector<ValueId> reads;
  for (std::size_t i = 0; i < b.ops.size(); ++i) {
    reads.clear();
    ir::collect_reads(b.ops[i], reads);
    for (ValueId v : reads) {
      auto& r = readers[static_cast<std::size_t>(v)];
      if (r.empty() || r.back() != static_cast<int>(i)) r.push_back(static_cast<int>(i));
    }
  }
  for (ValueId y : b.yields) readers[static_cast<std::size_t>(y)].push_back(static_cast<int>(b.ops.size()));
  return readers;
}

int def_position(const ir::Block& b, ValueId v, std::size_t before) {
  for (std::size_t j = 0; j < before && j < b.ops.size(); ++j) {
    for (ValueId r : b.ops[j].results) {
      if (r == v) return static_cast<int>(j);
    }
  }
  return -1;
}

ValueId new_value(ir::Program& p, const ir::Type& t) {
  p.values.push_back(t);
  if (!p.storage.empty()) p.storage.push_back(ir::kNoValue);
  return static_cast<ValueId>(p.values.size() - 1);
}

ir::Op make_fused(ir::Program& p, std::vector<ir::Op> ops, const std::vector<char>& yield_value,
                  std::vector<std::pair<ValueId, ValueId>>& renamed) {
  ir::Op f;
  f.code = OpCode::kFused;
  f.loc = ops.front().loc;
  f.regions.resize(1);
  ir::Block& body = f.regions[0];
  for (const ir::Op& op : ops) {
    for (ValueId r : op.results) {
      if (!yield_value[static_cast<std::size_t>(r)]) continue;
      body.yields.push_back(r);
      const ValueId nr = new_value(p, p.type(r));
      f.results.push_back(nr);
      renamed.emplace_back(r, nr);
    }
  }
  body.ops = std::move(ops);
  return f;
}

void wrap_in_fused(ir::Program& p, ir::Block& b, std::size_t at) {
  std::vector<char> yield(p.values.size(), 0);
  yield[static_cast<std::size_t>(b.ops[at].results.at(0))] = 1;
  std::vector<std::pair<ValueId, ValueId>> renamed;
  std::vector<ir::Op> ops;
  ops.push_back(std::move(b.ops[at]));
  b.ops[at] = make_fused(p, std::move(ops), yield, renamed);
  rename_in_block(p, b, renamed);
}

void rename_uses(ir::Op& op, const std::vector<ValueId>& rename) {
  auto map = [&](ValueId& v) {
    if (static_cast<std::size_t>(v) < rename.size() && rename[static_cast<std::size_t>(v)] != ir::kNoValue) {
      v = rename[static_cast<std::size_t>(v)];
    }
  };
  for (ValueId& v : op.operands) map(v);
  for (ir::Block& r : op.regions) {
    for (ir::Op& inner : r.ops) rename_uses(inner, rename);
    for (ValueId& y : r.yields) map(y);
  }
}

namespace {

void defined_in_regions(const ir::Op& op, std::vector<ValueId>& out) {
  for (const ir::Block& r : op.regions) {
    out.insert(out.end(), r.args.begin(), r.args.end());
    for (const ir::Op& inner : r.ops) {
      out.insert(out.end(), inner.results.begin(), inner.results.end());
      defined_in_regions(inner, out);
    }
  }
}

}  // namespace

void rename_in_block(ir::Program& p, ir::Block& b, const std::vector<std::pair<ValueId, ValueId>>& renamed) {
  if (renamed.empty()) return;
  std::vector<ValueId> rename(p.values.size(), ir::kNoValue);
  for (const auto& [from, to] : renamed) rename[static_cast<std::size_t>(from)] = to;
  std::vector<ValueId> local;
  std::vector<std::pair<ValueId, ValueId>> saved;
  for (ir::Op& op : b.ops) {
    // Inside the fused op that defines a renamed value, its own readers keep the inner value.
    local.clear();
    saved.clear();
    defined_in_regions(op, local);
    for (ValueId v : local) {
      ValueId& r = rename[static_cast<std::size_t>(v)];
      if (r != ir::kNoValue) {
        saved.emplace_back(v, r);
        r = ir::kNoValue;
      }
    }
    rename_uses(op, rename);
    for (const auto& [v, r] : saved) rename[static_cast<std::size_t>(v)] = r;
  }
  for (ValueId& y : b.yields) {
    if (rename[static_cast<std::size_t>(y)] != ir::kNoValue) y = rename[static_cast<std::size_t>(y)];
  }
  // A runtime length (arange(n) with n a reduction now produced by a fused op) follows its source.
  for (ir::LengthSymbol& s : p.symbols) {
    if (s.kind == ir::SymbolKind::kRuntime && static_cast<std::size_t>(s.source) < rename.size() &&
        rename[static_cast<std::size_t>(s.source)] != ir::kNoValue) {
      s.source = rename[static_cast<std::size_t>(s.source)];
    }
  }
}

}  // namespace fuseflow::opt::detail
