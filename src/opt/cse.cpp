// cse: common subexpression elimination. Two ops are equal when they have the same opcode,
// operands, attributes (constants compared bit for bit: 0.0 and -0.0 differ) and result type
// (weakness included). A later equal op is replaced by the earlier one. Scopes follow regions: a
// value defined inside a loop body may replace ops later in that body (and its nested regions)
// but never ops outside it, while ops inside a body do reuse values computed before the loop.
// Loop and while ops themselves are never merged, nor explicit copies (an array cast to its own
// type: see distinct_outputs). Operands of commutative ops are put in order
// only for integer and bool operands (for floats the NaN payload of a+b depends on the order).
#include <algorithm>
#include <cstring>
#include <string>
#include <unordered_map>
#include <vector>

#include "fuseflow/opt/pass_manager.h"
#include "opt/ir_rewrite.h"

namespace fuseflow::opt {

namespace {

using ir::OpCode;
using ir::ValueId;

template <class T>
void append(std::string& key, const T& v) {
  key.append(reinterpret_cast<const char*>(&v), sizeof v);
}

class Cse {
 public:
  explicit Cse(ir::Program& p) : p_(p), rewriter_(p) {}

  bool run() {
    block(p_.body);
    return rewriter_.apply();
  }

 private:
  std::string key_of(const ir::Op& op) const {
    std::vector<ValueId> operands = op.operands;
    if (ir::is_commutative(op.code) && !is_float(p_.type(operands[0]).dtype)) std::sort(operands.begin(), operands.end());
    const ir::Type& t = p_.type(op.results[0]);
    std::string key;
    append(key, op.code);
    append(key, t.kind);
    append(key, t.dtype);
    append(key, t.length);
    append(key, t.rank);
    for (ir::SymbolId d : t.dims) append(key, d);
    append(key, t.weak);
    append(key, op.attrs.agg);
    append(key, op.attrs.direction);
    append(key, op.attrs.combine);
    append(key, op.attrs.active);
    append(key, op.attrs.norm);
    std::uint64_t bits = 0;
    std::memcpy(&bits, &op.attrs.value.f, sizeof bits);
    append(key, bits);
    append(key, op.attrs.value.i);
    append(key, op.attrs.axis);  // array ops along an axis
    for (std::int8_t a : op.attrs.perm) append(key, a);  // transpose
    for (ValueId v : operands) append(key, v);
    return key;
  }

  ValueId find(const std::string& key) const {
    for (auto scope = scopes_.rbegin(); scope != scopes_.rend(); ++scope) {
      auto it = scope->find(key);
      if (it != scope->end()) return it->second;
    }
    return ir::kNoValue;
  }

  void block(ir::Block& b) {
    scopes_.emplace_back();
    for (ir::Op& op : b.ops) {
      for (ValueId& v : op.operands) v = rewriter_.resolve(v);
      if (detail::is_control(op)) {
        if (detail::is_fused(op)) continue;
        for (ir::Block& region : op.regions) block(region);
        continue;
      }
      if (detail::is_copy(p_, op)) continue;  // each explicit copy is a buffer of its own
      std::string key = key_of(op);
      ValueId earlier = find(key);
      if (earlier != ir::kNoValue) {
        rewriter_.replace(op.results[0], earlier);
      } else {
        scopes_.back().emplace(std::move(key), op.results[0]);
      }
    }
    for (ValueId& v : b.yields) v = rewriter_.resolve(v);
    scopes_.pop_back();
  }

  ir::Program& p_;
  detail::ValueRewriter rewriter_;
  std::vector<std::unordered_map<std::string, ValueId>> scopes_;
};

}  // namespace

bool cse(ir::Program& program) { return Cse(program).run(); }

}  // namespace fuseflow::opt
