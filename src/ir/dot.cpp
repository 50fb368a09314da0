// to_dot(): Graphviz view of a program — a node per input and op, operand edges, loop regions as
// clusters (a loop's carries enter its region's arguments; its yields leave to its results).
#include <string>
#include <vector>

#include "detail.h"
#include "fuseflow/ir/text.h"

namespace fuseflow::ir {

namespace {

class DotWriter {
 public:
  explicit DotWriter(const Program& p) : p_(p), node_of_(p.values.size()) {}

  std::string run() {
    out_ = "digraph " + detail::quote(p_.name) + " {\n  node [shape=box, fontname=\"monospace\"];\n";
    for (std::size_t i = 0; i < p_.body.args.size(); ++i) {
      ValueId v = p_.body.args[i];
      std::string id = std::string("in") + std::to_string(i);
      node_of_[static_cast<std::size_t>(v)] = id;
      out_ += "  " + id + " [shape=ellipse, label=" + detail::quote("input " + std::to_string(i) + "\n" + type(v)) + "];\n";
    }
    block(p_.body, "  ");
    for (std::size_t i = 0; i < p_.body.yields.size(); ++i) {
      out_ += "  out" + std::to_string(i) + " [shape=ellipse, label=" + detail::quote("output " + std::to_string(i)) + "];\n";
      edge(p_.body.yields[i], std::string("out") + std::to_string(i), "  ");
    }
    out_ += "}\n";
    return out_;
  }

 private:
  std::string type(ValueId v) const { return detail::type_str(p_, p_.type(v)); }

  void edge(ValueId from, const std::string& to, const std::string& pad) {
    const std::string& src = node_of_[static_cast<std::size_t>(from)];
    if (!src.empty()) out_ += pad + src + " -> " + to + ";\n";
  }

  static const char* region_role(OpCode code, std::size_t r) {
    if (code == OpCode::kWhile) return r == 0 ? " condition" : " body";
    if (code == OpCode::kFusedAgg) return r == 0 ? " prologue" : " epilogue";
    return " body";
  }

  void block(const Block& b, const std::string& pad) {
    for (const Op& op : b.ops) {
      std::string id = std::string("op") + std::to_string(next_++);
      std::string label = detail::op_display_name(op.code, op.attrs);
      if (op.code == OpCode::kConst) {
        const Type& t = p_.type(op.results[0]);
        label += ' ';
        label += is_float(t.dtype) ? detail::format_double(op.attrs.value.f) : std::to_string(op.attrs.value.i);
      }
      for (ValueId r : op.results) (label += '\n') += type(r);
      if (op.loc.known()) (label += '\n') += op.loc.str();
      out_ += pad + id + " [label=" + detail::quote(label) + "];\n";
      for (ValueId v : op.operands) edge(v, id, pad);
      for (std::size_t r = 0; r < op.regions.size(); ++r) {
        const Block& region = op.regions[r];
        std::string cluster = "cluster_" + id + "_" + std::to_string(r);
        out_ += pad + "subgraph " + cluster + " {\n" + pad + "  label=" +
                detail::quote(std::string(op_name(op.code)) + region_role(op.code, r)) + ";\n";
        for (std::size_t a = 0; a < region.args.size(); ++a) {
          std::string arg = cluster + "_arg" + std::to_string(a);
          node_of_[static_cast<std::size_t>(region.args[a])] = arg;
          out_ += pad + "  " + arg + " [shape=ellipse, label=" + detail::quote("carry " + std::to_string(a) + "\n" + type(region.args[a])) + "];\n";
        }
        block(region, pad + "  ");
        out_ += pad + "}\n";
        for (ValueId y : region.yields) out_ += pad + node_of_[static_cast<std::size_t>(y)] + " -> " + id + " [style=dashed];\n";
      }
      for (ValueId r : op.results) node_of_[static_cast<std::size_t>(r)] = id;
    }
  }

  const Program& p_;
  std::vector<std::string> node_of_;
  std::string out_;
  int next_ = 0;
};

}  // namespace

std::string to_dot(const Program& program) { return DotWriter(program).run(); }

}  // namespace fuseflow::ir
