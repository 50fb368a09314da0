// The prejit tier's float64 shapes (prejit_shapes.h) but the erf family's (prejit_erf.cpp), once per
// SIMD target; see prejit_tables.h.
#include "jit/prejit_tables.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "jit/prejit_f64.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "jit/prejit_add-inl.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::jit::HWY_NAMESPACE {

void PrejitTableF64(PrejitEntries* regions, PrejitSumGatherEntries* sum_gathers) {
  AddShapes(*regions, static_cast<PrejitShapes<DType::kFloat64>*>(nullptr));
  AddSumGatherShapes(*sum_gathers, static_cast<PrejitSumGatherShapes<DType::kFloat64>*>(nullptr));
}

const char* PrejitTargetName() { return hwy::TargetName(HWY_TARGET); }

}  // namespace fuseflow::jit::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::jit {

HWY_EXPORT(PrejitTableF64);
HWY_EXPORT(PrejitTargetName);

void prejit_entries_f64(PrejitEntries& regions, PrejitSumGatherEntries& sum_gathers) {
  HWY_DYNAMIC_DISPATCH(PrejitTableF64)(&regions, &sum_gathers);
}

const char* prejit_target_name() { return HWY_DYNAMIC_DISPATCH(PrejitTargetName)(); }

}  // namespace fuseflow::jit
#endif
