// SIMD candidate filter for top-k selection (Highway dynamic dispatch).
#undef HWY_TARGET_INCLUDE
#define HWY_TARGET_INCLUDE "kernels/topk_select.cpp"
#include <hwy/foreach_target.h>  // IWYU pragma: keep

#include <hwy/highway.h>

#include "fuseflow/kernels/topk_select.h"

HWY_BEFORE_NAMESPACE();
namespace fuseflow::kernels {
namespace HWY_NAMESPACE {
namespace hn = hwy::HWY_NAMESPACE;

std::size_t FilterAtLeast(const float* HWY_RESTRICT scores, std::size_t count, float threshold,
                          std::uint32_t* HWY_RESTRICT positions) {
  const hn::ScalableTag<float> df;
  const hn::RebindToSigned<decltype(df)> di;
  const std::size_t N = hn::Lanes(df);
  const auto limit = hn::Set(df, threshold);
  auto index = hn::Iota(di, 0);
  const auto step = hn::Set(di, static_cast<std::int32_t>(N));
  std::size_t found = 0;
  std::size_t i = 0;
  for (; i + N <= count; i += N) {
    const auto pass = hn::Ge(hn::LoadU(df, scores + i), limit);
    // Almost every vector fails once the heap is full: one compare and a branch.
    if (!hn::AllFalse(df, pass)) {
      found += hn::CompressStore(index, hn::RebindMask(di, pass), di,
                                 reinterpret_cast<std::int32_t*>(positions + found));
    }
    index = hn::Add(index, step);
  }
  for (; i < count; ++i) {
    if (scores[i] >= threshold) positions[found++] = static_cast<std::uint32_t>(i);
  }
  return found;
}

}  // namespace HWY_NAMESPACE
}  // namespace fuseflow::kernels
HWY_AFTER_NAMESPACE();

#if HWY_ONCE
namespace fuseflow::kernels {

HWY_EXPORT(FilterAtLeast);

std::size_t topk_filter_at_least(const float* scores, std::size_t count, float threshold, std::uint32_t* positions) {
  return HWY_DYNAMIC_DISPATCH(FilterAtLeast)(scores, count, threshold, positions);
}

void topk_push_block(TopKHeap& heap, const float* scores, std::size_t count, const std::int64_t* row_ids,
                     const std::uint8_t* alive) {
  std::size_t i = 0;
  // Fill the heap first: until it is full every score enters, so filtering would pass them all.
  for (; i < count && !heap.full(); ++i) {
    if (alive == nullptr || alive[i] != 0) heap.push(scores[i], row_ids[i]);
  }
  // Then filter in chunks of 64, so the threshold rises between filters (most scores fail).
  constexpr std::size_t kChunk = 64;
  std::uint32_t positions[kChunk + 64];
  for (; i < count; i += kChunk) {
    const std::size_t n = count - i < kChunk ? count - i : kChunk;
    const std::size_t found = topk_filter_at_least(scores + i, n, heap.threshold(), positions);
    for (std::size_t j = 0; j < found; ++j) {
      const std::size_t row = i + positions[j];
      if (alive != nullptr && alive[row] == 0) continue;
      heap.push(scores[row], row_ids[row]);
    }
  }
}

}  // namespace fuseflow::kernels
#endif  // HWY_ONCE
