// The prejit tier's float64 shapes with the erf family (prejit_shapes.h PrejitShapesErf), once per
// SIMD target; see prejit_tables.h.
#include "jit/prejit_tables.h"

#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "jit/prejit_erf.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep
#include <hwy/highway.h>

#include "jit/prejit_add-inl.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::jit::HWY_NAMESPACE {

void PrejitTableErf(PrejitEntries* regions) { AddShapes(*regions, static_cast<PrejitShapesErf*>(nullptr)); }

}  // namespace fuseflow::jit::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::jit {

HWY_EXPORT(PrejitTableErf);

void prejit_entries_erf(PrejitEntries& regions) { HWY_DYNAMIC_DISPATCH(PrejitTableErf)(&regions); }

}  // namespace fuseflow::jit
#endif
