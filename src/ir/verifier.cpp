// verify(): structural and type checks of a whole Program; every failure names the op and value.
#include <algorithm>
#include <optional>
#include <string>
#include <vector>

#include "detail.h"

namespace fuseflow::ir {

namespace {

class Verifier {
 public:
  explicit Verifier(const Program& p) : p_(p), defined_(p.values.size(), 0), seen_(p.values.size(), 0),
                                        defs_(p.values.size()) {}

  void run() {
    check_depth();
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
    if (!p_.storage.empty()) {
      if (p_.storage.size() != p_.values.size()) fail_plain("storage has " + std::to_string(p_.storage.size()) + " entries for " + std::to_string(p_.values.size()) + " values");
      taken_.assign(p_.values.size(), 0);
      storage_block(p_.body, false);
    }
  }

 private:
  bool valid(ValueId v) const { return v >= 0 && static_cast<std::size_t>(v) < p_.values.size(); }

  // First, without recursion: the walks below recurse once per nesting level.
  void check_depth() const {
    struct Level {
      const Block* block;
      std::size_t op = 0, region = 0;
    };
    std::vector<Level> stack{{&p_.body}};
    while (!stack.empty()) {
      Level& top = stack.back();
      if (top.op == top.block->ops.size()) {
        stack.pop_back();
        continue;
      }
      const Op& op = top.block->ops[top.op];
      if (top.region == op.regions.size()) {
        ++top.op;
        top.region = 0;
        continue;
      }
      const Block* inner = &op.regions[top.region++];
      // The new region's depth is stack.size(); a fused one (a leaf) may be one level deeper.
      const bool leaf = op.code == OpCode::kFused || op.code == OpCode::kFusedAgg;
      if (stack.size() > static_cast<std::size_t>(kMaxRegionDepth) + (leaf ? 1 : 0)) {
        fail(op, ErrorCode::kInvalidValue, "loops nest deeper than " + std::to_string(kMaxRegionDepth) + " levels; at most " +
                                               std::to_string(kMaxRegionDepth) + " loop/while bodies may nest inside each other");
      }
      stack.push_back({inner});
    }
  }

  [[noreturn]] void fail_plain(const std::string& message) const { throw Error(ErrorCode::kInvalidValue, "verify: " + message); }

  [[noreturn]] void fail(const Op& op, ErrorCode code, const std::string& message) const {
    detail::op_error(code, "verify: " + detail::op_display_name(op.code, op.attrs), op.loc, message);
  }

  void collect_defs(const Block& b) {
    for (const Op& op : b.ops) {
      for (ValueId r : op.results) {
        if (!valid(r)) fail(op, ErrorCode::kInvalidValue, "result %" + std::to_string(r) + " is not a value of the program");
        defs_[static_cast<std::size_t>(r)] =
            detail::ValueDef{op.code, op.operands.empty() ? kNoValue : op.operands[0], detail::def_aux(op.code, op.attrs)};
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
      } else if (op.code == OpCode::kFused || op.code == OpCode::kFusedAgg) {
        fused(op);
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
    auto defs = [this](ValueId v) -> std::optional<detail::ValueDef> {
      if (!valid(v)) return std::nullopt;
      return defs_[static_cast<std::size_t>(v)];
    };
    Type inferred = detail::infer_type(p_, op.code, op.operands, op.attrs, &declared, symbols, defs, &op.loc);
    if (!(inferred == declared) && !detail::declared_by_runtime_counts(p_, op, declared, symbols)) {
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

  // ---- storage (memory planning): v@u means v is written into u's buffer. Checked per block:
  // u and v are arrays of one dtype and length defined by ops of the same block, u before v, each
  // written into a buffer of its own by its op (not a loop/while result, whose buffers swap
  // between iterations, nor a degree array, a view of the graph's memory); u is not yielded, feeds
  // no loop (a loop may keep a reference to its init), is not already taken by another value, and
  // its last use (reads inside nested regions count at their op) is no later than v's op. At v's
  // op only for fused/fused_agg (an in-place update), and then the region's last read of u comes
  // no later than the instruction computing v (each block of elements is read before it is
  // overwritten), and a fused_agg's gather (operands, prologue) does not read u. v is not a loop
  // body's yield. A fused_agg's aggregate may name one of the op's results computed no earlier
  // than the epilogue's last read of the aggregate, and not one updating an array in place (the
  // gather writes the aggregate before the epilogue reads that array). Values inside a fused
  // region live in registers: no storage.
  [[noreturn]] void storage_fail(ValueId v, ValueId u, const std::string& rule) const {
    fail_plain("storage %" + std::to_string(v) + "@%" + std::to_string(u) + ": " + rule);
  }

  // Position in `b` of the op defining v (-1: a region argument or defined elsewhere).
  static int def_index(const Block& b, ValueId v) {
    for (std::size_t j = 0; j < b.ops.size(); ++j) {
      const auto& r = b.ops[j].results;
      if (std::find(r.begin(), r.end(), v) != r.end()) return static_cast<int>(j);
    }
    return -1;
  }

  // Last position in `b` whose op reads v as an operand (-1: none).
  static int last_read_index(const Block& b, ValueId v) {
    int last = -1;
    for (std::size_t j = 0; j < b.ops.size(); ++j) {
      const auto& o = b.ops[j].operands;
      if (std::find(o.begin(), o.end(), v) != o.end()) last = static_cast<int>(j);
    }
    return last;
  }

  static bool own_buffer(OpCode code) {
    return code != OpCode::kLoop && code != OpCode::kWhile && code != OpCode::kOutDegree && code != OpCode::kInDegree;
  }

  void no_storage_inside(const Block& b) const {
    for (const Op& op : b.ops) {
      for (ValueId r : op.results) {
        if (p_.storage_of(r) != kNoValue) storage_fail(r, p_.storage_of(r), "a value inside a fused region lives in registers and has no storage");
      }
    }
  }

  void storage_block(const Block& b, bool loop_body) {
    const int end = static_cast<int>(b.ops.size());
    std::vector<int> def_pos(p_.values.size(), -1), last_use(p_.values.size(), -1);
    std::vector<char> feeds_loop(p_.values.size(), 0), own(p_.values.size(), 0), yielded(p_.values.size(), 0);
    for (int i = 0; i < end; ++i) {
      const Op& op = b.ops[static_cast<std::size_t>(i)];
      for (ValueId r : op.results) {
        def_pos[static_cast<std::size_t>(r)] = i;
        own[static_cast<std::size_t>(r)] = own_buffer(op.code);
      }
      std::vector<ValueId> reads;
      collect_reads(op, reads);
      for (ValueId v : reads) {
        last_use[static_cast<std::size_t>(v)] = i;
        if (op.code == OpCode::kLoop || op.code == OpCode::kWhile) feeds_loop[static_cast<std::size_t>(v)] = 1;
      }
    }
    for (ValueId y : b.yields) {
      last_use[static_cast<std::size_t>(y)] = end;
      yielded[static_cast<std::size_t>(y)] = 1;
    }
    for (int i = 0; i < end; ++i) {
      const Op& op = b.ops[static_cast<std::size_t>(i)];
      const bool fused_op = op.code == OpCode::kFused || op.code == OpCode::kFusedAgg;
      for (std::size_t k = 0; k < op.results.size(); ++k) {
        const ValueId v = op.results[k];
        const ValueId u = p_.storage_of(v);
        if (u == kNoValue) continue;
        if (!valid(u)) storage_fail(v, u, "not a value of the program");
        const Type& tv = p_.type(v);
        const Type& tu = p_.type(u);
        if (!tv.is_array() || !tu.is_array() || tv.dtype != tu.dtype || tv.length != tu.length) {
          storage_fail(v, u, "both must be arrays of the same dtype and length");
        }
        const int du = def_pos[static_cast<std::size_t>(u)];
        if (du < 0 || du >= i) storage_fail(v, u, "the buffer's value must be defined by an earlier op of the same block");
        if (!own_buffer(op.code)) storage_fail(v, u, std::string("a ") + op_name(op.code) + " result's buffer is not planned");
        if (!own[static_cast<std::size_t>(u)]) storage_fail(v, u, "a loop result's or degree array's buffer is not planned");
        if (loop_body && yielded[static_cast<std::size_t>(v)]) storage_fail(v, u, "a loop body's yield is not planned (carry buffers swap)");
        if (feeds_loop[static_cast<std::size_t>(u)]) storage_fail(v, u, "the buffer's value feeds a loop, which may keep its buffer");
        if (taken_[static_cast<std::size_t>(u)]) storage_fail(v, u, "the buffer is already taken by another value");
        const int lu = last_use[static_cast<std::size_t>(u)];
        if (lu > i) storage_fail(v, u, "the buffer's value is still read after this op");
        if (lu == i) in_place(op, k, u);
        taken_[static_cast<std::size_t>(u)] = 1;
      }
      if (op.code == OpCode::kFusedAgg) aggregate_storage(op, last_use, i);
      for (std::size_t r = 0; r < op.regions.size(); ++r) {
        const Block& region = op.regions[r];
        for (ValueId arg : region.args) {
          const bool aggregate = op.code == OpCode::kFusedAgg && r == 1;
          if (!aggregate && p_.storage_of(arg) != kNoValue) storage_fail(arg, p_.storage_of(arg), "a region argument has no storage of its own");
        }
        if (fused_op) {
          no_storage_inside(region);
        } else {
          storage_block(region, true);
        }
      }
    }
    for (ValueId a : b.args) {
      if (&b == &p_.body && p_.storage_of(a) != kNoValue) storage_fail(a, p_.storage_of(a), "a program input is borrowed, never planned");
    }
  }

  // v = op.results[k] written into u's buffer by the op that reads u last.
  void in_place(const Op& op, std::size_t k, ValueId u) const {
    const ValueId v = op.results[k];
    if (op.code != OpCode::kFused && op.code != OpCode::kFusedAgg) storage_fail(v, u, "an in-place update needs a fused op");
    const Block& body = op.regions.back();
    if (op.code == OpCode::kFusedAgg) {
      // The gather reads its values (and the prologue's input) at random: never in place.
      bool random_read = std::find(op.operands.begin(), op.operands.end(), u) != op.operands.end() ||
                         last_read_index(op.regions[0], u) >= 0;
      if (random_read) storage_fail(v, u, "a gather's input cannot be updated in place");
    }
    const int written_at = def_index(body, body.yields.at(k));
    if (written_at < 0) storage_fail(v, u, "an in-place update needs a result computed by an instruction of the region");
    if (last_read_index(body, u) > written_at) {
      storage_fail(v, u, "an in-place update must come no earlier than the region's last read of the buffer's value");
    }
  }

  // The aggregate a (the epilogue's argument) stored in result r of its fused_agg.
  void aggregate_storage(const Op& op, const std::vector<int>& last_use, int at) const {
    const Block& epi = op.regions[1];
    const ValueId a = epi.args[0];
    const ValueId r = p_.storage_of(a);
    if (r == kNoValue) return;
    const auto it = std::find(op.results.begin(), op.results.end(), r);
    if (it == op.results.end()) storage_fail(a, r, "a fused_agg aggregate may only name a result of its op");
    if (!(p_.type(r) == p_.type(a))) storage_fail(a, r, "both must be arrays of the same dtype and length");
    const ValueId y = epi.yields.at(static_cast<std::size_t>(it - op.results.begin()));
    if (y != a && def_index(epi, y) < last_read_index(epi, a)) {
      storage_fail(a, r, "the result must be computed no earlier than the epilogue's last read of the aggregate");
    }
    const ValueId holder = p_.storage_of(r);
    if (holder != kNoValue && valid(holder) && last_use[static_cast<std::size_t>(holder)] == at) {
      storage_fail(a, r, "the result updates %" + std::to_string(holder) + " in place, which the gather would overwrite before the epilogue reads it");
    }
  }

  // ---- fused / fused_agg

  bool is_one(SymbolId s) const { return p_.symbols.at(static_cast<std::size_t>(s)).kind == SymbolKind::kOne; }

  // The ops of a fused body: elementwise ops, full/arange, constants and reductions; every array
  // defined inside has length `length`, every array read has it or length 1, reductions read
  // arrays of that length, and nothing reads a reduction of the same region (its value exists only
  // after the pass). `prologue`: no reductions, and outer values read must be scalars or length 1.
  void fused_body(const Op& owner, const Block& b, SymbolId length, bool prologue) {
    std::vector<char> local(p_.values.size(), 0), reduced(p_.values.size(), 0);
    for (ValueId a : b.args) local[static_cast<std::size_t>(a)] = 1;
    for (const Op& op : b.ops) {
      const OpClass cls = op_info(op.code).op_class;
      const bool reduction = cls == OpClass::kReduction;
      if (cls == OpClass::kControl || cls == OpClass::kGraph || cls == OpClass::kAxis || op.code == OpCode::kLength) {
        fail(owner, ErrorCode::kInvalidValue, std::string("a fused region cannot hold ") + op_name(op.code));
      }
      if (reduction && prologue) fail(owner, ErrorCode::kInvalidValue, "a fused_agg prologue cannot hold a reduction");
      for (ValueId v : op.operands) {
        if (!valid(v) || !defined_[static_cast<std::size_t>(v)]) {
          fail(owner, ErrorCode::kInvalidValue, std::string(op_name(op.code)) + " operand %" + std::to_string(v) +
                                                    " is used before its definition or outside its scope");
        }
        const Type& t = p_.type(v);
        if (reduced[static_cast<std::size_t>(v)]) {
          fail(owner, ErrorCode::kInvalidValue, std::string(op_name(op.code)) + " reads %" + std::to_string(v) +
                                                    ", a reduction of the same fused region (known only after the pass)");
        }
        // broadcast_to reads its (smaller) source from outside the region, through strides.
        const bool broadcast_source = op.code == OpCode::kBroadcastTo && !local[static_cast<std::size_t>(v)];
        if (t.is_array() && t.length != length && !is_one(t.length) && !broadcast_source) {
          fail(owner, ErrorCode::kInvalidValue, std::string(op_name(op.code)) + " reads %" + std::to_string(v) +
                                                    " whose length differs from the fused region's");
        }
        if (prologue && !local[static_cast<std::size_t>(v)] && t.is_array() && !is_one(t.length)) {
          fail(owner, ErrorCode::kInvalidValue, "the prologue reads array %" + std::to_string(v) +
                                                    "; it may read only its argument, its own values and scalars");
        }
      }
      simple(op);
      const Type& rt = p_.type(op.results[0]);
      if (!reduction && op.code != OpCode::kConst && !(rt.is_array() && rt.length == length)) {
        fail(owner, ErrorCode::kInvalidValue, std::string(op_name(op.code)) + " result %" + std::to_string(op.results[0]) +
                                                  " is not an array of the fused region's length");
      }
      for (ValueId r : op.results) {
        local[static_cast<std::size_t>(r)] = 1;
        if (reduction) reduced[static_cast<std::size_t>(r)] = 1;
      }
      for (ValueId r : op.results) define(r, std::string("result of ") + op_name(op.code));
    }
    std::vector<char> yielded(p_.values.size(), 0);
    for (ValueId y : b.yields) {
      use(y, std::string(op_name(owner.code)) + " yield");
      if (!local[static_cast<std::size_t>(y)]) fail(owner, ErrorCode::kInvalidValue, "yields %" + std::to_string(y) + ", which the region does not define");
      // Each yield is written straight into its own result's buffer: one value cannot be two.
      if (yielded[static_cast<std::size_t>(y)]) {
        fail(owner, ErrorCode::kInvalidValue, "yields %" + std::to_string(y) + " twice; a fused region yields each value at most once");
      }
      yielded[static_cast<std::size_t>(y)] = 1;
    }
  }

  void fused_results(const Op& op, const Block& b) {
    if (op.results.size() != b.yields.size()) {
      fail(op, ErrorCode::kInvalidValue, "has " + std::to_string(op.results.size()) + " results for " + std::to_string(b.yields.size()) + " yields");
    }
    for (std::size_t i = 0; i < b.yields.size(); ++i) {
      if (!(p_.type(op.results[i]) == p_.type(b.yields[i]))) {
        fail(op, ErrorCode::kInvalidType, "result %" + std::to_string(op.results[i]) + " has type " + detail::type_str(p_, p_.type(op.results[i])) +
                                              " but yield %" + std::to_string(b.yields[i]) + " is " + detail::type_str(p_, p_.type(b.yields[i])));
      }
    }
  }

  void fused(const Op& op) {
    if (op.code == OpCode::kFused) {
      if (!op.operands.empty()) fail(op, ErrorCode::kInvalidValue, "takes no operands");
      if (op.regions.size() != 1 || !op.regions[0].args.empty()) fail(op, ErrorCode::kInvalidValue, "must have one region without arguments");
      const Block& b = op.regions[0];
      if (b.yields.empty()) fail(op, ErrorCode::kInvalidValue, "must yield at least one value");
      const SymbolId length = kernel_length(p_, b.ops);
      if (length == kNoSymbol) fail(op, ErrorCode::kInvalidValue, "holds no array op (nothing to fuse)");
      fused_body(op, b, length, false);
      fused_results(op, b);
      undefine(b);
      return;
    }
    // fused_agg
    if (op.regions.size() != 2) fail(op, ErrorCode::kInvalidValue, "must have a prologue and an epilogue region");
    if (op.operands.size() < 2 || op.operands.size() > 3 + (op.attrs.active ? 1u : 0u)) {
      fail(op, ErrorCode::kInvalidValue, "takes (graph, values[, weights][, active])");
    }
    const Block& pro = op.regions[0];
    const Block& epi = op.regions[1];
    if (pro.args.size() != 1 || epi.args.size() != 1) fail(op, ErrorCode::kInvalidValue, "each region has one argument");
    Type want = p_.type(op.operands[1]);
    want.weak = false;
    if (!(p_.type(pro.args[0]) == want)) fail(op, ErrorCode::kInvalidType, "the prologue argument must have the values' type " + detail::type_str(p_, want));
    const SymbolId nodes = want.length;
    define(pro.args[0], "region argument");
    fused_body(op, pro, nodes, true);
    if (pro.yields.size() != 1) fail(op, ErrorCode::kInvalidValue, "the prologue yields exactly one value");
    // The executor runs a prologue either as the identity (no ops) or as the kernel computing its
    // yield; one that holds ops but yields its argument is neither (it gathered garbage).
    if (pro.yields[0] == pro.args[0] && !pro.ops.empty()) {
      fail(op, ErrorCode::kInvalidValue, "a prologue yielding its argument is the identity and holds no ops");
    }
    // A semiring aggregation folds combine(x[u], w[e]) in its own loop (exec/semiring_agg.cpp),
    // which runs no per-edge prologue.
    if (op.attrs.combine != Combine::kNone && !pro.ops.empty()) {
      fail(op, ErrorCode::kInvalidValue, "a semiring (combine) fused_agg has the identity prologue");
    }
    // The aggregate's type: that of neighbor_agg over the prologue's yield.
    std::vector<ValueId> agg_operands = op.operands;
    agg_operands[1] = pro.yields[0];
    Op agg;
    agg.code = OpCode::kNeighborAgg;
    agg.operands = agg_operands;
    agg.attrs = op.attrs;
    agg.loc = op.loc;
    agg.results = {epi.args[0]};
    simple(agg);
    undefine(pro);
    define(epi.args[0], "region argument");
    fused_body(op, epi, nodes, false);
    if (epi.yields.empty()) fail(op, ErrorCode::kInvalidValue, "the epilogue must yield at least one value");
    fused_results(op, epi);
    undefine(epi);
  }

  const Program& p_;
  std::vector<char> defined_, seen_, taken_;
  std::vector<std::optional<detail::ValueDef>> defs_;  // nullopt: a block argument
};

}  // namespace

void verify(const Program& program) { Verifier(program).run(); }

}  // namespace fuseflow::ir
