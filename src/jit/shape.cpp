#include "jit/shape.h"

#include <cctype>

namespace fuseflow::jit::shape {
namespace {

// "norm_cdf" -> "kNormCdf", "floor_div" -> "kFloorDiv" (the OpCode enumerator of an op name).
std::string enumerator(ir::OpCode op) {
  std::string s = "k";
  bool upper = true;
  for (const char* p = ir::op_name(op); *p; ++p) {
    if (*p == '_') { upper = true; continue; }
    s += upper ? static_cast<char>(std::toupper(static_cast<unsigned char>(*p))) : *p;
    upper = false;
  }
  return s;
}

}  // namespace

std::string shape_type_name(const RegionKey& key) {
  std::string s = key.dtype == DType::kFloat32 ? "Region<DType::kFloat32, Out<" : "Region<DType::kFloat64, Out<";
  for (std::size_t i = 0; i < key.outputs.size(); ++i) s += (i ? ", " : "") + std::to_string(key.outputs[i]);
  s += ">";
  for (const Node& n : key.nodes) {
    switch (n.kind) {
      case NodeKind::kArray: s += ", A<" + std::to_string(n.slot) + ">"; break;
      case NodeKind::kScalar: s += ", S<" + std::to_string(n.slot) + ">"; break;
      case NodeKind::kBoolArray: s += ", B<" + std::to_string(n.slot) + ">"; break;
      case NodeKind::kOp:
        s += ", O<ir::OpCode::" + enumerator(n.op) + ", " + std::to_string(n.a);
        if (n.b >= 0) s += ", " + std::to_string(n.b);
        if (n.c >= 0) s += ", " + std::to_string(n.c);
        s += ">";
        break;
    }
  }
  return s + ">";
}

}  // namespace fuseflow::jit::shape
