// parse(): the text format back into a Program, built through the Builder (implicit casts off) so
// every op is type-checked as it is read; errors carry the line and column of the offending token.
#include <charconv>
#include <limits>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "detail.h"
#include "lexer.h"
#include "fuseflow/ir/axis_reduce.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/text.h"

namespace fuseflow::ir {

namespace {

using detail::describe_token;
using detail::Lexer;
using detail::Tok;
using detail::Token;

class Parser {
 public:
  explicit Parser(std::string_view text) : lex_(text) { advance(); }

  Program run() {
    expect_ident("func");
    expect_punct("@");
    Token name = expect_kind(Tok::kIdent, "a function name");
    builder_ = Builder(name.text);
    builder_.set_implicit_casts(false);
    expect_punct("(");
    if (!is_punct(")")) {
      do {
        input();
      } while (accept_punct(","));
    }
    expect_punct(")");
    expect_punct("{");
    statements("return");
    Token ret = cur_;
    advance();
    std::vector<ValueId> outs = value_list_optional();
    expect_punct("}");
    if (cur_.kind != Tok::kEnd) fail(cur_, "expected end of text after '}', got " + describe_token(cur_));
    guarded(ret, [&] { builder_.set_outputs(outs); });
    // Storage may name a value printed later in the same statement (a fused_agg's result).
    for (const auto& pending : pending_storage_) {  // (no structured binding: clang 14 cannot capture one)
      const ValueId v = pending.first;
      const ValueId u = lookup(pending.second);
      guarded(pending.second, [&] { builder_.set_storage(v, u); });
    }
    Program p;
    guarded(ret, [&] { p = builder_.finish(); });
    return p;
  }

 private:
  // ------------------------------------------------------------ tokens
  void advance() { cur_ = lex_.next(); }
  [[noreturn]] void fail(const Token& t, const std::string& m) const { Lexer::fail(t, m); }
  bool is_punct(const char* p) const { return cur_.kind == Tok::kPunct && cur_.text == p; }
  // reduce_axes.<kind>.a<axes>.<keep|drop>[.ddof<n>|.ddofm<n>|.sq] (ir/axis_reduce.h).
  Attributes parse_reduce_axes_parts(const std::vector<Token>& parts) const {
    AxisReduce r;
    auto kind = parse_axis_reduce_kind(parts[0].text);
    if (!kind) fail(parts[0], "unknown axis reduction '" + parts[0].text + "'");
    r.kind = *kind;
    const std::string& a = parts[1].text;
    if (a.size() < 2 || a[0] != 'a') fail(parts[1], "expected the reduced axes as a<digits>, e.g. a01");
    for (std::size_t i = 1; i < a.size(); ++i) {
      if (a[i] < '0' || a[i] >= '0' + kMaxRank) fail(parts[1], "axis digits must be 0.." + std::to_string(kMaxRank - 1));
      r.axes = static_cast<std::uint8_t>(r.axes | (1u << (a[i] - '0')));
    }
    if (parts[2].text != "keep" && parts[2].text != "drop") fail(parts[2], "expected keep or drop");
    r.keepdims = parts[2].text == "keep";
    if (parts.size() == 4 && r.kind != AxisReduceKind::kVar) {
      r.square = true;  // the part count allowed a fourth part other than var's only when it is "sq"
    } else if (parts.size() == 4) {
      const std::string& d = parts[3].text;
      const bool neg = d.rfind("ddofm", 0) == 0;
      const std::size_t at = neg ? 5 : 4;
      if (d.rfind("ddof", 0) != 0 || d.size() <= at || d.size() > at + 9 ||
          d.find_first_not_of("0123456789", at) != std::string::npos) {
        fail(parts[3], "expected ddof<n>");
      }
      r.ddof = (neg ? -1.0 : 1.0) * std::stod(d.substr(at));
    }
    return axis_reduce_attrs(r);
  }
  bool is_ident(const char* p) const { return cur_.kind == Tok::kIdent && cur_.text == p; }
  bool accept_punct(const char* p) {
    if (!is_punct(p)) return false;
    advance();
    return true;
  }
  void expect_punct(const char* p) {
    if (!is_punct(p)) fail(cur_, std::string("expected '") + p + "', got " + describe_token(cur_));
    advance();
  }
  void expect_ident(const char* p) {
    if (!is_ident(p)) fail(cur_, std::string("expected '") + p + "', got " + describe_token(cur_));
    advance();
  }
  Token expect_kind(Tok k, const char* what) {
    if (cur_.kind != k) fail(cur_, std::string("expected ") + what + ", got " + describe_token(cur_));
    Token t = cur_;
    advance();
    return t;
  }

  template <class F>
  void guarded(const Token& at, F&& f) {
    try {
      f();
    } catch (const Error& e) {
      fail(at, e.what());
    }
  }

  // ------------------------------------------------------------ values and types
  ValueId lookup(const Token& t) const {
    auto it = names_.find(t.text);
    if (it == names_.end()) fail(t, "value %" + t.text + " is not defined");
    return it->second;
  }
  void bind(const Token& t, ValueId v) {
    if (!names_.emplace(t.text, v).second) fail(t, "value %" + t.text + " is defined twice");
  }
  std::vector<ValueId> value_list_optional(std::vector<Token>* tokens = nullptr) {
    std::vector<ValueId> vs;
    if (cur_.kind != Tok::kValue) return vs;
    do {
      Token t = expect_kind(Tok::kValue, "a value");
      vs.push_back(lookup(t));
      if (tokens) tokens->push_back(t);
    } while (accept_punct(","));
    return vs;
  }

  // A fused region's yields are its results, each written into a buffer of its own.
  void distinct_fused_yields(const char* op) const {
    for (std::size_t i = 0; i < last_yield_values_.size(); ++i) {
      for (std::size_t j = 0; j < i; ++j) {
        if (last_yield_values_[j].text == last_yield_values_[i].text) {
          fail(last_yield_values_[i], std::string(op) + ": yields %" + last_yield_values_[i].text +
                                          " twice; a fused region yields each value at most once");
        }
      }
    }
  }

  SymbolId symbol() {
    Token t = cur_;
    if (t.kind == Tok::kNumber && t.text == "1") {
      advance();
      return builder_.one_symbol();
    }
    if (t.kind == Tok::kValue) {
      advance();
      ValueId v = lookup(t);
      SymbolId s = kNoSymbol;
      guarded(t, [&] { s = builder_.runtime_symbol(v); });
      return s;
    }
    if (t.kind == Tok::kIdent && !t.text.empty()) {
      char head = t.text[0];
      std::string digits = t.text.substr(1);
      int ordinal = 0;
      auto res = std::from_chars(digits.data(), digits.data() + digits.size(), ordinal);
      bool numeric = !digits.empty() && res.ec == std::errc() && res.ptr == digits.data() + digits.size() && ordinal >= 0;
      if (!digits.empty() && !numeric && digits.find_first_not_of("0123456789") == std::string::npos) {
        fail(t, "length " + t.text + " has an out-of-range index");
      }
      if ((head == 'N' || head == 'E') && (digits.empty() || numeric)) {
        if (ordinal >= static_cast<int>(graphs_.size())) fail(t, "length " + t.text + " names a graph input that does not exist");
        advance();
        return head == 'N' ? builder_.nodes_symbol(graphs_[static_cast<std::size_t>(ordinal)])
                           : builder_.edges_symbol(graphs_[static_cast<std::size_t>(ordinal)]);
      }
      if (head == 'n' && numeric) {
        advance();
        return builder_.input_symbol(ordinal);
      }
    }
    fail(t, "expected a length (1, N, E, N<k>, E<k>, n<k> or %<value>), got " + describe_token(t));
  }

  Type type() {
    if (is_ident("graph")) {
      advance();
      return Type::graph();
    }
    bool weak = accept_punct("~");
    Token t = expect_kind(Tok::kIdent, "a dtype");
    auto d = parse_dtype(t.text);
    if (!d || t.text != dtype_short_name(*d)) fail(t, "unknown dtype '" + t.text + "' (bool, i32, i64, f32, f64)");
    if (accept_punct("[")) {
      if (weak) fail(t, "an array type cannot be weak ('~')");
      std::vector<SymbolId> dims{symbol()};
      while (accept_punct(",")) {
        if (dims.size() == static_cast<std::size_t>(kMaxRank)) fail(cur_, "an array has at most " + std::to_string(kMaxRank) + " axes");
        dims.push_back(symbol());
      }
      expect_punct("]");
      if (dims.size() == 1) return Type::array(*d, dims[0]);
      return Type::shaped(*d, builder_.shape_symbol(dims), dims.data(), static_cast<int>(dims.size()));
    }
    return Type::scalar(*d, weak);
  }

  void input() {
    Token name = expect_kind(Tok::kValue, "an input value");
    expect_punct(":");
    Token at = cur_;
    Type t = type();
    ValueId v = kNoValue;
    guarded(at, [&] {
      if (t.is_graph()) {
        v = builder_.add_graph_input();
        graphs_.push_back(v);
      } else if (t.is_array()) {
        v = t.rank > 1 ? builder_.add_shaped_input(t.dtype, std::vector<SymbolId>(t.dims.begin(), t.dims.begin() + t.rank))
                       : builder_.add_array_input(t.dtype, t.length);
      } else {
        v = builder_.add_scalar_input(t.dtype, t.weak);
      }
    });
    bind(name, v);
  }

  // ------------------------------------------------------------ statements
  void statements(const char* terminator) {
    while (!is_ident(terminator)) {
      if (cur_.kind == Tok::kEnd) fail(cur_, std::string("expected '") + terminator + "' before end of text");
      statement();
    }
  }

  struct Declared {
    Token name;
    Type type;
    std::optional<Token> storage;  // `@%k`: stored in %k's buffer (memory planning)
  };

  // `@%k` after a type; resolved when the value is bound (the parser checks only that %k exists).
  std::optional<Token> storage_annotation() {
    if (!accept_punct("@")) return std::nullopt;
    return expect_kind(Tok::kValue, "a value after '@'");
  }

  void check_declared(const Declared& d, ValueId actual) {
    const Type& got = builder_.type(actual);
    if (!(got == d.type) && !builder_.adopt_declared_type(actual, d.type)) {
      fail(d.name, "%" + d.name.text + " is declared " + detail::type_str(builder_.program(), d.type) + " but the op gives " +
                       detail::type_str(builder_.program(), got));
    }
    bind(d.name, actual);
    if (d.storage) pending_storage_.push_back({actual, *d.storage});
  }

  double parse_float(const Token& t) {
    if (t.text == "nan") return std::numeric_limits<double>::quiet_NaN();
    if (t.text == "inf") return std::numeric_limits<double>::infinity();
    if (t.text == "-inf") return -std::numeric_limits<double>::infinity();
    double v = 0;
    auto res = std::from_chars(t.text.data(), t.text.data() + t.text.size(), v);
    if (res.ec != std::errc() || res.ptr != t.text.data() + t.text.size()) fail(t, "malformed float literal '" + t.text + "'");
    return v;
  }

  // `cumsum.axis1` (FF_AXIS rows) or `transpose.p102` (one digit per result axis).
  void parse_axis_attribute(OpCode code, const Token& part, Attributes& attrs) {
    const std::string& t = part.text;
    if (code == OpCode::kTranspose) {
      if (t.size() < 2 || t[0] != 'p' || t.size() - 1 > static_cast<std::size_t>(kMaxRank)) {
        fail(part, "transpose takes '.p' and one digit per axis (transpose.p10)");
      }
      for (std::size_t k = 1; k < t.size(); ++k) {
        if (t[k] < '0' || t[k] >= '0' + kMaxRank) fail(part, "transpose takes '.p' and one digit per axis (transpose.p10)");
        attrs.perm[k - 1] = static_cast<std::int8_t>(t[k] - '0');
      }
      return;
    }
    int axis = -1;
    if (t.size() == 5 && t.compare(0, 4, "axis") == 0 && t[4] >= '0' && t[4] < '0' + kMaxRank) axis = t[4] - '0';
    if (axis < 0) fail(part, "op '" + std::string(op_name(code)) + "' takes '.axis<k>' (k in 0.." + std::to_string(kMaxRank - 1) + ")");
    attrs.axis = axis;
  }

  void statement() {
    std::vector<Declared> decls;
    do {
      Token name = expect_kind(Tok::kValue, "a result value");
      expect_punct(":");
      Type t = type();
      decls.push_back({name, t, storage_annotation()});
    } while (accept_punct(","));
    expect_punct("=");
    Token op_tok = expect_kind(Tok::kIdent, "an op name");
    auto code = parse_opcode(op_tok.text);
    if (!code) fail(op_tok, "unknown op '" + op_tok.text + "'");
    std::vector<Token> parts;
    while (accept_punct(".")) parts.push_back(expect_kind(Tok::kIdent, "an op attribute"));
    Attributes attrs;
    std::size_t want_parts = (*code == OpCode::kNeighborAgg || *code == OpCode::kFusedAgg) ? 2 : (*code == OpCode::kNorm || is_axis_op(*code)) ? 1 : 0;
    // median/quantile: `.axis<k>.keep` keeps the reduced axis (keepdims).
    // median/quantile: `.axis0.all` (every axis) and/or `.keep` (keepdims) after the axis.
    int stat_flags = 0;
    if (*code == OpCode::kMedian || *code == OpCode::kQuantile) {
      for (std::size_t i = 1; i < parts.size() && i < 3; ++i) {
        const int bit = parts[i].text == "keep" ? 1 : parts[i].text == "all" ? 2 : 0;
        if (bit == 0 || (stat_flags & bit) != 0 || (bit == 2 && stat_flags != 0)) break;
        stat_flags |= bit;
        ++want_parts;
      }
    }
    if (*code == OpCode::kReduceAxes) {
      const bool squaring = (parts.size() == 4 && parts[3].text == "sq");
      want_parts = !parts.empty() && (parts[0].text == "var" || squaring) ? 4 : 3;
    }
    // neighbor_agg/fused_agg may carry a third, semiring attribute and a fourth ".active" (source
    // mask operand): neighbor_agg.min.in.add, neighbor_agg.min.in.first.active.
    if ((*code == OpCode::kNeighborAgg || *code == OpCode::kFusedAgg) && (parts.size() == 3 || parts.size() == 4)) {
      want_parts = parts.size();
    }
    if (parts.size() != want_parts) fail(op_tok, "op '" + op_tok.text + "' takes " + std::to_string(want_parts) + " '.'-attributes");
    if (*code == OpCode::kNeighborAgg || *code == OpCode::kFusedAgg) {
      auto agg = parse_agg_op(parts[0].text);
      if (!agg) fail(parts[0], "unknown aggregation '" + parts[0].text + "' (sum, mean, min, max, count, mode)");
      auto dir = parse_direction(parts[1].text);
      if (!dir) fail(parts[1], "unknown direction '" + parts[1].text + "' (in, out, both)");
      attrs.agg = *agg;
      attrs.direction = *dir;
      if (parts.size() >= 3) {
        auto c = parse_combine(parts[2].text);
        if (!c) fail(parts[2], "unknown combine '" + parts[2].text + "' (mul, add, first, second)");
        attrs.combine = *c;
      }
      if (parts.size() == 4) {
        if (parts[3].text != "active") fail(parts[3], "unknown attribute '" + parts[3].text + "' (active)");
        attrs.active = true;
      }
    } else if (*code == OpCode::kNorm) {
      auto k = parse_norm_kind(parts[0].text);
      if (!k) fail(parts[0], "unknown norm '" + parts[0].text + "' (l1, l2, inf)");
      attrs.norm = *k;
    } else if (is_axis_op(*code)) {
      parse_axis_attribute(*code, parts[0], attrs);
    } else if (*code == OpCode::kReduceAxes) {
      attrs = parse_reduce_axes_parts(parts);
    }
    bool control = has_regions(*code);
    if (!control && decls.size() != 1) fail(decls[1].name, "op '" + op_tok.text + "' has one result");

    if (*code == OpCode::kConst) {
      const Type& t = decls[0].type;
      if (!t.is_scalar()) fail(decls[0].name, "a constant must have a scalar type");
      Token lit = cur_;
      advance();
      ValueId v = kNoValue;
      if (t.dtype == DType::kBool) {
        if (lit.kind != Tok::kIdent || (lit.text != "true" && lit.text != "false")) fail(lit, "expected true or false");
        v = builder_.constant_bool(lit.text == "true", t.weak);
      } else if (is_float(t.dtype)) {
        if (lit.kind != Tok::kNumber && !(lit.kind == Tok::kIdent && (lit.text == "nan" || lit.text == "inf"))) {
          fail(lit, "expected a float literal, got " + describe_token(lit));
        }
        double f = parse_float(lit);
        guarded(lit, [&] { v = builder_.constant_float(f, t.dtype, t.weak); });
      } else {
        std::int64_t i = 0;
        auto res = lit.kind == Tok::kNumber ? std::from_chars(lit.text.data(), lit.text.data() + lit.text.size(), i)
                                            : std::from_chars_result{lit.text.data(), std::errc::invalid_argument};
        if (res.ec != std::errc() || res.ptr != lit.text.data() + lit.text.size()) fail(lit, "expected an integer literal, got " + describe_token(lit));
        guarded(lit, [&] { v = builder_.constant_int(i, t.dtype, t.weak); });
      }
      finish_statement(decls[0], v);
      return;
    }

    Token operands_at = cur_;
    std::vector<ValueId> ops = value_list_optional();
    if (control) {
      control_op(*code, decls, ops, operands_at, attrs);
      return;
    }
    ValueId v = kNoValue;
    auto need = [&](std::size_t lo, std::size_t hi) {
      if (ops.size() < lo || ops.size() > hi) {
        fail(operands_at, "op '" + op_tok.text + "' takes " + (lo == hi ? std::to_string(lo) : std::to_string(lo) + " or " + std::to_string(hi)) +
                              " operands, got " + std::to_string(ops.size()));
      }
    };
    guarded(op_tok, [&] {
      OpClass cls = op_info(*code).op_class;
      if (*code == OpCode::kCast) {
        need(1, 1);
        const Type& x = builder_.type(ops[0]);
        const Type& d = decls[0].type;
        if (x.is_graph() || d.kind != x.kind || d.length != x.length) fail(decls[0].name, "a cast keeps its operand's kind and length");
        if (d.weak && !x.weak) fail(decls[0].name, "a cast cannot make a value weak");
        v = builder_.add_raw_op(OpCode::kCast, ops, attrs, d);
      } else if (*code == OpCode::kBroadcastTo) {
        need(1, 1);
        const Type& d = decls[0].type;
        if (!d.is_array()) fail(decls[0].name, "broadcast_to declares an array result");
        v = builder_.broadcast_to(ops[0], std::vector<SymbolId>(d.dims.begin(), d.dims.begin() + d.rank));
      } else if (cls == OpClass::kUnary) {
        need(1, 1);
        v = builder_.unary(*code, ops[0]);
      } else if (cls == OpClass::kBinary) {
        need(2, 2);
        v = builder_.binary(*code, ops[0], ops[1]);
      } else if (*code == OpCode::kWhere) {
        need(3, 3);
        v = builder_.where(ops[0], ops[1], ops[2]);
      } else if (*code == OpCode::kClip) {
        need(3, 3);
        v = builder_.clip(ops[0], ops[1], ops[2]);
      } else if (*code == OpCode::kDot) {
        need(2, 2);
        v = builder_.dot(ops[0], ops[1]);
      } else if (*code == OpCode::kReduceAxes) {
        need(1, 1);
        v = builder_.reduce_axes(ops[0], axis_reduce_of(attrs));
      } else if (*code == OpCode::kNorm) {
        need(1, 1);
        v = builder_.norm(ops[0], attrs.norm);
      } else if (*code == OpCode::kTranspose) {
        need(1, 1);
        v = builder_.transpose(ops[0], std::vector<int>(attrs.perm.begin(), attrs.perm.end()));
      } else if (*code == OpCode::kConcatenate || *code == OpCode::kStack) {
        need(2, 257);
        v = builder_.join(*code, ops[0], std::vector<ValueId>(ops.begin() + 1, ops.end()), attrs.axis);
      } else if (*code == OpCode::kReshape) {
        need(2, 5);
        v = builder_.reshape(ops[0], std::vector<ValueId>(ops.begin() + 1, ops.end()));
      } else if (*code == OpCode::kDim) {
        need(1, 1);
        v = builder_.dim(ops[0], attrs.axis);
      } else if (*code == OpCode::kSlice) {
        need(4, 4);
        v = builder_.slice(ops[0], ops[1], ops[2], ops[3], attrs.axis);
      } else if (*code == OpCode::kTake) {
        need(2, 2);
        v = builder_.take(ops[0], ops[1], attrs.axis);
      } else if (*code >= OpCode::kAxisLen && *code <= OpCode::kHistogramBins) {
        v = builder_.array_stat(*code, ops, attrs.axis, stat_flags);
      } else if (is_axis_op(*code)) {
        need(1, 1);
        v = builder_.axis_op(*code, ops[0], attrs.axis);
      } else if (cls == OpClass::kReduction) {
        need(1, 1);
        v = builder_.reduce(*code, ops[0]);
      } else if (*code == OpCode::kFull) {
        need(2, 2);
        v = builder_.full(ops[0], ops[1]);
      } else if (*code == OpCode::kArange) {
        need(1, 1);
        v = builder_.arange(ops[0]);
      } else if (*code == OpCode::kLength) {
        need(1, 1);
        v = builder_.length(ops[0]);
      } else if (*code == OpCode::kNumNodes) {
        need(1, 1);
        v = builder_.num_nodes(ops[0]);
      } else if (*code == OpCode::kNumEdges) {
        need(1, 1);
        v = builder_.num_edges(ops[0]);
      } else if (*code == OpCode::kOutDegree) {
        need(1, 1);
        v = builder_.out_degree(ops[0]);
      } else if (*code == OpCode::kInDegree) {
        need(1, 1);
        v = builder_.in_degree(ops[0]);
      } else if (*code == OpCode::kEdgeSrc) {
        need(2, 2);
        v = builder_.edge_src(ops[0], ops[1]);
      } else if (*code == OpCode::kEdgeDst) {
        need(2, 2);
        v = builder_.edge_dst(ops[0], ops[1]);
      } else if (*code == OpCode::kNeighborAgg) {
        need(2, attrs.active ? 4 : 3);
        std::optional<ValueId> w, mask;
        std::size_t rest = ops.size();
        if (attrs.active && rest > 2) mask = ops[--rest];
        if (rest == 3) w = ops[2];
        v = builder_.neighbor_agg(ops[0], ops[1], attrs.agg, attrs.direction, w, attrs.combine, mask);
      } else {
        fail(op_tok, "op '" + op_tok.text + "' cannot appear here");
      }
    });
    finish_statement(decls[0], v);
  }

  void finish_statement(const Declared& d, ValueId v) {
    check_declared(d, v);
    location();
  }

  void location() {
    if (!is_ident("loc")) return;
    advance();
    expect_punct("(");
    Token file = expect_kind(Tok::kString, "a quoted file name");
    expect_punct(":");
    Token line = expect_kind(Tok::kNumber, "a line number");
    int n = 0;
    auto res = std::from_chars(line.text.data(), line.text.data() + line.text.size(), n);
    if (res.ec != std::errc() || res.ptr != line.text.data() + line.text.size() || n < 0) fail(line, "malformed line number");
    expect_punct(")");
    builder_.set_last_op_location(SourceLocation{file.text, n});
  }

  std::vector<ValueId> region_header(const std::vector<ValueId>& args) {
    expect_punct("{");
    expect_punct("^");
    expect_punct("(");
    std::size_t i = 0;
    if (!is_punct(")")) {
      do {
        Token name = expect_kind(Tok::kValue, "a region argument");
        expect_punct(":");
        Type t = type();
        std::optional<Token> storage = storage_annotation();
        if (i >= args.size()) fail(name, "more region arguments than expected (" + std::to_string(args.size()) + ")");
        check_declared({name, t, storage}, args[i]);
        ++i;
      } while (accept_punct(","));
    }
    if (i != args.size()) fail(cur_, "expected " + std::to_string(args.size()) + " region arguments, got " + std::to_string(i));
    expect_punct(")");
    expect_punct(":");
    statements("yield");
    last_yield_ = cur_;
    advance();
    last_yield_values_.clear();
    std::vector<ValueId> ys = value_list_optional(&last_yield_values_);
    return ys;
  }

  void control_op(OpCode code, const std::vector<Declared>& decls, const std::vector<ValueId>& ops, const Token& at,
                  const Attributes& attrs) {
    std::vector<ValueId> results;
    if (code == OpCode::kLoop) {
      if (ops.empty()) fail(at, "loop needs a count operand");
      std::vector<ValueId> inits(ops.begin() + 1, ops.end());
      std::vector<ValueId> args;
      guarded(at, [&] { args = builder_.begin_loop(ops[0], inits); });
      std::vector<ValueId> ys = region_header(args);
      expect_punct("}");
      guarded(last_yield_, [&] { results = builder_.end_loop(ys); });
    } else if (code == OpCode::kFused) {
      if (!ops.empty()) fail(at, "fused takes no operands (its region reads outer values directly)");
      guarded(at, [&] { builder_.begin_fused(); });
      std::vector<ValueId> ys = region_header({});
      distinct_fused_yields("fused");
      expect_punct("}");
      guarded(last_yield_, [&] { results = builder_.end_fused(ys); });
    } else if (code == OpCode::kFusedAgg) {
      if (ops.size() < 2 || ops.size() > (attrs.active ? 4u : 3u)) {
        fail(at, attrs.active ? "fused_agg.*.active takes 3 or 4 operands (graph, values[, weights], active)"
                              : "fused_agg takes 2 or 3 operands (graph, values[, weights])");
      }
      std::optional<ValueId> w, mask;
      std::size_t rest = ops.size();
      if (attrs.active && rest > 2) mask = ops[--rest];
      if (rest == 3) w = ops[2];
      ValueId u = kNoValue;
      guarded(at, [&] { u = builder_.begin_fused_agg(ops[0], ops[1], attrs.agg, attrs.direction, w, attrs.combine, mask); });
      std::vector<ValueId> pro = region_header({u});
      Token pro_at = last_yield_;
      expect_punct("}");
      if (pro.size() != 1) fail(pro_at, "a fused_agg prologue yields exactly one value");
      ValueId a = kNoValue;
      guarded(pro_at, [&] { a = builder_.begin_fused_agg_epilogue(pro[0]); });
      expect_ident("do");
      std::vector<ValueId> ys = region_header({a});
      distinct_fused_yields("fused_agg");
      expect_punct("}");
      guarded(last_yield_, [&] { results = builder_.end_fused_agg(ys); });
    } else {
      std::vector<ValueId> args;
      guarded(at, [&] { args = builder_.begin_while(ops); });
      std::vector<ValueId> cond = region_header(args);
      Token cond_at = last_yield_;
      expect_punct("}");
      if (cond.size() != 1) fail(cond_at, "a while condition region yields exactly one bool");
      guarded(cond_at, [&] { args = builder_.begin_while_body(cond[0]); });
      expect_ident("do");
      std::vector<ValueId> ys = region_header(args);
      expect_punct("}");
      guarded(last_yield_, [&] { results = builder_.end_while(ys); });
    }
    if (results.size() != decls.size()) {
      fail(decls[0].name, "declares " + std::to_string(decls.size()) + " results for " + std::to_string(results.size()) +
                              (code == OpCode::kFused || code == OpCode::kFusedAgg ? " yields" : " carries"));
    }
    for (std::size_t i = 0; i < results.size(); ++i) check_declared(decls[i], results[i]);
    location();
  }

  Lexer lex_;
  Token cur_;
  Token last_yield_;  // carry-type errors point at the region's yield
  std::vector<Token> last_yield_values_;  // the values it yields
  Builder builder_;
  std::map<std::string, ValueId> names_;
  std::vector<ValueId> graphs_;
  std::vector<std::pair<ValueId, Token>> pending_storage_;
};

}  // namespace

Program parse(std::string_view text) { return Parser(text).run(); }

}  // namespace fuseflow::ir
