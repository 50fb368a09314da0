// Compiled tier (src/jit) against the block interpreter, same inputs, same run:
//   jit/where_10M/{interp,prejit,prejit_alloc,floor}  the where-expression on 10M float64; floor
//       is a read-2-write-1 streaming loop over the same arrays (out = x + y), the memory bound;
//       prejit_alloc allocates its output each call as Compiled::run does.
//   jit/where_1000/{interp,prejit}                    the same expression on 1,000 elements.
//   jit/black_scholes_1M/{interp,prejit}              call + put on 1M float64.
//   jit/choose_tier/black_scholes                      the per-fused-op cost lowering would add.
// Run single-threaded for ratios (FUSEFLOW_NUM_THREADS=1; the prejit calls here use one thread)
// and interleaved: ./fuseflow_micro --benchmark_filter=jit/ --benchmark_enable_random_interleaving=true
//   --benchmark_repetitions=9 --benchmark_report_aggregates_only=true
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <optional>
#include <random>
#include <string>
#include <vector>

#include "fuseflow/api/compiled.h"
#include "fuseflow/ir/text.h"
#include "fuseflow/jit/region.h"
#include "fuseflow/jit/tier.h"
#include "fuseflow/opt/pass_manager.h"
#include "jit/jit_regions.h"

namespace fuseflow::bench {
namespace {

std::vector<double> uniform(std::size_t n, std::uint64_t seed, double lo, double hi) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(lo, hi);
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

struct Region {
  std::shared_ptr<const Compiled> compiled;
  jit::RegionFn fn = nullptr;
  std::vector<double> scalars;  // slot values (the benchmarks' regions: constants or given)
};

Region region(const char* text, const std::vector<double>& outer_scalars) {
  Region r;
  r.compiled = compile(ir::parse(text));
  ir::Program p = ir::parse(text);
  opt::OptimizeOptions o;
  o.use_environment = false;
  opt::optimize(p, o);
  for (const ir::Op& op : p.body.ops) {
    if (op.code != ir::OpCode::kFused) continue;
    auto b = jit::describe_region(p, op);
    if (!b) continue;
    r.fn = jit::find_prejit(b->key);
    std::size_t next = 0;
    for (std::size_t k = 0; k < b->scalars.size(); ++k) {
      double v = b->constants[k];
      if (b->scalars[k] != ir::kNoValue) {  // a top-level const, else the next given value
        const ir::Op* def = nullptr;
        for (const ir::Op& d : p.body.ops) {
          if (!d.results.empty() && d.results[0] == b->scalars[k]) def = &d;
        }
        v = def && def->code == ir::OpCode::kConst ? def->attrs.value.f : outer_scalars.at(next++);
      }
      r.scalars.push_back(v);
    }
  }
  return r;
}

void where_interp(benchmark::State& s) {
  const auto n = static_cast<std::size_t>(s.range(0));
  auto x = uniform(n, 1, -3, 3), y = uniform(n, 2, -3, 3);
  static Region r = region(testing::jit_regions::kWhereExpression, {});
  for (auto _ : s) {
    auto out = r.compiled->run({Value::borrowed_array(DType::kFloat64, x.data(), static_cast<std::int64_t>(n), nullptr),
                                Value::borrowed_array(DType::kFloat64, y.data(), static_cast<std::int64_t>(n), nullptr)});
    benchmark::DoNotOptimize(out);
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * n * 24));
}

void where_prejit(benchmark::State& s, bool allocate) {
  const auto n = static_cast<std::size_t>(s.range(0));
  auto x = uniform(n, 1, -3, 3), y = uniform(n, 2, -3, 3);
  static Region r = region(testing::jit_regions::kWhereExpression, {});
  if (!r.fn) return s.SkipWithError("no prejit kernel for the where-expression");
  std::vector<double> out(n);
  const void* in[] = {x.data(), y.data()};
  for (auto _ : s) {
    if (allocate) {
      Value o = Value::array(DType::kFloat64, static_cast<std::int64_t>(n));
      void* dst[] = {o.data<double>()};
      r.fn(in, r.scalars.data(), dst, static_cast<std::int64_t>(n));
      benchmark::DoNotOptimize(o);
    } else {
      void* dst[] = {out.data()};
      r.fn(in, r.scalars.data(), dst, static_cast<std::int64_t>(n));
      benchmark::ClobberMemory();
    }
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * n * 24));
}

// The memory floor: read x and y, write one array, nothing else (auto-vectorised).
void where_floor(benchmark::State& s) {
  const auto n = static_cast<std::size_t>(s.range(0));
  auto x = uniform(n, 1, -3, 3), y = uniform(n, 2, -3, 3);
  std::vector<double> out(n);
  for (auto _ : s) {
    const double* __restrict px = x.data();
    const double* __restrict py = y.data();
    double* __restrict po = out.data();
    for (std::size_t i = 0; i < n; ++i) po[i] = px[i] + py[i];
    benchmark::ClobberMemory();
  }
  s.SetBytesProcessed(static_cast<std::int64_t>(s.iterations() * n * 24));
}

constexpr double kRate = 0.03, kVol = 0.25;

void bs_interp(benchmark::State& s) {
  const auto n = static_cast<std::size_t>(s.range(0));
  auto spot = uniform(n, 3, 50, 150), strike = uniform(n, 4, 50, 150), expiry = uniform(n, 5, 0.1, 3);
  static Region r = region(testing::jit_regions::kBlackScholes, {kRate + 0.5 * (kVol * kVol), kVol, -kRate});
  for (auto _ : s) {
    auto out = r.compiled->run({Value::borrowed_array(DType::kFloat64, spot.data(), static_cast<std::int64_t>(n), nullptr),
                                Value::borrowed_array(DType::kFloat64, strike.data(), static_cast<std::int64_t>(n), nullptr),
                                Value::borrowed_array(DType::kFloat64, expiry.data(), static_cast<std::int64_t>(n), nullptr),
                                Value::of_f64(kRate), Value::of_f64(kVol)});
    benchmark::DoNotOptimize(out);
  }
}

void bs_prejit(benchmark::State& s) {
  const auto n = static_cast<std::size_t>(s.range(0));
  auto spot = uniform(n, 3, 50, 150), strike = uniform(n, 4, 50, 150), expiry = uniform(n, 5, 0.1, 3);
  // The region's scalar slots: r + sigma^2/2, sigma, -r (computed outside the region).
  static Region r = region(testing::jit_regions::kBlackScholes, {kRate + 0.5 * (kVol * kVol), kVol, -kRate});
  if (!r.fn) return s.SkipWithError("no prejit kernel for Black-Scholes");
  const void* in[] = {spot.data(), strike.data(), expiry.data()};
  for (auto _ : s) {
    // Fresh outputs per call, as Compiled::run returns.
    Value call = Value::array(DType::kFloat64, static_cast<std::int64_t>(n));
    Value put = Value::array(DType::kFloat64, static_cast<std::int64_t>(n));
    void* dst[] = {call.data<double>(), put.data<double>()};
    r.fn(in, r.scalars.data(), dst, static_cast<std::int64_t>(n));
    benchmark::DoNotOptimize(call);
    benchmark::DoNotOptimize(put);
  }
}

// What lowering would add per fused op: describe the region, build its key, look it up.
void choose(benchmark::State& s) {
  ir::Program p = ir::parse(testing::jit_regions::kBlackScholes);
  opt::OptimizeOptions o;
  o.use_environment = false;
  opt::optimize(p, o);
  const ir::Op* fused = nullptr;
  for (const ir::Op& op : p.body.ops) {
    if (op.code == ir::OpCode::kFused) fused = &op;
  }
  for (auto _ : s) {
    jit::TierChoice c = jit::choose_tier(p, *fused);
    if (c.tier != jit::Tier::kPrejit) s.SkipWithError("Black-Scholes region is not prejit");
    benchmark::DoNotOptimize(c);
  }
}

BENCHMARK(choose)->Name("jit/choose_tier/black_scholes")->Unit(benchmark::kMicrosecond);
BENCHMARK(where_interp)->Name("jit/where_10M/interp")->Arg(10'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(where_prejit, plain, false)->Name("jit/where_10M/prejit")->Arg(10'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK_CAPTURE(where_prejit, alloc, true)->Name("jit/where_10M/prejit_alloc")->Arg(10'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(where_floor)->Name("jit/where_10M/floor")->Arg(10'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(where_interp)->Name("jit/where_1000/interp")->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK_CAPTURE(where_prejit, plain, false)->Name("jit/where_1000/prejit")->Arg(1000)->Unit(benchmark::kMicrosecond);
BENCHMARK(bs_interp)->Name("jit/black_scholes_1M/interp")->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();
BENCHMARK(bs_prejit)->Name("jit/black_scholes_1M/prejit")->Arg(1'000'000)->Unit(benchmark::kMillisecond)->UseRealTime();

}  // namespace
}  // namespace fuseflow::bench
