// Constant folding and the executor agree bit for bit, for every elementwise row of the op table
// (ir/ops.def) that folding may evaluate, on every dtype its operand rule allows and on edge cases
// (NaN, -0.0, +-inf, the largest/smallest values, integer minimum, zero and -1 divisors, negative
// operands of floor_div/mod/pow). Driven by the table: a new row is covered without editing this
// file. The folded value comes from opt::constant_folding on a program of constants; the executor's
// from the same op on arrays (the block kernel's loops, both operands blocks) and with the second
// operand a broadcast scalar (its scalar form), compiled with every pass disabled. Any NaN equals
// any NaN (payloads are not part of the contract); -0.0 and 0.0 differ.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include "fuseflow/api/compiled.h"
#include "fuseflow/core/error.h"
#include "fuseflow/ir/builder.h"
#include "fuseflow/ir/ops.h"
#include "fuseflow/ir/text.h"
#include "fuseflow/opt/pass_manager.h"

namespace fuseflow::opt {
namespace {

using ir::OpCode;
using ir::ValueId;

// Edge values per dtype, as ConstValue (f for floats, i for integers/bool).
std::vector<ir::ConstValue> edge_values(DType d) {
  std::vector<ir::ConstValue> out;
  auto f = [&](double v) { out.push_back({v, 0}); };
  auto i = [&](std::int64_t v) { out.push_back({0.0, v}); };
  const double inf = std::numeric_limits<double>::infinity();
  switch (d) {
    case DType::kBool: i(0); i(1); break;
    case DType::kInt32:
      for (std::int64_t v : {0, 1, -1, 2, -2, 3, -3, 7, -7, 31}) i(v);
      i(std::numeric_limits<std::int32_t>::min());
      i(std::numeric_limits<std::int32_t>::max());
      break;
    case DType::kInt64:
      for (std::int64_t v : {0, 1, -1, 2, -2, 3, -3, 7, -7, 63}) i(v);
      i(std::numeric_limits<std::int64_t>::min());
      i(std::numeric_limits<std::int64_t>::max());
      break;
    case DType::kFloat32:
    case DType::kFloat64: {
      const bool f32 = d == DType::kFloat32;
      for (double v : {0.0, -0.0, 1.0, -1.0, 0.5, -0.5, 2.5, -2.5, 7.0, -7.0, 3.0, 1e-3}) f(v);
      f(f32 ? static_cast<double>(std::numeric_limits<float>::max()) : std::numeric_limits<double>::max());
      f(f32 ? static_cast<double>(std::numeric_limits<float>::denorm_min()) : std::numeric_limits<double>::denorm_min());
      f(inf);
      f(-inf);
      f(std::numeric_limits<double>::quiet_NaN());
      break;
    }
  }
  return out;
}

bool rule_allows(ir::OperandRule r, DType d) {
  switch (r) {
    case ir::OperandRule::kNumeric: return d != DType::kBool;
    case ir::OperandRule::kIntegral: return !is_float(d);
    case ir::OperandRule::kFloat: return is_float(d);
    default: return true;
  }
}

ValueId constant(ir::Builder& b, DType d, const ir::ConstValue& c) {
  if (d == DType::kBool) return b.constant_bool(c.i != 0, /*weak=*/false);
  if (is_float(d)) return b.constant_float(c.f, d, /*weak=*/false);
  return b.constant_int(c.i, d, /*weak=*/false);
}

Value scalar_value(DType d, const ir::ConstValue& c) {
  switch (d) {
    case DType::kBool: return Value::of_bool(c.i != 0);
    case DType::kInt32: return Value::of_i32(static_cast<std::int32_t>(c.i));
    case DType::kInt64: return Value::of_i64(c.i);
    case DType::kFloat32: return Value::of_f32(static_cast<float>(c.f));
    case DType::kFloat64: return Value::of_f64(c.f);
  }
  return Value::of_f64(0);
}

Value array_value(DType d, const std::vector<ir::ConstValue>& cs) {
  Value v = Value::array(d, static_cast<std::int64_t>(cs.size()));
  for (std::size_t k = 0; k < cs.size(); ++k) {
    const ir::ConstValue& c = cs[k];
    switch (d) {
      case DType::kBool: v.data<std::uint8_t>()[k] = c.i != 0 ? 1 : 0; break;
      case DType::kInt32: v.data<std::int32_t>()[k] = static_cast<std::int32_t>(c.i); break;
      case DType::kInt64: v.data<std::int64_t>()[k] = c.i; break;
      case DType::kFloat32: v.data<float>()[k] = static_cast<float>(c.f); break;
      case DType::kFloat64: v.data<double>()[k] = c.f; break;
    }
  }
  return v;
}

// "" when element k of the executor's array `got` equals the folded `want` of dtype d.
std::string mismatch(DType d, const ir::ConstValue& want, const Value& got, std::size_t k) {
  auto show = [](auto a, auto b) { return "folded " + std::to_string(a) + " vs executed " + std::to_string(b); };
  switch (d) {
    case DType::kBool: {
      const int g = got.data<std::uint8_t>()[k];
      return g == want.i ? "" : show(want.i, g);
    }
    case DType::kInt32: {
      const std::int32_t g = got.data<std::int32_t>()[k];
      return g == static_cast<std::int32_t>(want.i) ? "" : show(want.i, g);
    }
    case DType::kInt64: {
      const std::int64_t g = got.data<std::int64_t>()[k];
      return g == want.i ? "" : show(want.i, g);
    }
    case DType::kFloat32: {
      const float w = static_cast<float>(want.f), g = got.data<float>()[k];
      if (std::isnan(w) && std::isnan(g)) return "";
      return std::memcmp(&w, &g, sizeof w) == 0 ? "" : show(w, g);
    }
    case DType::kFloat64: {
      const double w = want.f, g = got.data<double>()[k];
      if (std::isnan(w) && std::isnan(g)) return "";
      return std::memcmp(&w, &g, sizeof w) == 0 ? "" : show(w, g);
    }
  }
  return "?";
}

std::string show(DType d, const ir::ConstValue& c) {
  return is_float(d) ? std::to_string(c.f) : std::to_string(c.i);
}

// Runs `p` with every optimizer pass disabled (the executor as the reference).
std::vector<Value> run_unoptimized(const ir::Program& p, std::vector<Value> inputs) {
  const char* old = std::getenv("FUSEFLOW_DISABLE_PASSES");
  const std::string saved = old ? old : "";
  ::setenv("FUSEFLOW_DISABLE_PASSES", "all", 1);
  struct Restore {
    const char* old;
    const std::string& saved;
    ~Restore() {
      if (old) ::setenv("FUSEFLOW_DISABLE_PASSES", saved.c_str(), 1);
      else ::unsetenv("FUSEFLOW_DISABLE_PASSES");
    }
  } restore{old, saved};
  return compile(p)->run(std::move(inputs));
}

// One op applied to each operand tuple in `cases` (tuples of 1-3 values), constants folded: the
// folded value per case, or nullopt where folding declined.
std::vector<std::optional<ir::ConstValue>> fold_each(OpCode code, DType d, const std::vector<std::vector<ir::ConstValue>>& cases) {
  ir::Builder b;
  std::vector<ValueId> outs;
  for (const auto& args : cases) {
    std::vector<ValueId> v;
    for (const ir::ConstValue& c : args) v.push_back(constant(b, d, c));
    if (v.size() == 1) outs.push_back(b.unary(code, v[0]));
    else if (v.size() == 2) outs.push_back(b.binary(code, v[0], v[1]));
    else outs.push_back(b.clip(v[0], v[1], v[2]));
  }
  b.set_outputs(outs);
  ir::Program p = b.finish();
  constant_folding(p);
  std::map<ValueId, const ir::Op*> def;
  for (const ir::Op& op : p.body.ops) def[op.results[0]] = &op;
  std::vector<std::optional<ir::ConstValue>> folded;
  for (ValueId y : p.body.yields) {
    const ir::Op* op = def.at(y);
    folded.push_back(op->code == OpCode::kConst ? std::optional<ir::ConstValue>(op->attrs.value) : std::nullopt);
  }
  return folded;
}

// The executor on the same cases: operands as arrays (block loops), and for binary ops also with
// the last operand a scalar input (the block kernel's broadcast form), one run per scalar.
std::vector<Value> execute(OpCode code, DType d, const std::vector<std::vector<ir::ConstValue>>& cases) {
  const std::size_t arity = cases.at(0).size();
  std::vector<Value> results;
  {
    ir::Builder b;
    const ir::SymbolId n = b.new_input_symbol();
    std::vector<ValueId> in;
    for (std::size_t j = 0; j < arity; ++j) in.push_back(b.add_array_input(d, n));
    ValueId y = arity == 1 ? b.unary(code, in[0]) : arity == 2 ? b.binary(code, in[0], in[1]) : b.clip(in[0], in[1], in[2]);
    b.set_outputs({y});
    ir::Program p = b.finish();
    std::vector<Value> inputs;
    for (std::size_t j = 0; j < arity; ++j) {
      std::vector<ir::ConstValue> column;
      for (const auto& c : cases) column.push_back(c[j]);
      inputs.push_back(array_value(d, column));
    }
    results.push_back(run_unoptimized(p, std::move(inputs)).at(0));
  }
  return results;
}

// Folds and executes `cases` of (code, d) and compares; returns how many cases were compared.
int check(OpCode code, DType d, const std::vector<std::vector<ir::ConstValue>>& cases) {
  const ir::OpInfo& info = ir::op_info(code);
  const auto folded = fold_each(code, d, cases);
  const Value got = execute(code, d, cases).at(0);
  const DType rd = info.result == ir::ResultRule::kBoolResult ? DType::kBool : d;
  int compared = 0;
  for (std::size_t k = 0; k < cases.size(); ++k) {
    std::string args;
    for (const auto& c : cases[k]) args += (args.empty() ? "" : ", ") + show(d, c);
    if (!folded[k]) {
      // Declining is allowed only where the executor would raise or signal (the table's rule).
      const bool may_raise = cases[k].size() == 2 && info.raise != ir::RaiseRule::kNever &&
                             !is_float(d) && (cases[k][1].i == 0 || cases[k][1].i < 0);
      EXPECT_TRUE(may_raise) << info.name << "(" << args << ") on " << dtype_short_name(d) << " was not folded";
      continue;
    }
    const std::string diff = mismatch(rd, *folded[k], got, k);
    EXPECT_EQ(diff, "") << info.name << "(" << args << ") on " << dtype_short_name(d);
    ++compared;
  }
  return compared;
}

// The executor with the second operand a broadcast scalar: same results as the array form.
void check_scalar_form(OpCode code, DType d, const std::vector<ir::ConstValue>& values) {
  ir::Builder b;
  ValueId x = b.add_array_input(d, b.new_input_symbol());
  ValueId s = b.add_scalar_input(d, /*weak=*/false);
  b.set_outputs({b.binary(code, x, s)});
  ir::Program p = b.finish();
  ir::Builder b2;
  const ir::SymbolId n = b2.new_input_symbol();
  ValueId x2 = b2.add_array_input(d, n);
  ValueId y2 = b2.add_array_input(d, n);
  b2.set_outputs({b2.binary(code, x2, y2)});
  ir::Program p2 = b2.finish();
  const DType rd = ir::op_info(code).result == ir::ResultRule::kBoolResult ? DType::kBool : d;
  for (const ir::ConstValue& sv : values) {
    if (ir::op_info(code).raise == ir::RaiseRule::kIntNegativeExponent && !is_float(d) && sv.i < 0) continue;
    const Value scalar_form = run_unoptimized(p, {array_value(d, values), scalar_value(d, sv)}).at(0);
    const Value block_form = run_unoptimized(p2, {array_value(d, values), array_value(d, std::vector<ir::ConstValue>(values.size(), sv))}).at(0);
    for (std::size_t k = 0; k < values.size(); ++k) {
      const std::size_t bytes = rd == DType::kBool ? 1 : dtype_size(rd);
      const auto* pa = static_cast<const unsigned char*>(scalar_form.raw_data()) + k * bytes;
      const auto* pb = static_cast<const unsigned char*>(block_form.raw_data()) + k * bytes;
      bool same = std::memcmp(pa, pb, bytes) == 0;
      if (!same && is_float(rd)) {
        same = rd == DType::kFloat64 ? (std::isnan(*reinterpret_cast<const double*>(pa)) && std::isnan(*reinterpret_cast<const double*>(pb)))
                                     : (std::isnan(*reinterpret_cast<const float*>(pa)) && std::isnan(*reinterpret_cast<const float*>(pb)));
      }
      EXPECT_TRUE(same) << ir::op_name(code) << "(" << show(d, values[k]) << ", scalar " << show(d, sv) << ") on "
                        << dtype_short_name(d) << ": the broadcast form differs from the block form";
    }
  }
}

TEST(FoldAgreesWithExecutor, EveryFoldableBinaryRowOnEdgeCases) {
  int binary_rows = 0;
  for (int c = 0; c < ir::kNumOpCodes; ++c) {
    const auto code = static_cast<OpCode>(c);
    const ir::OpInfo& info = ir::op_info(code);
    if (info.op_class != ir::OpClass::kBinary) continue;
    ++binary_rows;
    int compared = 0;
    for (DType d : kAllDTypes) {
      if (!rule_allows(info.operands, d) || !ir::is_foldable(code, d)) continue;
      const auto values = edge_values(d);
      std::vector<std::vector<ir::ConstValue>> cases;
      for (const auto& a : values) {
        for (const auto& b : values) {
          // An integer pow with a negative exponent raises at run time (checked below).
          if (info.raise == ir::RaiseRule::kIntNegativeExponent && !is_float(d) && b.i < 0) continue;
          cases.push_back({a, b});
        }
      }
      compared += check(code, d, cases);
      check_scalar_form(code, d, values);
    }
    // pow is folded on integers only: still compared there.
    EXPECT_GT(compared, 0) << info.name << ": no case compared";
  }
  EXPECT_GE(binary_rows, 18);
}

TEST(FoldAgreesWithExecutor, EveryFoldableUnaryAndTernaryRowOnEdgeCases) {
  for (int c = 0; c < ir::kNumOpCodes; ++c) {
    const auto code = static_cast<OpCode>(c);
    const ir::OpInfo& info = ir::op_info(code);
    const bool unary = info.op_class == ir::OpClass::kUnary && code != OpCode::kCast;
    const bool ternary = code == OpCode::kClip;  // where's condition is bool: covered by folding tests
    if (!unary && !ternary) continue;
    int compared = 0;
    for (DType d : kAllDTypes) {
      if (!rule_allows(info.operands, d) || !ir::is_foldable(code, d)) continue;
      const auto values = edge_values(d);
      std::vector<std::vector<ir::ConstValue>> cases;
      if (unary) {
        for (const auto& a : values) cases.push_back({a});
      } else {
        for (const auto& a : values) {
          for (const auto& lo : values) {
            for (const auto& hi : {values.front(), values.back(), values[values.size() / 2]}) cases.push_back({a, lo, hi});
          }
        }
      }
      compared += check(code, d, cases);
    }
    if (ir::op_info(code).has(ir::kFoldable)) EXPECT_GT(compared, 0) << info.name << ": no case compared";
  }
}

TEST(FoldAgreesWithExecutor, DeclinedFoldsAreWhatTheExecutorRaisesOrSignals) {
  // Integer pow with a negative exponent: not folded, and the executor raises ValueError.
  ir::Builder b;
  ValueId x = b.add_array_input(DType::kInt64, b.new_input_symbol());
  b.set_outputs({b.binary(OpCode::kPow, x, b.constant_int(-1, DType::kInt64, false))});
  ir::Program p = b.finish();
  try {
    run_unoptimized(p, {array_value(DType::kInt64, {{0.0, 2}})});
    ADD_FAILURE() << "integer pow with a negative exponent did not raise";
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue) << e.what();
  }
  const auto folded = fold_each(OpCode::kPow, DType::kInt64, {{{0.0, 2}, {0.0, -1}}});
  EXPECT_FALSE(folded[0].has_value());
  // Integer floor_div / mod by zero: NumPy gives 0 (the executor does), folding leaves the op.
  for (OpCode code : {OpCode::kFloorDiv, OpCode::kMod}) {
    const auto f = fold_each(code, DType::kInt32, {{{0.0, 7}, {0.0, 0}}});
    EXPECT_FALSE(f[0].has_value()) << ir::op_name(code);
    const Value got = execute(code, DType::kInt32, {{{0.0, 7}, {0.0, 0}}}).at(0);
    EXPECT_EQ(got.data<std::int32_t>()[0], 0) << ir::op_name(code);
  }
}

}  // namespace
}  // namespace fuseflow::opt
