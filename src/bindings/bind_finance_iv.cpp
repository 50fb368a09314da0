// Bindings of the implied-volatility solvers (src/finance/implied_vol*.cpp): convert, release the
// GIL, forward. python/fuseflow/finance/_implied.py is the front end (broadcasting, errors=).
//
// - _black_implied_volatility_scalar / _normal_implied_volatility_scalar: plain floats in, a float
//   out (NaN when no volatility exists), for the front end's all-Python-floats fast path.
// - _black_implied_volatility / _normal_implied_volatility: each operand a Python float (shared by
//   every option) or a 1-D float64 array of the output size (any stride), is_call a bool or a 1-D
//   bool array; returns (out, index, argument, rule, value): index >= 0 reports the first option
//   without an answer when mode is 0 (raise), for the front end to raise with the user's names.
// - _implied_volatility_check: why one option has no answer (the same tuple, index -1 if none).
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include <string>
#include <tuple>
#include <vector>

#include "bindings.h"
#include "finance_operands.h"
#include "fuseflow/core/buffer.h"
#include "fuseflow/core/error.h"
#include "fuseflow/finance/implied_vol.h"

namespace fuseflow::bindings {

void bind_finance_iv(nb::module_& finance);

namespace {

using Report = std::tuple<std::int64_t, int, std::string, double>;

constexpr std::int64_t kReleaseGilFrom = 256;  // below this the GIL hand-off costs more than the solves

// Keeps the operands alive while the solver runs.
struct IvCall {
  finance::ImpliedVolInputs in;
  OperandStore store;

  IvCall(nb::handle (&args)[finance::kNumIvArguments], nb::handle is_call, std::int64_t n) {
    static const char* const kNames[finance::kNumIvArguments] = {"price", "f", "k", "t"};
    finance::Operand* operands[finance::kNumIvArguments] = {&in.price, &in.f, &in.k, &in.t};
    in.size = n;
    for (int j = 0; j < finance::kNumIvArguments; ++j) *operands[j] = store.value(args[j], n, kNames[j]);
    in.is_call = store.flags(is_call, n);
  }
};

Report to_report(const finance::InvalidInput& bad) {
  return {bad.index, bad.argument, bad.index >= 0 ? std::string(bad.rule) : std::string(), bad.value};
}

template <bool Black>
std::tuple<NumpyArray<double>, std::int64_t, int, std::string, double> solve_array(
    nb::handle price, nb::handle f, nb::handle k, nb::handle t, nb::handle is_call, std::int64_t n, int mode) {
  if (n < 0) throw_value_error("n", "internal: must be >= 0");
  nb::handle args[finance::kNumIvArguments] = {price, f, k, t};
  IvCall call(args, is_call, n);
  const finance::ErrorMode error_mode = to_error_mode(mode);
  Buffer<double> out(static_cast<std::size_t>(n));
  finance::InvalidInput bad;
  const auto run = [&] {
    bad = Black ? finance::black_implied_volatility(call.in, error_mode, out.data())
                : finance::normal_implied_volatility(call.in, error_mode, out.data());
  };
  if (n < kReleaseGilFrom) {
    run();
  } else {
    NativeCall native;
    run();
  }
  const Report report = to_report(bad);
  return {to_numpy(std::move(out)), std::get<0>(report), std::get<1>(report), std::get<2>(report),
          std::get<3>(report)};
}

}  // namespace

void bind_finance_iv(nb::module_& finance) {
  using namespace nb::literals;
  finance.def(
      "_black_implied_volatility_scalar",
      [](double price, double f, double k, double t, bool is_call) {
        return finance::black_implied_volatility(price, f, k, t, is_call);
      },
      "price"_a.noconvert(), "f"_a.noconvert(), "k"_a.noconvert(), "t"_a.noconvert(), "is_call"_a.noconvert());
  finance.def(
      "_normal_implied_volatility_scalar",
      [](double price, double f, double k, double t, bool is_call) {
        return finance::normal_implied_volatility(price, f, k, t, is_call);
      },
      "price"_a.noconvert(), "f"_a.noconvert(), "k"_a.noconvert(), "t"_a.noconvert(), "is_call"_a.noconvert());
  finance.def("_black_implied_volatility", &solve_array<true>, "price"_a, "f"_a, "k"_a, "t"_a, "is_call"_a, "n"_a,
              "mode"_a);
  finance.def("_normal_implied_volatility", &solve_array<false>, "price"_a, "f"_a, "k"_a, "t"_a, "is_call"_a,
              "n"_a, "mode"_a);
  finance.def(
      "_implied_volatility_check",
      [](bool black, double price, double f, double k, double t, bool is_call) {
        return to_report(black ? finance::black_implied_volatility_check(price, f, k, t, is_call)
                               : finance::normal_implied_volatility_check(price, f, k, t, is_call));
      },
      "black"_a, "price"_a, "f"_a, "k"_a, "t"_a, "is_call"_a);
  finance.attr("MIN_IMPLIED_VOLS_PER_THREAD") = finance::kMinImpliedVolsPerThread;
}

}  // namespace fuseflow::bindings
