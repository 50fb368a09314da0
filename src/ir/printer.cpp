// print(): the canonical text form. Values are renumbered in print order so that
// print(parse(print(p))) == print(p) for every program.
#include <charconv>
#include <limits>
#include <string>
#include <vector>

#include "detail.h"
#include "fuseflow/ir/text.h"

namespace fuseflow::ir {

namespace detail {

// Shortest text that parses back to the same double; always has a '.', 'e', "inf" or "nan" so
// a reader sees it is a float.
std::string format_double(double v) {
  if (v != v) return "nan";
  if (v == std::numeric_limits<double>::infinity()) return "inf";
  if (v == -std::numeric_limits<double>::infinity()) return "-inf";
  char buf[64];
  auto res = std::to_chars(buf, buf + sizeof buf, v);
  std::string s(buf, res.ptr);
  if (s.find_first_of(".e") == std::string::npos) s += ".0";
  return s;
}

std::string quote(const std::string& s) {
  std::string out = "\"";
  for (char c : s) {
    if (c == '"' || c == '\\') out += '\\';
    if (c == '\n') {
      out += "\\n";
      continue;
    }
    out += c;
  }
  return out + "\"";
}

}  // namespace detail

namespace {

class Printer {
 public:
  Printer(const Program& p, const PrintOptions& o) : p_(p), opt_(o), number_(p.values.size(), -1) {}

  const std::vector<int>& numbers() const { return number_; }

  std::string run() {
    out_ = "func @" + p_.name + "(";
    for (std::size_t i = 0; i < p_.body.args.size(); ++i) {
      if (i) out_ += ", ";
      out_ += define(p_.body.args[i]);
    }
    out_ += ") {\n";
    ops(p_.body, 1);
    out_ += "  return";
    values(p_.body.yields);
    out_ += "\n}\n";
    return out_;
  }

 private:
  std::string name(ValueId v) const {
    if (v < 0 || static_cast<std::size_t>(v) >= number_.size() || number_[static_cast<std::size_t>(v)] < 0) {
      return std::string("%?") + std::to_string(v);
    }
    return std::string("%") + std::to_string(number_[static_cast<std::size_t>(v)]);
  }

  std::string define(ValueId v) {
    if (v >= 0 && static_cast<std::size_t>(v) < number_.size()) number_[static_cast<std::size_t>(v)] = next_++;
    std::string text = name(v) + ":" + detail::type_str(p_, p_.type(v), [this](ValueId s) { return name(s); });
    if (p_.storage_of(v) != kNoValue) text += "@" + name(p_.storage_of(v));
    return text;
  }

  void values(const std::vector<ValueId>& vs) {
    for (std::size_t i = 0; i < vs.size(); ++i) out_ += (i ? ", " : " ") + name(vs[i]);
  }

  void region(const Block& b, int indent) {
    std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
    out_ += "{\n" + pad + "^(";
    for (std::size_t i = 0; i < b.args.size(); ++i) {
      if (i) out_ += ", ";
      out_ += define(b.args[i]);
    }
    out_ += "):\n";
    ops(b, indent + 1);
    out_ += pad + "  yield";
    values(b.yields);
    out_ += "\n" + pad + "}";
  }

  void ops(const Block& b, int indent) {
    std::string pad(static_cast<std::size_t>(indent) * 2, ' ');
    for (const Op& op : b.ops) {
      out_ += pad;
      // Results are numbered before the op's regions: they are printed first.
      for (std::size_t i = 0; i < op.results.size(); ++i) out_ += (i ? ", " : "") + define(op.results[i]);
      out_ += " = " + detail::op_display_name(op.code, op.attrs);
      if (op.code == OpCode::kConst) {
        const Type& t = p_.type(op.results.at(0));
        if (t.dtype == DType::kBool) {
          out_ += op.attrs.value.i ? " true" : " false";
        } else if (is_float(t.dtype)) {
          out_ += std::string(" ") + detail::format_double(op.attrs.value.f);
        } else {
          out_ += std::string(" ") + std::to_string(op.attrs.value.i);
        }
      }
      values(op.operands);
      for (std::size_t r = 0; r < op.regions.size(); ++r) {
        out_ += r == 0 ? " " : " do ";  // while: cond do body; fused_agg: prologue do epilogue
        region(op.regions[r], indent);
      }
      if (opt_.locations && op.loc.known()) out_ += " loc(" + detail::quote(op.loc.file) + ":" + std::to_string(op.loc.line) + ")";
      out_ += "\n";
    }
  }

  const Program& p_;
  PrintOptions opt_;
  std::vector<int> number_;
  int next_ = 0;
  std::string out_;
};

}  // namespace

std::string print(const Program& program, const PrintOptions& options) { return Printer(program, options).run(); }

std::vector<int> printed_numbers(const Program& program) {
  Printer printer(program, PrintOptions{});
  printer.run();
  return printer.numbers();
}

}  // namespace fuseflow::ir
