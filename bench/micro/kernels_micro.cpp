// Google Benchmark microbenchmarks of fuseflow's SIMD kernels, per element type and per SIMD
// target this CPU supports among those compiled in (hwy::SetSupportedTargetsForTest restricts
// Highway's run-time dispatch, so one binary measures AVX3, AVX2, SSE4, ... side by side). The
// label of every row names the target the kernel actually ran (kernels::math_target_name()).
// Build: cmake -DFUSEFLOW_BENCH=ON ...; run: ./fuseflow_micro --benchmark_filter=unary
#include <benchmark/benchmark.h>
#include <hwy/targets.h>

#include <cstdint>
#include <random>
#include <string>
#include <vector>

#include "fuseflow/kernels/math.h"
#include "fuseflow/kernels/reduce.h"
#include "fuseflow/kernels/topk_select.h"

namespace fuseflow::bench {
namespace {

struct InputRange {
  double lo, hi;
};

// Inputs where each op is non-trivial (the same ranges as the Python arrays suite).
InputRange range_of(kernels::UnaryOp op) {
  using kernels::UnaryOp;
  switch (op) {
    case UnaryOp::kExp: return {-20.0, 20.0};
    case UnaryOp::kLog: return {1e-3, 1e3};
    case UnaryOp::kLog1p: return {-0.9, 100.0};
    case UnaryOp::kExpm1: return {-5.0, 5.0};
    case UnaryOp::kSqrt: return {0.0, 1e6};
    case UnaryOp::kSin:
    case UnaryOp::kCos: return {-100.0, 100.0};
    case UnaryOp::kTanh: return {-5.0, 5.0};
    case UnaryOp::kSigmoid: return {-20.0, 20.0};
    case UnaryOp::kErf: return {-5.0, 5.0};
    case UnaryOp::kErfc: return {-5.0, 20.0};
    case UnaryOp::kNormCdf: return {-10.0, 10.0};
    default: return {-1e6, 1e6};
  }
}

template <class T>
std::vector<T> uniform(std::size_t n, double lo, double hi, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<T> v(n);
  for (auto& x : v) x = static_cast<T>(dist(rng));
  return v;
}

// Restricts dispatch to one target for the lifetime of the guard (0 restores the CPU's own set).
class TargetGuard {
 public:
  explicit TargetGuard(std::int64_t target) { hwy::SetSupportedTargetsForTest(target); }
  ~TargetGuard() { hwy::SetSupportedTargetsForTest(0); }
  TargetGuard(const TargetGuard&) = delete;
  TargetGuard& operator=(const TargetGuard&) = delete;
};

template <class T>
void unary(benchmark::State& state, std::int64_t target, kernels::UnaryOp op) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const InputRange r = range_of(op);
  auto in = uniform<T>(n, r.lo, r.hi, 1);
  std::vector<T> out(n);
  TargetGuard guard(target);
  for (auto _ : state) {
    kernels::unary(op, in.data(), out.data(), n);
    benchmark::DoNotOptimize(out.data());
    benchmark::ClobberMemory();
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
  state.SetBytesProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(2 * n * sizeof(T)));
  state.SetLabel(kernels::math_target_name());
}

template <class T>
void reduce(benchmark::State& state, std::int64_t target, int which) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto x = uniform<T>(n, -1.0, 1.0, 2);
  auto y = uniform<T>(n, -1.0, 1.0, 3);
  TargetGuard guard(target);
  for (auto _ : state) {
    switch (which) {
      case 0: benchmark::DoNotOptimize(kernels::sum(x.data(), n)); break;
      case 1: benchmark::DoNotOptimize(kernels::dot(x.data(), y.data(), n)); break;
      case 2: benchmark::DoNotOptimize(kernels::max(x.data(), n)); break;
      default: benchmark::DoNotOptimize(kernels::argmax(x.data(), n)); break;
    }
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
  state.SetLabel(kernels::math_target_name());
}

// Top-k selection of the embedding index: a block of scores pushed into the heap (most scores
// rejected by one SIMD compare against the heap's threshold), and the threshold filter alone.
void topk_push(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  const auto k = static_cast<std::size_t>(state.range(1));
  auto scores = uniform<float>(n, -1.0, 1.0, 4);
  std::vector<std::int64_t> ids(n);
  for (std::size_t i = 0; i < n; ++i) ids[i] = static_cast<std::int64_t>(i);
  kernels::TopKHeap heap(k);
  for (auto _ : state) {
    heap.reset(k);
    kernels::topk_push_block(heap, scores.data(), n, ids.data(), nullptr);
    benchmark::DoNotOptimize(heap.threshold());
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

void topk_filter(benchmark::State& state) {
  const auto n = static_cast<std::size_t>(state.range(0));
  auto scores = uniform<float>(n, -1.0, 1.0, 5);
  std::vector<std::uint32_t> positions(n + 16);
  for (auto _ : state) {
    benchmark::DoNotOptimize(kernels::topk_filter_at_least(scores.data(), n, 0.99f, positions.data()));
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * static_cast<std::int64_t>(n));
}

}  // namespace

// Called from main (exec_micro.cpp): one benchmark per (kernel, element type, target).
void register_kernel_benchmarks() {
  using kernels::UnaryOp;
  for (std::int64_t target : hwy::SupportedAndGeneratedTargets()) {
    const std::string t = hwy::TargetName(target);
    for (int i = 0; i < kernels::kNumUnaryOps; ++i) {
      const auto op = static_cast<UnaryOp>(i);
      const std::string name = kernels::unary_op_name(op);
      benchmark::RegisterBenchmark(("unary/" + name + "/f64/" + t).c_str(), unary<double>, target, op)
          ->Arg(1 << 10)->Arg(1 << 20);
      benchmark::RegisterBenchmark(("unary/" + name + "/f32/" + t).c_str(), unary<float>, target, op)
          ->Arg(1 << 10)->Arg(1 << 20);
    }
    const char* reductions[] = {"sum", "dot", "max", "argmax"};
    for (int which = 0; which < 4; ++which) {
      benchmark::RegisterBenchmark((std::string("reduce/") + reductions[which] + "/f64/" + t).c_str(),
                                   reduce<double>, target, which)->Arg(1 << 20);
      benchmark::RegisterBenchmark((std::string("reduce/") + reductions[which] + "/f32/" + t).c_str(),
                                   reduce<float>, target, which)->Arg(1 << 20);
    }
  }
  benchmark::RegisterBenchmark("topk/push_block", topk_push)->Args({1 << 16, 10})->Args({1 << 16, 100});
  benchmark::RegisterBenchmark("topk/filter_at_least", topk_filter)->Arg(1 << 16);
}

}  // namespace fuseflow::bench
