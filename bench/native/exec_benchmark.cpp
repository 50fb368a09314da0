// Executor timing without Python: the where-expression and one-op programs on small
// arrays, per Compiled::run (input checks, output reuse, kernel), and the exp kernel alone. Not
// part of the test suite (speed lives in bench/); build by hand from the repository root, e.g.
//   g++ -O3 -std=c++20 -Iinclude -Isrc -Itests/cpp bench/native/exec_benchmark.cpp build-dev/libfuseflow_core.a \
//       -lhwy -lhwy_contrib -fopenmp -o /tmp/exec_benchmark && /tmp/exec_benchmark 1000
// `exec_benchmark <n> <calls> [one-op program]` only runs the program, for perf record.
#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <random>
#include <string>
#include <vector>

#include "exec/block_kernel.h"
#include "fuseflow/api/compiled.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/kernels/math.h"
#include "test_programs.h"

namespace {

using namespace fuseflow;
using ir::Builder;
using ir::OpCode;
using ir::ValueId;

std::shared_ptr<const Compiled> compile_where_expression() {
  Builder b("where_expr");
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  ValueId y = b.add_array_input(DType::kFloat64, s);
  b.set_outputs({testing::where_expression(b, x, y)});
  return compile(b.finish());
}

// Median nanoseconds of one call of fn over `repeats` batches of `calls` calls.
template <class F>
double median_ns(F&& fn, int calls, int repeats = 15) {
  std::vector<double> t;
  for (int r = 0; r < repeats; ++r) {
    const auto start = std::chrono::steady_clock::now();
    for (int c = 0; c < calls; ++c) fn();
    t.push_back(std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - start).count() / calls);
  }
  std::nth_element(t.begin(), t.begin() + repeats / 2, t.end());
  return t[repeats / 2];
}


// One-op programs, to split the where-expression's kernel time by op.
std::shared_ptr<const Compiled> compile_one_op(const char* which) {
  Builder b(which);
  auto s = b.new_input_symbol();
  ValueId x = b.add_array_input(DType::kFloat64, s);
  ValueId y = b.add_array_input(DType::kFloat64, s);
  const std::string w = which;
  ValueId r;
  if (w == "x*y") r = b.binary(OpCode::kMul, x, y);
  else if (w == "2.5*x") r = b.binary(OpCode::kMul, b.constant_float(2.5), x);
  else if (w == "y/3") r = b.binary(OpCode::kDiv, y, b.constant_float(3.0));
  else if (w == "-x") r = b.unary(OpCode::kNeg, x);
  else if (w == "exp(x)") r = b.unary(OpCode::kExp, x);
  else if (w == "where(x>0,x,y)") r = b.where(b.binary(OpCode::kGt, x, b.constant_float(0.0)), x, y);
  else r = b.binary(OpCode::kAdd, b.binary(OpCode::kMul, x, y), y);
  b.set_outputs({r});
  return compile(b.finish());
}

}  // namespace

int main(int argc, char** argv) {
  const std::int64_t n = argc > 1 ? std::atoll(argv[1]) : 1000;
  const int calls = static_cast<int>(std::max<std::int64_t>(10, 20'000'000 / std::max<std::int64_t>(n, 1) / 10));
  std::mt19937_64 rng(1);
  std::normal_distribution<double> dist;
  std::vector<double> x(n), y(n), out(n);
  for (auto& v : x) v = dist(rng);
  for (auto& v : y) v = dist(rng);
  auto time_program = [&](const std::shared_ptr<const Compiled>& f) {
    return median_ns([&] {
      auto r = f->run({Value::borrowed_array(exec::ElemType::kFloat64, x.data(), n, nullptr),
                       Value::borrowed_array(exec::ElemType::kFloat64, y.data(), n, nullptr)});
      if (r[0].length != n) std::abort();
    }, calls);
  };
  auto f = argc > 3 ? compile_one_op(argv[3]) : compile_where_expression();
  if (argc > 2) {  // profiling loop: exec_benchmark <n> <calls> [one-op program]
    const int profile_calls = std::atoi(argv[2]);
    for (int i = 0; i < profile_calls; ++i) {
      f->run({Value::borrowed_array(exec::ElemType::kFloat64, x.data(), n, nullptr),
              Value::borrowed_array(exec::ElemType::kFloat64, y.data(), n, nullptr)});
    }
    return 0;
  }
  std::printf("n=%lld target=%s (ns per Compiled::run)\n", static_cast<long long>(n), exec::block_kernel_target());
  std::printf("%-22s %9.1f\n", "where-expression", time_program(f));
  const double one = time_program(compile_one_op("x*y"));
  std::printf("%-22s %9.1f\n", "x*y", one);
  const double two = time_program(compile_one_op("x*y+y"));
  std::printf("%-22s %9.1f  (+%.1f for the second op)\n", "x*y+y", two, two - one);
  for (const char* w : {"2.5*x", "y/3", "-x", "exp(x)", "where(x>0,x,y)"}) {
    std::printf("%-22s %9.1f\n", w, time_program(compile_one_op(w)));
  }
  std::printf("%-22s %9.1f\n", "kernels::unary exp",
              median_ns([&] { kernels::unary(kernels::UnaryOp::kExp, x.data(), out.data(), n); }, calls));
  return 0;
}
