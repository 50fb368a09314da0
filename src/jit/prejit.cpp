// Tier "prejit": the region kernel template instantiated at build time for common region shapes
// (prejit_shapes.h), once per SIMD target, looked up by the region's structural key. A miss is
// nullptr: the caller runs the interpreter.
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "jit/prejit.cpp"
// The same targets as the block interpreter (exec/block_kernel.cpp).
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4 | HWY_AVX3_DL)
#endif
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include "jit/prejit_shapes.h"
#include "jit/region_kernel-inl.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::jit::HWY_NAMESPACE {

using PrejitEntries = std::vector<std::pair<std::string, RegionFn>>;

template <class... Shapes>
void AddShapes(PrejitEntries& out, std::tuple<Shapes...>*) {
  (out.emplace_back(shape::key_of<Shapes>().str(), &RegionKernel<Shapes>::run), ...);
}

void PrejitTable(PrejitEntries* out) {
  AddShapes(*out, static_cast<PrejitShapes<DType::kFloat64>*>(nullptr));
  AddShapes(*out, static_cast<PrejitShapes<DType::kFloat32>*>(nullptr));
  AddShapes(*out, static_cast<PrejitShapesF64Only*>(nullptr));
}

using PrejitSumGatherEntries = std::vector<std::pair<std::string, SumGatherRegionFn>>;

template <class... Shapes>
void AddSumGatherShapes(PrejitSumGatherEntries& out, std::tuple<Shapes...>*) {
  (out.emplace_back(sum_gather_key(shape::key_of<typename Shapes::Region>(), Shapes::kAggSlot),
                    &RegionKernel<typename Shapes::Region>::template run_sum_gather<Shapes::kAggSlot>),
   ...);
}

void PrejitSumGatherTable(PrejitSumGatherEntries* out) {
  AddSumGatherShapes(*out, static_cast<PrejitSumGatherShapes<DType::kFloat64>*>(nullptr));
  AddSumGatherShapes(*out, static_cast<PrejitSumGatherShapes<DType::kFloat32>*>(nullptr));
}

const char* PrejitTargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace fuseflow::jit::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::jit {

HWY_EXPORT(PrejitTable);
HWY_EXPORT(PrejitSumGatherTable);
HWY_EXPORT(PrejitTargetName);

namespace {

const std::unordered_map<std::string, RegionFn>& table() {
  static const std::unordered_map<std::string, RegionFn> map = [] {
    std::vector<std::pair<std::string, RegionFn>> entries;
    HWY_DYNAMIC_DISPATCH(PrejitTable)(&entries);
    return std::unordered_map<std::string, RegionFn>(entries.begin(), entries.end());
  }();
  return map;
}

}  // namespace

RegionFn find_prejit(const RegionKey& key) {
  const auto& t = table();
  auto it = t.find(key.str());
  return it == t.end() ? nullptr : it->second;
}

SumGatherRegionFn find_prejit_sum_gather(const RegionKey& key, int agg) {
  static const std::unordered_map<std::string, SumGatherRegionFn> map = [] {
    std::vector<std::pair<std::string, SumGatherRegionFn>> entries;
    HWY_DYNAMIC_DISPATCH(PrejitSumGatherTable)(&entries);
    return std::unordered_map<std::string, SumGatherRegionFn>(entries.begin(), entries.end());
  }();
  auto it = map.find(sum_gather_key(key, agg));
  return it == map.end() ? nullptr : it->second;
}

std::vector<std::string> prejit_keys() {
  std::vector<std::string> keys;
  for (const auto& [k, fn] : table()) keys.push_back(k);
  return keys;
}

const char* prejit_target() { return HWY_DYNAMIC_DISPATCH(PrejitTargetName)(); }

}  // namespace fuseflow::jit
#endif
