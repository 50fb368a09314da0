// The prejit tier's tables in three translation units (prejit_f64.cpp, prejit_f32.cpp and
// prejit_erf.cpp, the float64 shapes with norm_cdf): every shape is instantiated once per SIMD
// target, and one unit for all of them compiled for 18+ minutes under the sanitizers (the
// float64 unit alone still took ~18 minutes with the erf shapes in it); they compile side by
// side. prejit.cpp merges them.
#pragma once

#include <string>
#include <utility>
#include <vector>

#include "fuseflow/jit/region.h"

// The same targets as the block interpreter (exec/block_kernel.cpp). Included before
// hwy/foreach_target.h by each prejit unit, so all of them build the same set.
#ifndef HWY_DISABLED_TARGETS
#define HWY_DISABLED_TARGETS (HWY_SSSE3 | HWY_SSE4 | HWY_AVX3_DL)
#endif

namespace fuseflow::jit {

using PrejitEntries = std::vector<std::pair<std::string, RegionFn>>;
using PrejitSumGatherEntries = std::vector<std::pair<std::string, SumGatherRegionFn>>;

// Appends the dtype's shapes, as compiled for the best target of this CPU.
void prejit_entries_f64(PrejitEntries& regions, PrejitSumGatherEntries& sum_gathers);
void prejit_entries_f32(PrejitEntries& regions, PrejitSumGatherEntries& sum_gathers);
// Appends the float64 shapes with the erf family (norm_cdf, Black-Scholes).
void prejit_entries_erf(PrejitEntries& regions);

// The SIMD target the prejit kernels run on this CPU (prejit_f64.cpp).
const char* prejit_target_name();

}  // namespace fuseflow::jit
