// The gather of a neighbour sum through the region kernel template (jit/region.h SumGather): the
// prejit kernels of the DSL PageRank's epilogues computing their aggregate in their own loop give,
// bit for bit, the aggregate of a plain serial pull loop and the outputs of the same region run on
// that aggregate, at every count (vector tails included) and starting node.
#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <limits>
#include <random>
#include <vector>

#include "jit/prejit_shapes.h"
#include "jit/shape.h"

namespace fuseflow::testing {
namespace {

// In-edge lists of n nodes: the first 9 have none; self-loops and repeated edges included.
struct Csr {
  std::vector<std::int64_t> offsets;
  std::vector<std::int32_t> sources;
};

Csr random_csr(std::int32_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_int_distribution<std::int32_t> node(0, n - 1), degree(0, 40);
  Csr g;
  g.offsets.push_back(0);
  for (std::int32_t v = 0; v < n; ++v) {
    const std::int32_t d = v < 9 ? 0 : degree(rng);
    for (std::int32_t k = 0; k < d; ++k) g.sources.push_back(k % 7 == 3 ? v : node(rng));
    if (d > 2) g.sources.push_back(g.sources.back());  // a parallel edge
    g.offsets.push_back(static_cast<std::int64_t>(g.sources.size()));
  }
  return g;
}

template <class T>
std::vector<T> random_values(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> u(0.0, 1.0);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(u(rng) / static_cast<double>(n));
  return v;
}

template <class T>
bool same_bits(const T* a, const T* b, std::size_t n) {
  return std::memcmp(a, b, n * sizeof(T)) == 0;
}

// Runs `Shape` with array slot 0 gathered and, as the reference, the serial pull loop then the
// plain kernel; arrays 1.. and scalars are the same random values for both.
template <class Shape, class T>
void check_shape(const char* name) {
  const jit::RegionKey key = jit::shape::key_of<Shape>();
  const jit::SumGatherRegionFn gathered = jit::find_prejit_sum_gather(key, 0);
  const jit::RegionFn plain = jit::find_prejit(key);
  ASSERT_NE(gathered, nullptr) << name;
  ASSERT_NE(plain, nullptr) << name;
  EXPECT_EQ(jit::find_prejit_sum_gather(key, 1), nullptr) << name << ": only slot 0 is instantiated";
  constexpr std::int32_t n = 1200;
  const Csr g = random_csr(n, 5);
  const std::vector<T> x = random_values<T>(n, 6);
  ASSERT_LE(key.num_arrays, 8);
  ASSERT_LE(key.outputs.size(), 8u);
  std::vector<T> arrays_data[8];
  std::vector<std::uint8_t> mask(n);
  for (std::int32_t v = 0; v < n; ++v) mask[static_cast<std::size_t>(v)] = static_cast<std::uint8_t>(v % 3 == 0);
  for (int k = 1; k < key.num_arrays; ++k) arrays_data[k] = random_values<T>(n, 10 + static_cast<std::uint64_t>(k));
  const double scalars[4] = {0.15 / n, 0.85, 0.25 / n, 0.0};
  for (std::int64_t first : {0, 3, 9}) {
    for (std::int64_t count : {1, 5, 7, 15, 16, 17, 63, 64, 65, 200, 256, 1000}) {
      std::vector<T> agg_ref(static_cast<std::size_t>(count)), agg(static_cast<std::size_t>(count),
                                                                      std::numeric_limits<T>::quiet_NaN());
      for (std::int64_t j = 0; j < count; ++j) {
        T acc = T(0);
        for (std::int64_t p = g.offsets[first + j]; p < g.offsets[first + j + 1]; ++p) acc += x[g.sources[p]];
        agg_ref[static_cast<std::size_t>(j)] = acc;
      }
      // Arrays at the block's first element; a bool slot (the epilogue's dangling mask) is bytes.
      const void* in_ref[8];
      const void* in_gathered[8];
      in_ref[0] = agg_ref.data();
      in_gathered[0] = agg.data();
      for (int k = 1; k < key.num_arrays; ++k) {
        const bool is_bool = [&] {
          for (const jit::Node& nd : key.nodes) {
            if (nd.kind == jit::NodeKind::kBoolArray && nd.slot == k) return true;
          }
          return false;
        }();
        in_ref[k] = in_gathered[k] = is_bool ? static_cast<const void*>(mask.data() + first)
                                             : static_cast<const void*>(arrays_data[k].data() + first);
      }
      const std::size_t nout = key.outputs.size();
      std::vector<std::vector<T>> out_ref(nout, std::vector<T>(static_cast<std::size_t>(count))),
          out(nout, std::vector<T>(static_cast<std::size_t>(count)));
      void* po_ref[8];
      void* po[8];
      for (std::size_t k = 0; k < nout; ++k) {
        po_ref[k] = out_ref[k].data();
        po[k] = out[k].data();
      }
      plain(in_ref, scalars, po_ref, count);
      gathered(jit::SumGather{g.offsets.data(), g.sources.data(), x.data(), first}, in_gathered, scalars, po, count);
      const std::string where = std::string(name) + " first " + std::to_string(first) + " count " + std::to_string(count);
      EXPECT_TRUE(same_bits(agg.data(), agg_ref.data(), agg.size())) << where << ": aggregate";
      for (std::size_t k = 0; k < nout; ++k) {
        // A partial-sum output holds one value; array outputs hold count.
        const bool is_sum = key.nodes[static_cast<std::size_t>(key.outputs[k])].op == ir::OpCode::kSum;
        EXPECT_TRUE(same_bits(out[k].data(), out_ref[k].data(), is_sum ? 1 : out[k].size())) << where << ": output " << k;
      }
    }
  }
}

TEST(JitSumGather, PageRankUpdateGathersBitwiseFloat64) {
  check_shape<jit::prejit_shapes::PageRankUpdate<DType::kFloat64>, double>("update f64");
}
TEST(JitSumGather, PageRankUpdateGathersBitwiseFloat32) {
  check_shape<jit::prejit_shapes::PageRankUpdate<DType::kFloat32>, float>("update f32");
}
TEST(JitSumGather, PageRankEpilogueGathersBitwiseFloat64) {
  check_shape<jit::prejit_shapes::PageRankEpilogue<DType::kFloat64>, double>("epilogue f64");
}
TEST(JitSumGather, PageRankEpilogueGathersBitwiseFloat32) {
  check_shape<jit::prejit_shapes::PageRankEpilogue<DType::kFloat32>, float>("epilogue f32");
}

}  // namespace
}  // namespace fuseflow::testing
