// reduce_axes attributes: packing into Attributes::value and their text form (see ir/axis_reduce.h).
#include "fuseflow/ir/axis_reduce.h"

#include <cmath>
#include <string>

namespace fuseflow::ir {

namespace {
constexpr const char* kNames[] = {"sum", "prod", "mean", "var", "min", "max", "argmin", "argmax", "any", "all"};
}

AxisReduce axis_reduce_of(const Attributes& a) {
  AxisReduce r;
  const auto bits = static_cast<std::uint64_t>(a.value.i);
  r.kind = static_cast<AxisReduceKind>(bits & 0xff);
  r.axes = static_cast<std::uint8_t>((bits >> 8) & 0xff);
  r.keepdims = ((bits >> 16) & 1) != 0;
  r.square = ((bits >> 17) & 1) != 0;
  r.ddof = a.value.f;
  return r;
}

Attributes axis_reduce_attrs(const AxisReduce& r) {
  Attributes a;
  a.value.i = static_cast<std::int64_t>(static_cast<std::uint64_t>(r.kind) | (static_cast<std::uint64_t>(r.axes) << 8) |
                                        (static_cast<std::uint64_t>(r.keepdims ? 1 : 0) << 16) |
                                        (static_cast<std::uint64_t>(r.square ? 1 : 0) << 17));
  a.value.f = r.kind == AxisReduceKind::kVar ? r.ddof : 0.0;
  return a;
}

const char* axis_reduce_kind_name(AxisReduceKind k) {
  const auto i = static_cast<std::size_t>(k);
  return i < std::size(kNames) ? kNames[i] : "?";
}

std::optional<AxisReduceKind> parse_axis_reduce_kind(std::string_view s) {
  for (std::size_t i = 0; i < std::size(kNames); ++i) {
    if (s == kNames[i]) return static_cast<AxisReduceKind>(i);
  }
  return std::nullopt;
}

std::string axis_reduce_display(const AxisReduce& r) {
  std::string s = std::string(axis_reduce_kind_name(r.kind)) + ".a";
  for (int k = 0; k < 8; ++k) {
    if ((r.axes >> k) & 1) s += static_cast<char>('0' + k);
  }
  s += r.keepdims ? ".keep" : ".drop";
  if (r.square) s += ".sq";
  if (r.kind == AxisReduceKind::kVar) {
    const auto d = static_cast<long long>(std::llround(r.ddof));
    s += d < 0 ? ".ddofm" + std::to_string(-d) : ".ddof" + std::to_string(d);
  }
  return s;
}

}  // namespace fuseflow::ir
