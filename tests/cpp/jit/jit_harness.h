// Test harness of the compiled tier: one program run by the executor (the block interpreter)
// and its fused region run by a RegionFn on the same inputs.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <cstring>
#include <map>
#include <optional>
#include <stdexcept>
#include <string>
#include <vector>

#include "fuseflow/api/compiled.h"
#include "fuseflow/ir/text.h"
#include "fuseflow/jit/region.h"
#include "fuseflow/opt/pass_manager.h"

namespace fuseflow::testing {

// A program input: an array (of the program's dtype) or a scalar.
struct JitInput {
  std::vector<double> array;
  double scalar = 0.0;
  bool is_array = true;
  static JitInput of(std::vector<double> a) { return {std::move(a), 0.0, true}; }
  static JitInput of(double s) { return {{}, s, false}; }
};

// The optimized program and its one fused op, described.
struct JitRegion {
  ir::Program program;
  const ir::Op* fused = nullptr;
  std::optional<jit::RegionBinding> binding;
};

inline JitRegion optimized_region(const std::string& text) {
  JitRegion r;
  r.program = ir::parse(text);
  opt::OptimizeOptions options;
  options.use_environment = false;  // the fusion passes must run whatever the environment says
  opt::optimize(r.program, options);
  for (const ir::Op& op : r.program.body.ops) {
    if (op.code == ir::OpCode::kFused) {
      if (r.fused) throw std::runtime_error("more than one fused op in\n" + ir::print(r.program));
      r.fused = &op;
    }
  }
  if (!r.fused) throw std::runtime_error("no fused op in\n" + ir::print(r.program));
  r.binding = jit::describe_region(r.program, *r.fused);
  return r;
}

// Values of the top-level scalars a region reads: inputs, consts, and float scalar arithmetic on
// them (the executor evaluates those with the same IEEE operations).
inline double scalar_value(const ir::Program& p, ir::ValueId v, const std::vector<JitInput>& inputs) {
  for (std::size_t k = 0; k < p.body.args.size(); ++k) {
    if (p.body.args[k] == v) return inputs[k].is_array ? inputs[k].array.at(0) : inputs[k].scalar;
  }
  for (const ir::Op& op : p.body.ops) {
    if (op.results.empty() || op.results[0] != v) continue;
    auto arg = [&](int k) { return scalar_value(p, op.operands.at(static_cast<std::size_t>(k)), inputs); };
    switch (op.code) {
      case ir::OpCode::kConst: return op.attrs.value.f;
      case ir::OpCode::kNeg: return -arg(0);
      case ir::OpCode::kAdd: return arg(0) + arg(1);
      case ir::OpCode::kSub: return arg(0) - arg(1);
      case ir::OpCode::kMul: return arg(0) * arg(1);
      case ir::OpCode::kDiv: return arg(0) / arg(1);
      case ir::OpCode::kCast: return arg(0);
      default: throw std::runtime_error(std::string("scalar_value: unsupported op ") + ir::op_name(op.code));
    }
  }
  throw std::runtime_error("scalar_value: value not found");
}

template <class T>
std::vector<T> narrow(const std::vector<double>& v) {
  return std::vector<T>(v.begin(), v.end());
}

// The executor's outputs (all arrays of T).
template <class T>
std::vector<std::vector<T>> run_interpreter(const std::string& text, const std::vector<JitInput>& inputs) {
  const DType dt = sizeof(T) == 4 ? DType::kFloat32 : DType::kFloat64;
  std::vector<std::vector<T>> keep;
  std::vector<Value> values;
  for (const JitInput& in : inputs) {
    if (in.is_array) {
      keep.push_back(narrow<T>(in.array));
      values.push_back(Value::borrowed_array(dt, keep.back().data(), static_cast<std::int64_t>(keep.back().size()), nullptr));
    } else {
      values.push_back(Value::of_f64(in.scalar));
    }
  }
  // Borrowed pointers must stay valid: keep never reallocates after this point.
  auto f = compile(ir::parse(text));
  std::vector<Value> outs = f->run(std::move(values));
  std::vector<std::vector<T>> result;
  for (const Value& o : outs) {
    const T* p = o.data<T>();
    result.emplace_back(p, p + o.length);
  }
  return result;
}

// The region's kernel `fn` on the same inputs, in blocks of `block` elements (the executor's
// split), outputs in the fused op's result order.
template <class T>
std::vector<std::vector<T>> run_region(const JitRegion& r, jit::RegionFn fn, const std::vector<JitInput>& inputs,
                                       std::int64_t n, std::int64_t block) {
  const jit::RegionBinding& b = *r.binding;
  std::vector<std::vector<T>> arrays;
  for (ir::ValueId v : b.arrays) {
    bool found = false;
    for (std::size_t k = 0; k < r.program.body.args.size(); ++k) {
      if (r.program.body.args[k] == v) {
        arrays.push_back(narrow<T>(inputs[k].array));
        found = true;
      }
    }
    if (!found) throw std::runtime_error("run_region: array slot is not a program input");
  }
  std::vector<double> scalars;
  for (std::size_t k = 0; k < b.scalars.size(); ++k) {
    scalars.push_back(b.scalars[k] == ir::kNoValue ? b.constants[k] : scalar_value(r.program, b.scalars[k], inputs));
  }
  std::vector<std::vector<T>> outs(b.key.outputs.size(), std::vector<T>(static_cast<std::size_t>(n)));
  for (std::int64_t start = 0; start < n || (n == 0 && start == 0); start += block) {
    const std::int64_t count = std::min(block, n - start);
    std::vector<const void*> in_ptrs;
    for (auto& a : arrays) in_ptrs.push_back(a.data() + start);
    std::vector<void*> out_ptrs;
    for (auto& o : outs) out_ptrs.push_back(o.data() + start);
    fn(in_ptrs.data(), scalars.data(), out_ptrs.data(), count);
    if (n == 0) break;
  }
  return outs;
}

// Bitwise equal, except that any NaN equals any NaN: when two NaN operands meet, IEEE 754 leaves
// which one's sign and payload the result carries unspecified, and the interpreter's own choice
// follows the compiler's operand order in each loop (it swaps commutative operands freely).
template <class T>
void expect_bitwise_equal(const std::vector<std::vector<T>>& got, const std::vector<std::vector<T>>& want,
                          const std::string& what) {
  ASSERT_EQ(got.size(), want.size()) << what;
  for (std::size_t o = 0; o < got.size(); ++o) {
    ASSERT_EQ(got[o].size(), want[o].size()) << what << " output " << o;
    for (std::size_t i = 0; i < got[o].size(); ++i) {
      const bool both_nan = got[o][i] != got[o][i] && want[o][i] != want[o][i];
      if (!both_nan && std::memcmp(&got[o][i], &want[o][i], sizeof(T)) != 0) {
        ADD_FAILURE() << what << " output " << o << " element " << i << ": compiled " << got[o][i]
                      << " interpreter " << want[o][i];
        return;
      }
    }
  }
}

}  // namespace fuseflow::testing
