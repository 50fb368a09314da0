// Bindings of the American kernels (src/finance/american_*.cpp): convert, release the GIL, forward.
// The array convention is the finance front end's (python/fuseflow/finance/_common.py prepare):
// each of the six inputs is a Python float (shared by every option) or a 1-D float64 array of the
// output size (any stride); is_call a bool or a 1-D bool array; `shape` the broadcast shape.
#include <charconv>
#include <string>
#include <vector>

#include "bindings.h"
#include "finance_operands.h"
#include "fuseflow/core/buffer.h"
#include "fuseflow/core/error.h"
#include "fuseflow/finance/american.h"

namespace fuseflow::bindings {

void bind_finance_american(nb::module_& finance);

namespace {

using finance::ErrorMode;
using finance::EuropeanInputs;
using finance::InvalidInput;
using DoubleArray1D = nb::ndarray<const double, nb::ndim<1>, nb::device::cpu>;

// The operands of one call, kept alive while the kernel runs.
struct Operands {
  EuropeanInputs in;
  std::vector<std::size_t> shape;
  OperandStore store;

  Operands(nb::handle (&args)[finance::kNumArguments], nb::handle is_call, nb::handle shape_tuple) {
    in.size = shape_size(shape_tuple, shape);
    for (int j = 0; j < finance::kNumArguments; ++j) {
      in.args[j] = store.value(args[j], in.size, finance::argument_name(finance::Model::kBlackScholes, j));
    }
    in.is_call = store.flags(is_call, in.size);
  }
};

finance::AmericanMethod to_method(int method) {
  if (method < 0 || method > 3) throw_value_error("method", "internal: unknown American method id");
  return static_cast<finance::AmericanMethod>(method);
}

}  // namespace

void bind_finance_american(nb::module_& finance) {
  finance.def(
      "_american_price",
      [](int method, nb::handle s, nb::handle k, nb::handle t, nb::handle r, nb::handle q, nb::handle sigma,
         nb::handle is_call, nb::handle shape, int errors) {
        nb::handle args[finance::kNumArguments] = {s, k, t, r, q, sigma};
        Operands call(args, is_call, shape);
        const finance::AmericanMethod m = to_method(method);
        const ErrorMode mode = to_error_mode(errors);
        Buffer<double> out(static_cast<std::size_t>(call.in.size));
        InvalidInput bad;
        {
          NativeCall native;  // even one QD-FP price is microseconds: always release the GIL
          bad = finance::american_price_checked(m, call.in, mode, out.data());
        }
        if (bad.index >= 0) raise_invalid(finance::Model::kBlackScholes, bad, call.shape);
        return wrap_output(std::move(out), call.shape);
      },
      nb::arg("method"), nb::arg("s"), nb::arg("k"), nb::arg("t"), nb::arg("r"), nb::arg("q"), nb::arg("sigma"),
      nb::arg("is_call"), nb::arg("shape"), nb::arg("errors"));

  finance.def(
      "_american_binomial",
      [](std::int64_t steps, nb::handle s, nb::handle k, nb::handle t, nb::handle r, nb::handle q, nb::handle sigma,
         nb::handle is_call, nb::handle shape, int errors) {
        nb::handle args[finance::kNumArguments] = {s, k, t, r, q, sigma};
        Operands call(args, is_call, shape);
        const ErrorMode mode = to_error_mode(errors);
        Buffer<double> out(static_cast<std::size_t>(call.in.size));
        InvalidInput bad;
        {
          NativeCall native;
          bad = finance::american_binomial_checked(call.in, steps, mode, out.data());
        }
        if (bad.index >= 0) raise_invalid(finance::Model::kBlackScholes, bad, call.shape);
        return wrap_output(std::move(out), call.shape);
      },
      nb::arg("steps"), nb::arg("s"), nb::arg("k"), nb::arg("t"), nb::arg("r"), nb::arg("q"), nb::arg("sigma"),
      nb::arg("is_call"), nb::arg("shape"), nb::arg("errors"));

  // One option's exercise boundary at the given times to maturity (validated by the front end).
  finance.def(
      "_american_boundary",
      [](double k, double t, double r, double q, double sigma, bool is_call, const DoubleArray1D& times) {
        const std::size_t n = times.shape(0);
        std::vector<double> dense(n);
        for (std::size_t i = 0; i < n; ++i) dense[i] = times.data()[static_cast<std::int64_t>(i) * times.stride(0)];
        Buffer<double> out(n);
        {
          NativeCall native;
          finance::american_exercise_boundary(k, t, r, q, sigma, is_call, dense.data(), out.data(), n);
        }
        return wrap_output(std::move(out), {n});
      },
      nb::arg("k"), nb::arg("t"), nb::arg("r"), nb::arg("q"), nb::arg("sigma"), nb::arg("is_call"), nb::arg("times"));
}

}  // namespace fuseflow::bindings
