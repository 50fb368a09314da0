// Kernel-only timing of fuseflow::kernels::unary (no allocation, no Python): ns per element on
// L1-resident 4K blocks (how the executor calls it) and on one 1M-element array. Not part of the
// test suite; build by hand, e.g.
//   g++ -O3 -std=c++20 -Iinclude tests/cpp/kernels/math_benchmark.cpp <build>/libfuseflow_core.a -lhwy -lhwy_contrib -fopenmp
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <random>
#include <vector>

#include "fuseflow/kernels/math.h"

namespace {

template <class T>
double ns_per_element(fuseflow::kernels::UnaryOp op, std::vector<T>& x, std::vector<T>& y, std::size_t block,
                      int repeats) {
  std::vector<double> times;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    for (std::size_t i = 0; i < x.size(); i += block) {
      fuseflow::kernels::unary(op, x.data() + i, y.data() + i, std::min(block, x.size() - i));
    }
    times.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count());
  }
  std::nth_element(times.begin(), times.begin() + repeats / 2, times.end());
  return times[repeats / 2] / static_cast<double>(x.size());
}

}  // namespace

int main() {
  using fuseflow::kernels::UnaryOp;
  std::printf("target %s\n%-10s %12s %12s %12s\n", fuseflow::kernels::math_target_name(), "op", "f64 4K-L1",
              "f64 1M", "f32 4K-L1");
  std::mt19937_64 rng(1);
  std::uniform_real_distribution<double> dist(-5.0, 5.0);
  std::vector<double> big(1 << 20), big_out(1 << 20), small(4096), small_out(4096);
  for (double& v : big) v = dist(rng);
  for (double& v : small) v = std::abs(dist(rng)) + 0.1;  // positive so log/sqrt take the main path
  std::vector<float> small32(small.begin(), small.end()), small32_out(4096);
  for (int k = 0; k < fuseflow::kernels::kNumUnaryOps; ++k) {
    const auto op = static_cast<UnaryOp>(k);
    // L1 case: the same 4K block many times over.
    double l1 = 0, l1f = 0;
    {
      std::vector<double> times, timesf;
      for (int r = 0; r < 21; ++r) {
        auto t0 = std::chrono::steady_clock::now();
        for (int rep = 0; rep < 64; ++rep) fuseflow::kernels::unary(op, small.data(), small_out.data(), small.size());
        auto t1 = std::chrono::steady_clock::now();
        for (int rep = 0; rep < 64; ++rep) {
          fuseflow::kernels::unary(op, small32.data(), small32_out.data(), small32.size());
        }
        auto t2 = std::chrono::steady_clock::now();
        times.push_back(std::chrono::duration<double, std::nano>(t1 - t0).count() / (64.0 * 4096));
        timesf.push_back(std::chrono::duration<double, std::nano>(t2 - t1).count() / (64.0 * 4096));
      }
      std::nth_element(times.begin(), times.begin() + 10, times.end());
      std::nth_element(timesf.begin(), timesf.begin() + 10, timesf.end());
      l1 = times[10];
      l1f = timesf[10];
    }
    const double whole = ns_per_element(op, big, big_out, big.size(), 11);
    std::printf("%-10s %12.3f %12.3f %12.3f\n", fuseflow::kernels::unary_op_name(op), l1, whole, l1f);
  }
}
