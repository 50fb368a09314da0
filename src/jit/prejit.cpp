// Tier "prejit": the region kernel template instantiated at build time for common region shapes
// (prejit_shapes.h; units prejit_f64.cpp, prejit_f32.cpp and prejit_erf.cpp), for the best SIMD
// target of this CPU, looked up by the region's structural key. A miss is nullptr: the caller
// runs the interpreter.
#include <string>
#include <unordered_map>
#include <vector>

#include "jit/prejit_tables.h"
#include "jit/shape.h"

namespace fuseflow::jit {
namespace {

struct Tables {
  std::unordered_map<std::string, RegionFn> regions;
  std::unordered_map<std::string, SumGatherRegionFn> sum_gathers;
};

const Tables& tables() {
  static const Tables t = [] {
    PrejitEntries regions;
    PrejitSumGatherEntries sum_gathers;
    prejit_entries_f64(regions, sum_gathers);
    prejit_entries_f32(regions, sum_gathers);
    prejit_entries_erf(regions);
    return Tables{{regions.begin(), regions.end()}, {sum_gathers.begin(), sum_gathers.end()}};
  }();
  return t;
}

}  // namespace

RegionFn find_prejit(const RegionKey& key) {
  const auto& t = tables().regions;
  auto it = t.find(key.str());
  return it == t.end() ? nullptr : it->second;
}

SumGatherRegionFn find_prejit_sum_gather(const RegionKey& key, int agg) {
  const auto& t = tables().sum_gathers;
  auto it = t.find(sum_gather_key(key, agg));
  return it == t.end() ? nullptr : it->second;
}

std::vector<std::string> prejit_keys() {
  std::vector<std::string> keys;
  for (const auto& [k, fn] : tables().regions) keys.push_back(k);
  return keys;
}

const char* prejit_target() { return prejit_target_name(); }

}  // namespace fuseflow::jit
