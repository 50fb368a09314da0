// One value into n elements per SIMD target, chosen at run time (fill.h).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/fill.cpp"
#include <hwy/foreach_target.h>  // re-includes this file once per compiled target

#include <hwy/highway.h>

#include "fuseflow/kernels/fill.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels::HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

template <class T>
void FillLanes(T* dst, T value, std::size_t n) {
  const hn::ScalableTag<T> d;
  const std::size_t lanes = hn::Lanes(d);
  const auto v = hn::Set(d, value);
  std::size_t i = 0;
  for (; i + lanes <= n; i += lanes) hn::StoreU(v, d, dst + i);
  for (; i < n; ++i) dst[i] = value;
}

void Fill32(std::uint32_t* dst, std::uint32_t value, std::size_t n) { FillLanes(dst, value, n); }
void Fill64(std::uint64_t* dst, std::uint64_t value, std::size_t n) { FillLanes(dst, value, n); }

}  // namespace fuseflow::kernels::HWY_NAMESPACE
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::kernels {

HWY_EXPORT(Fill32);
HWY_EXPORT(Fill64);

void fill(std::uint32_t* dst, std::uint32_t value, std::size_t n) { HWY_DYNAMIC_DISPATCH(Fill32)(dst, value, n); }
void fill(std::uint64_t* dst, std::uint64_t value, std::size_t n) { HWY_DYNAMIC_DISPATCH(Fill64)(dst, value, n); }

}  // namespace fuseflow::kernels
#endif  // HWY_ONCE
