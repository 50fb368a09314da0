// verify(): structural and type checks of a whole Program; every failure names the op and value.
#include <string>
#include <vector>

#include "detail.h"

namespace fuseflow::ir {

namespace {

class Verifier {
 public:
  explicit Verifier(const Program& p) : p_(p), defined_(p.values.size(), 0), seen_(p.values.size(), 0),
                                        def_code_(p.values.size(), -1), def_operand_(p.values.size(), kNoValue) {}

  void run() {
    for (const LengthSymbol& s : p_.symbols) {
      if (s.kind == SymbolKind::kRuntime && !valid(s.source)) fail_plain("symbol refers to undefined value %" + std::to_string(s.source));
    }
    for (std::size_t v = 0; v < p_.values.size(); ++v) {
      const Type& t = p_.values[v];
      if (t.is_array() && (t.length < 0 || static_cast<std::size_t>(t.length) >= p_.symbols.size())) {
        fail_plain("value %" + std::to_string(v) + " has an invalid length symbol");
      }
    }
    collect_defs(p_.body);
    int graphs = 0;
    for (ValueId v : p_.body.args) {
      define(v, "input");
      if (p_.type(v).is_graph()) {
        bool ok = false;
        for (const LengthSymbol& s : p_.symbols) ok = ok || (s.kind == SymbolKind::kGraphNodes && s.source == v && s.ordinal == graphs);
        if (!ok) fail_plain("graph input %" + std::to_string(v) + " has no node-count symbol N" + (graphs ? std::to_string(graphs) : ""));
        ++graphs;
      }
    }
    block(p_.body, nullptr);
    for (std::size_t i = 0; i < p_.body.yields.size(); ++i) {
      ValueId v = p_.body.yields[i];
      use(v, "return");
      if (p_.type(v).is_graph()) fail_plain("return: output " + std::to_string(i) + " is a graph; return arrays or scalars");
    }
  }

 private:
  bool valid(ValueId v) const { return v >= 0 && static_cast<std::size_t>(v) < p_.values.size(); }

  [[noreturn]] void fail_plain(const std::string& message) const { throw Error(ErrorCode::kInvalidValue, "verify: " + message); }

  [[noreturn]] void fail(const Op& op, ErrorCode code, const std::string& message) const {
    detail::op_error(code, "verify: " + detail::op_display_name(op.code, op.attrs), op.loc, message);
  }

  void collect_defs(const Block& b) {
    for (const Op& op : b.ops) {
      for (ValueId r : op.results) {
        if (!valid(r)) fail(op, ErrorCode::kInvalidValue, "result %" + std::to_string(r) + " is not a value of the program");
        def_code_[static_cast<std::size_t>(r)] = static_cast<int>(op.code);
        def_operand_[static_cast<std::size_t>(r)] = op.operands.empty() ? kNoValue : op.operands[0];
      }
      for (const Block& region : op.regions) collect_defs(region);
    }
  }

  void define(ValueId v, const std::string& what) {
    if (!valid(v)) fail_plain(what + " %" + std::to_string(v) + " is not a value of the program");
    if (seen_[static_cast<std::size_t>(v)]) fail_plain(what + " %" + std::to_string(v) + " is defined twice (SSA)");
    seen_[static_cast<std::size_t>(v)] = 1;
    defined_[static_cast<std::size_t>(v)] = 1;
  }

  void use(ValueId v, const std::string& where) const {
    if (!valid(v) || !defined_[static_cast<std::size_t>(v)]) {
      fail_plain(where + ": uses %" + std::to_string(v) + " before its definition or outside its loop body");
    }
  }

  // Values defined in a region go out of scope when it ends.
  void block(const Block& b, const Op* owner) {
    for (const Op& op : b.ops) {
      for (ValueId v : op.operands) {
        if (!valid(v) || !defined_[static_cast<std::size_t>(v)]) {
          fail(op, ErrorCode::kInvalidValue, "operand %" + std::to_string(v) + " is used before its definition or outside its loop body");
        }
      }
      if (op.code == OpCode::kLoop || op.code == OpCode::kWhile) {
        control(op);
      } else {
        simple(op);
      }
      for (ValueId r : op.results) define(r, std::string("result of ") + op_name(op.code));
    }
    (void)owner;
  }

  void simple(const Op& op) {
    if (op.results.size() != 1) fail(op, ErrorCode::kInvalidValue, "must have exactly one result");
    if (!op.regions.empty()) fail(op, ErrorCode::kInvalidValue, "must not have regions");
    const Type& declared = p_.type(op.results[0]);
    auto symbols = [this](const LengthSymbol& s) -> SymbolId {
      for (std::size_t i = 0; i < p_.symbols.size(); ++i) {
        if (p_.symbols[i] == s) return static_cast<SymbolId>(i);
      }
      return kNoSymbol;
    };
    auto defs = [this](ValueId v) -> std::optional<std::pair<OpCode, ValueId>> {
      if (!valid(v) || def_code_[static_cast<std::size_t>(v)] < 0) return std::nullopt;
      return std::make_pair(static_cast<OpCode>(def_code_[static_cast<std::size_t>(v)]), def_operand_[static_cast<std::size_t>(v)]);
    };
    Type inferred = detail::infer_type(p_, op.code, op.operands, op.attrs, &declared, symbols, defs, &op.loc);
    if (!(inferred == declared)) {
      fail(op, ErrorCode::kInvalidType, "result %" + std::to_string(op.results[0]) + " is declared " + detail::type_str(p_, declared) +
                                            " but the op gives " + detail::type_str(p_, inferred));
    }
  }

  void carries(const Op& op, const Block& region, const std::vector<ValueId>& inits, bool check_yields) {
    if (region.args.size() != inits.size()) fail(op, ErrorCode::kInvalidValue, "region has " + std::to_string(region.args.size()) + " arguments for " + std::to_string(inits.size()) + " carries");
    for (std::size_t i = 0; i < inits.size(); ++i) {
      Type want = p_.type(inits[i]);
      want.weak = false;
      if (!(p_.type(region.args[i]) == want)) {
        fail(op, ErrorCode::kInvalidType, "region argument %" + std::to_string(region.args[i]) + " has type " +
                                              detail::type_str(p_, p_.type(region.args[i])) + " but carry " + std::to_string(i) + " is " + detail::type_str(p_, want));
      }
      define(region.args[i], "region argument");
    }
    block(region, &op);
    for (ValueId y : region.yields) use(y, std::string(op_name(op.code)) + " yield");
    if (check_yields) {
      if (region.yields.size() != inits.size()) fail(op, ErrorCode::kInvalidValue, "body yields " + std::to_string(region.yields.size()) + " values for " + std::to_string(inits.size()) + " carries");
      for (std::size_t i = 0; i < inits.size(); ++i) {
        if (!p_.type(region.yields[i]).same_shape_and_dtype(p_.type(region.args[i]))) {
          fail(op, ErrorCode::kInvalidType, "carry " + std::to_string(i) + " changes type from " + detail::type_str(p_, p_.type(region.args[i])) +
                                                " to " + detail::type_str(p_, p_.type(region.yields[i])) + " (yield %" + std::to_string(region.yields[i]) + ")");
        }
      }
    }
    undefine(region);
  }

  void undefine(const Block& b) {
    for (ValueId v : b.args) defined_[static_cast<std::size_t>(v)] = 0;
    for (const Op& op : b.ops) {
      for (ValueId r : op.results) defined_[static_cast<std::size_t>(r)] = 0;
    }
  }

  void control(const Op& op) {
    std::vector<ValueId> inits = op.operands;
    if (op.code == OpCode::kLoop) {
      if (op.operands.empty()) fail(op, ErrorCode::kInvalidValue, "needs a count operand");
      const Type& ct = p_.type(op.operands[0]);
      if (!ct.is_scalar() || !is_integer(ct.dtype)) fail(op, ErrorCode::kInvalidType, "count " + detail::describe(p_, op.operands[0]) + " must be an integer scalar");
      inits.erase(inits.begin());
      if (op.regions.size() != 1) fail(op, ErrorCode::kInvalidValue, "must have one region");
      carries(op, op.regions[0], inits, true);
    } else {
      if (op.regions.size() != 2) fail(op, ErrorCode::kInvalidValue, "must have a condition region and a body region");
      carries(op, op.regions[0], inits, false);
      const Block& cond = op.regions[0];
      if (cond.yields.size() != 1 || !p_.type(cond.yields[0]).is_scalar() || p_.type(cond.yields[0]).dtype != DType::kBool) {
        fail(op, ErrorCode::kInvalidType, "the condition region must yield one bool scalar");
      }
      carries(op, op.regions[1], inits, true);
    }
    for (ValueId v : inits) {
      if (p_.type(v).is_graph()) fail(op, ErrorCode::kInvalidType, "a graph cannot be a loop carry");
    }
    if (op.results.size() != inits.size()) fail(op, ErrorCode::kInvalidValue, "has " + std::to_string(op.results.size()) + " results for " + std::to_string(inits.size()) + " carries");
    for (std::size_t i = 0; i < inits.size(); ++i) {
      Type want = p_.type(inits[i]);
      want.weak = false;
      if (!(p_.type(op.results[i]) == want)) {
        fail(op, ErrorCode::kInvalidType, "result %" + std::to_string(op.results[i]) + " has type " + detail::type_str(p_, p_.type(op.results[i])) +
                                              " but carry " + std::to_string(i) + " is " + detail::type_str(p_, want));
      }
    }
  }

  const Program& p_;
  std::vector<char> defined_, seen_;
  std::vector<int> def_code_;
  std::vector<ValueId> def_operand_;
};

}  // namespace

void verify(const Program& program) { Verifier(program).run(); }

}  // namespace fuseflow::ir
