// Google Benchmark microbenchmarks of the executor: Compiled::run of small programs (block kernel
// dispatch: input checks, output allocation, the fused kernel, OpenMP split above the threshold),
// one-op programs that split the where-expression's time by op, and the graph gathers
// (neighbor_agg over the in-edges of an R-MAT graph, with and without a fused prologue).
// Replaces bench/native/exec_benchmark.cpp's hand-rolled timers. main() is here.
#include <benchmark/benchmark.h>

#include <cstdint>
#include <memory>
#include <random>
#include <string>
#include <vector>

#include "exec/block_kernel.h"
#include "fuseflow/api/compiled.h"
#include "fuseflow/graph/graph.h"
#include "fuseflow/graph/rmat.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/kernels/math.h"
#include "test_programs.h"

namespace fuseflow::bench {
void register_kernel_benchmarks();

namespace {

using ir::Builder;
using ir::OpCode;
using ir::ValueId;

std::vector<double> normal(std::size_t n, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::normal_distribution<double> dist;
  std::vector<double> v(n);
  for (auto& x : v) x = dist(rng);
  return v;
}

std::shared_ptr<const Compiled> where_expression() {
  Builder b("where_expr");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  ValueId y = b.add_array_input(DType::kFloat64, s);
  b.set_outputs({testing::where_expression(b, x, y)});
  return compile(b.finish());
}

std::shared_ptr<const Compiled> one_op(const std::string& w) {
  Builder b(w);
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  ValueId y = b.add_array_input(DType::kFloat64, s);
  ValueId r;
  if (w == "x*y") r = b.binary(OpCode::kMul, x, y);
  else if (w == "x*y+y") r = b.binary(OpCode::kAdd, b.binary(OpCode::kMul, x, y), y);
  else if (w == "2.5*x") r = b.binary(OpCode::kMul, b.constant_float(2.5), x);
  else if (w == "y/3") r = b.binary(OpCode::kDiv, y, b.constant_float(3.0));
  else if (w == "-x") r = b.unary(OpCode::kNeg, x);
  else if (w == "exp(x)") r = b.unary(OpCode::kExp, x);
  else r = b.where(b.binary(OpCode::kGt, x, b.constant_float(0.0)), x, y);
  b.set_outputs({r});
  return compile(b.finish());
}

void run_program(benchmark::State& state, const std::shared_ptr<const Compiled>& f) {
  const std::int64_t n = state.range(0);
  auto x = normal(static_cast<std::size_t>(n), 1);
  auto y = normal(static_cast<std::size_t>(n), 2);
  for (auto _ : state) {
    auto r = f->run({Value::borrowed_array(exec::DType::kFloat64, x.data(), n, nullptr),
                     Value::borrowed_array(exec::DType::kFloat64, y.data(), n, nullptr)});
    if (r[0].length != n) state.SkipWithError("wrong output length");
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * n);
  state.SetLabel(exec::block_kernel_target());
}

std::shared_ptr<const Graph> rmat_graph(int scale) {
  RmatEdges e = generate_rmat(scale, 16, 0.57, 0.19, 0.19, 1, true);
  EdgeListView view;
  view.src32 = std::span<const std::int32_t>(e.src.data(), e.src.size());
  view.dst32 = std::span<const std::int32_t>(e.dst.data(), e.dst.size());
  return Graph::from_edges(view, std::int64_t{1} << scale);
}

// neighbor_agg(g, x, "sum") over in-edges; with_prologue gathers 0.5*x + 0.25 (fused per edge).
void gather(benchmark::State& state, bool with_prologue) {
  auto g = rmat_graph(static_cast<int>(state.range(0)));
  Builder b("gather");
  ValueId gv = b.add_graph_input();
  ValueId xv = b.add_array_input(DType::kFloat64, b.nodes_symbol(gv));
  ValueId in = with_prologue
                   ? b.binary(OpCode::kAdd, b.binary(OpCode::kMul, b.constant_float(0.5), xv), b.constant_float(0.25))
                   : xv;
  b.set_outputs({b.neighbor_agg(gv, in, ir::AggOp::kSum, ir::Direction::kIn)});
  auto f = compile(b.finish());
  auto x = normal(static_cast<std::size_t>(g->num_nodes()), 3);
  for (auto _ : state) {
    auto r = f->run({Value::of_graph(g), Value::borrowed_array(exec::DType::kFloat64, x.data(), g->num_nodes(), nullptr)});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * g->num_edges());
  state.counters["edges"] = static_cast<double>(g->num_edges());
}

// The DESIGN.md PageRank program, 10 iterations per run (per-iteration figure = time / 10).
void pagerank_program(benchmark::State& state) {
  auto g = rmat_graph(static_cast<int>(state.range(0)));
  auto f = compile(testing::pagerank_program());
  for (auto _ : state) {
    auto r = f->run({Value::of_graph(g), Value::of_f64(0.85), Value::of_i64(10)});
    benchmark::DoNotOptimize(r);
  }
  state.SetItemsProcessed(static_cast<std::int64_t>(state.iterations()) * 10 * g->num_edges());
}

void register_exec_benchmarks() {
  auto where = where_expression();
  benchmark::RegisterBenchmark("exec/where_expression", [where](benchmark::State& s) { run_program(s, where); })
      ->RangeMultiplier(32)->Range(1, 1 << 20);
  for (const char* w : {"x*y", "x*y+y", "2.5*x", "y/3", "-x", "exp(x)", "where(x>0,x,y)"}) {
    auto f = one_op(w);
    benchmark::RegisterBenchmark((std::string("exec/one_op/") + w).c_str(),
                                 [f](benchmark::State& s) { run_program(s, f); })
        ->Arg(1000)->Arg(1 << 20);
  }
  benchmark::RegisterBenchmark("gather/neighbor_agg_sum", gather, false)->Arg(14)->Arg(18)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("gather/neighbor_agg_sum_prologue", gather, true)->Arg(14)->Arg(18)->Unit(benchmark::kMillisecond);
  benchmark::RegisterBenchmark("exec/pagerank_program_10_iterations", pagerank_program)->Arg(14)->Arg(18)
      ->Unit(benchmark::kMillisecond);
}

}  // namespace
}  // namespace fuseflow::bench

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  fuseflow::bench::register_kernel_benchmarks();
  fuseflow::bench::register_exec_benchmarks();
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
