// Per SIMD target (included by each prejit unit after hwy/foreach_target.h): appends a tuple of
// shapes' kernels to a table, keyed by each shape's structural key.

// Per-target include guard (Highway idiom).
#if defined(FUSEFLOW_JIT_PREJIT_ADD_INL_H_) == defined(HWY_TARGET_TOGGLE)
#ifdef FUSEFLOW_JIT_PREJIT_ADD_INL_H_
#undef FUSEFLOW_JIT_PREJIT_ADD_INL_H_
#else
#define FUSEFLOW_JIT_PREJIT_ADD_INL_H_
#endif

#include <tuple>

#include <hwy/highway.h>

#include "jit/prejit_shapes.h"
#include "jit/prejit_tables.h"
#include "jit/region_kernel-inl.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::jit::HWY_NAMESPACE {

template <class... Shapes>
void AddShapes(PrejitEntries& out, std::tuple<Shapes...>*) {
  (out.emplace_back(shape::key_of<Shapes>().str(), &RegionKernel<Shapes>::run), ...);
}

template <class... Shapes>
void AddSumGatherShapes(PrejitSumGatherEntries& out, std::tuple<Shapes...>*) {
  (out.emplace_back(sum_gather_key(shape::key_of<typename Shapes::Region>(), Shapes::kAggSlot),
                    &RegionKernel<typename Shapes::Region>::template run_sum_gather<Shapes::kAggSlot>),
   ...);
}

}  // namespace fuseflow::jit::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#endif  // FUSEFLOW_JIT_PREJIT_ADD_INL_H_
