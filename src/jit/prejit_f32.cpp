// The prejit tier's float32 shapes (prejit_shapes.h), once per SIMD target; see prejit_tables.h.
#include "jit/prejit_tables.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "jit/prejit_f32.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "jit/prejit_add-inl.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::jit::HWY_NAMESPACE {

void PrejitTableF32(PrejitEntries* regions, PrejitSumGatherEntries* sum_gathers) {
  AddShapes(*regions, static_cast<PrejitShapes<DType::kFloat32>*>(nullptr));
  AddSumGatherShapes(*sum_gathers, static_cast<PrejitSumGatherShapes<DType::kFloat32>*>(nullptr));
}

}  // namespace fuseflow::jit::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::jit {

HWY_EXPORT(PrejitTableF32);

void prejit_entries_f32(PrejitEntries& regions, PrejitSumGatherEntries& sum_gathers) {
  HWY_DYNAMIC_DISPATCH(PrejitTableF32)(&regions, &sum_gathers);
}

}  // namespace fuseflow::jit
#endif
