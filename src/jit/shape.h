// A fused region as a C++ type (what the kernel template region_kernel-inl.h is instantiated
// with): the RegionKey's nodes, one template argument each, in the key's order. Target
// independent; key_of<Shape>() gives the RegionKey the prejit table files the kernel under, and
// shape_type_name(key) the C++ spelling of a key's Shape (for generated code and for adding prejit
// shapes: paste what it prints).
#pragma once

#include <string>

#include "fuseflow/jit/region.h"

namespace fuseflow::jit::shape {

template <int Slot>
struct A {};  // array slot
template <int Slot>
struct B {};  // bool array slot (a mask)
template <int Slot>
struct S {};  // scalar slot
template <ir::OpCode Op, int X, int Y = -1, int Z = -1>
struct O {};  // op on earlier nodes
template <int... Nodes>
struct Out {};
template <DType T, class Outs, class... Nodes>
struct Region {};

namespace detail {
template <int Slot>
Node node_of(A<Slot>) { return Node{NodeKind::kArray, ir::OpCode::kConst, Slot}; }
template <int Slot>
Node node_of(B<Slot>) { return Node{NodeKind::kBoolArray, ir::OpCode::kConst, Slot}; }
template <int Slot>
Node node_of(S<Slot>) { return Node{NodeKind::kScalar, ir::OpCode::kConst, Slot}; }
template <ir::OpCode Op, int X, int Y, int Z>
Node node_of(O<Op, X, Y, Z>) { return Node{NodeKind::kOp, Op, -1, X, Y, Z}; }

template <class N> constexpr int kArraySlots = 0;
template <int Slot> constexpr int kArraySlots<A<Slot>> = 1;
template <int Slot> constexpr int kArraySlots<B<Slot>> = 1;
template <class N> constexpr int kScalarSlots = 0;
template <int Slot> constexpr int kScalarSlots<S<Slot>> = 1;
}  // namespace detail

template <class Shape>
struct Traits;
template <DType T, int... Outs, class... Nodes>
struct Traits<Region<T, Out<Outs...>, Nodes...>> {
  static constexpr DType kDType = T;
  static constexpr int kArrays = (0 + ... + detail::kArraySlots<Nodes>);
  static constexpr int kScalars = (0 + ... + detail::kScalarSlots<Nodes>);
  static RegionKey key() {
    RegionKey k;
    k.dtype = T;
    (k.nodes.push_back(detail::node_of(Nodes{})), ...);
    k.outputs = {Outs...};
    k.num_arrays = kArrays;
    k.num_scalars = kScalars;
    return k;
  }
};

template <class Shape>
RegionKey key_of() { return Traits<Shape>::key(); }

// "Region<DType::kFloat64, Out<9>, A<0>, A<1>, S<0>, O<ir::OpCode::kGt, 0, 2>, ...>" (names in
// namespace fuseflow::jit::shape; ir = fuseflow::ir).
std::string shape_type_name(const RegionKey& key);

}  // namespace fuseflow::jit::shape

namespace fuseflow::jit {
// What the prejit table files a region's SumGather variant under (array slot `agg` gathered).
inline std::string sum_gather_key(const RegionKey& key, int agg) { return key.str() + " |gather a" + std::to_string(agg); }
}  // namespace fuseflow::jit
