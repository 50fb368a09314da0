// Value::borrowed_view: a run's input viewed through a Storage the caller owns (the jit fast path's
// arguments). Nothing may keep it after the run: an output that is the input itself, or a loop
// carry initialised from it, comes back as an owned copy, and the run state drops the view.
#include <gtest/gtest.h>

#include <optional>
#include <vector>

#include "fuseflow/api/compiled.h"
#include "fuseflow/ir/builder.h"

namespace fuseflow {
namespace {

using ir::OpCode;

TEST(BorrowedView, OutputsNeverAliasTheCallersStorage) {
  ir::Builder b;
  auto x = b.add_array_input(DType::kFloat64, b.new_input_symbol());
  auto count = b.add_scalar_input(DType::kInt64, true);
  // Returns x itself, x + 1, and a loop whose carry starts as x.
  auto carries = b.begin_loop(count, {x});
  auto results = b.end_loop({b.binary(OpCode::kMul, carries[0], b.constant_float(2.0))});
  b.set_outputs({x, b.binary(OpCode::kAdd, x, b.constant_float(1.0)), results[0]});
  auto c = compile(b.finish());
  std::vector<double> data = {1.0, -2.0, 3.5};
  for (std::int64_t trips : {0, 1, 3}) {
    std::vector<Value> out;
    {
      std::optional<exec::Storage> view;
      view.emplace(data.data(), data.size() * sizeof(double), nullptr);
      std::vector<Value> in;
      in.push_back(Value::borrowed_view(DType::kFloat64, *view, 3));
      in.push_back(Value::of_i64(trips));
      out = c->run(std::move(in));
    }  // the view is gone; the outputs must not need it
    ASSERT_EQ(out.size(), 3u);
    const double scale = trips == 0 ? 1.0 : trips == 1 ? 2.0 : 8.0;
    for (std::size_t i = 0; i < 3; ++i) {
      EXPECT_TRUE(out[i].storage->owned());
      EXPECT_NE(out[i].raw_data(), static_cast<const void*>(data.data()));
      EXPECT_EQ(out[0].data<double>()[i], data[i]);
      EXPECT_EQ(out[1].data<double>()[i], data[i] + 1.0);
      EXPECT_EQ(out[2].data<double>()[i], data[i] * scale) << "trips " << trips;
    }
  }
}

}  // namespace
}  // namespace fuseflow
