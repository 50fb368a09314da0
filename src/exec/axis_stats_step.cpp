// The executor's array statistics (AxisStep kAxisLen ... kHistogramBins; ir rows in ops.def):
// axis lengths, diff, top_k, median, quantile, bincount and histogram over the (outer, len, inner)
// view of a C-contiguous operand, by the same kernels the eager ff.diff/ff.top_k/... call
// (src/bindings/bind_array_ops.cpp), with the same arguments, so traced and eager results agree
// bit for bit. The argument rules the eager front end checks in Python are checked here at run
// time (the traced values are only known now), with the same messages naming the argument.
#include "exec/dtype_visit.h"
#include "exec/axis_stats_step.h"

#include <cmath>
#include <cstring>
#include <sstream>
#include <string>
#include <type_traits>

#include "fuseflow/core/buffer.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/kernels/axis_view.h"
#include "fuseflow/kernels/diff.h"
#include "fuseflow/kernels/histogram.h"
#include "fuseflow/kernels/quantile.h"
#include "fuseflow/kernels/top_k_axis.h"

namespace fuseflow::exec {

namespace {

const Value& extra(const AxisStep& s, const std::vector<Value>& slots, std::size_t i) {
  return slots[static_cast<std::size_t>(s.extra_slots[i])];
}

// The extra operand i as doubles (a scalar: one value; an f32/f64 array: its elements).
std::vector<double> extra_doubles(const AxisStep& s, const std::vector<Value>& slots, std::size_t i) {
  const Value& v = extra(s, slots, i);
  if (!s.extra_is_array[i]) return {v.as_f64()};
  const std::int64_t n = evaluate_length(s.extra_lengths[i], slots);
  std::vector<double> out(static_cast<std::size_t>(n));
  if (s.extra_types[i] == DType::kFloat32) {
    const auto* p = static_cast<const float*>(v.raw_data());
    for (std::int64_t j = 0; j < n; ++j) out[static_cast<std::size_t>(j)] = static_cast<double>(p[j]);
  } else {
    const auto* p = static_cast<const double*>(v.raw_data());
    for (std::int64_t j = 0; j < n; ++j) out[static_cast<std::size_t>(j)] = p[j];
  }
  return out;
}

void copy_to(Value& out, DType type, const void* data, std::int64_t n, std::size_t item) {
  ensure_writable_array(out, type, n);
  if (n > 0) std::memcpy(out.storage->data(), data, static_cast<std::size_t>(n) * item);
}

template <class B>
void copy_to(Value& out, DType type, const B* data, std::int64_t n) {
  copy_to(out, type, static_cast<const void*>(data), n, sizeof(B));
}

// A float result of m values computed by `fill(R*)` into the out slot: an array, or the scalar a
// median/quantile of a 1-D operand gives.
template <class R, class F>
void write_floats(const AxisStep& s, std::vector<Value>& slots, std::int64_t m, F&& fill) {
  Value& out = slots[static_cast<std::size_t>(s.out_slot)];
  if (s.out_scalar) {
    R r{};
    fill(&r);
    out = std::is_same_v<R, float> ? Value::of_f32(static_cast<float>(r)) : Value::of_f64(static_cast<double>(r));
    return;
  }
  ensure_writable_array(out, s.out_type, m);
  if (m > 0) fill(static_cast<R*>(out.storage->data()));
}

// NumPy's linspace(first, last, nbins + 1) in float64 (its arithmetic step by step: y = i * step
// + first, or (i / div) * delta + first when the step underflows to 0; the last edge is `last`),
// rounded to B. Edges that do not increase are a ValueError naming bins (as the eager ff.histogram).
template <class B>
std::vector<B> uniform_edges(double first, double last, std::int64_t nbins) {
  const double delta = last - first;
  const auto div = static_cast<double>(nbins);
  const double step = delta / div;
  std::vector<B> edges(static_cast<std::size_t>(nbins + 1));
  for (std::int64_t i = 0; i <= nbins; ++i) {
    const auto fi = static_cast<double>(i);
    const double y = (step == 0.0 ? (fi / div) * delta : fi * step) + first;
    edges[static_cast<std::size_t>(i)] = static_cast<B>(i == nbins ? last : y);
  }
  for (std::int64_t i = 0; i < nbins; ++i) {
    if (!(edges[static_cast<std::size_t>(i)] < edges[static_cast<std::size_t>(i + 1)])) {
      std::ostringstream range;
      range.precision(17);
      range << "[" << first << ", " << last << "]";
      throw_value_error("bins", "too many bins (" + std::to_string(nbins) + ") for the data range " + range.str());
    }
  }
  return edges;
}

// The (first, last) of equal bins over the range operands, as the eager _outer_edges.
std::pair<double, double> outer_edges(const AxisStep& s, const std::vector<Value>& slots) {
  double first = extra(s, slots, 1).as_f64(), last = extra(s, slots, 2).as_f64();
  if (!(std::isfinite(first) && std::isfinite(last))) {
    std::ostringstream range;
    range << "supplied range of [" << first << ", " << last << "] is not finite";
    throw_value_error("range", range.str());
  }
  if (first > last) throw_value_error("range", "max must be larger than min");
  if (first == last) {
    first -= 0.5;
    last += 0.5;
  }
  return {first, last};
}

std::int64_t count_operand(const AxisStep& s, const std::vector<Value>& slots, std::size_t i, const char* name) {
  const std::int64_t c = extra(s, slots, i).as_i64();
  if (c < 0) throw_value_error(name, "must be >= 0, got " + std::to_string(c));
  return c;
}

void run_histogram(const AxisStep& s, std::vector<Value>& slots) {
  const Value& in = slots[static_cast<std::size_t>(s.in_slot)];
  const std::int64_t n = in.length;  // any rank: NumPy flattens
  Value& out = slots[static_cast<std::size_t>(s.out_slot)];
  if (s.op == AxisStep::kHistogramBins) {
    const std::vector<double> edges = extra_doubles(s, slots, 0);
    const std::int64_t nbins = count_operand(s, slots, 1, "bins");
    if (edges.size() < 2 || static_cast<std::int64_t>(edges.size()) != nbins + 1) throw_value_error("bins", "an array of edges needs at least 2 of them");
    for (std::size_t i = 0; i + 1 < edges.size(); ++i) {
      if (edges[i] > edges[i + 1]) throw_value_error("bins", "edges must increase monotonically");
    }
    Buffer<std::int64_t> counts;
    visit_element_type(s.in_type, [&](auto tag) {
      using T = decltype(tag);
      counts = kernels::histogram_edges<T>(static_cast<const T*>(in.raw_data()), n, edges.data(), nbins);
    });
    copy_to(out, DType::kInt64, counts.data(), nbins);
    return;
  }
  const std::int64_t nbins = count_operand(s, slots, 0, "bins") - (s.op == AxisStep::kHistogramEdges ? 1 : 0);
  if (nbins < 1) throw_value_error("bins", "must be a positive integer, got " + std::to_string(nbins));
  const auto [first, last] = outer_edges(s, slots);
  const double denom = last - first;
  if (s.in_type == DType::kFloat32) {
    const std::vector<float> edges = uniform_edges<float>(first, last, nbins);
    if (s.op == AxisStep::kHistogramEdges) return copy_to(out, DType::kFloat32, edges.data(), nbins + 1);
    Buffer<std::int64_t> counts =
        kernels::histogram_uniform<float, float>(static_cast<const float*>(in.raw_data()), n, edges.data(), nbins, denom, false);
    return copy_to(out, DType::kInt64, counts.data(), nbins);
  }
  const std::vector<double> edges = uniform_edges<double>(first, last, nbins);
  if (s.op == AxisStep::kHistogramEdges) return copy_to(out, DType::kFloat64, edges.data(), nbins + 1);
  Buffer<std::int64_t> counts;
  visit_element_type(s.in_type, [&](auto tag) {
    using T = decltype(tag);
    if constexpr (!std::is_same_v<T, float>) {
      counts = kernels::histogram_uniform<T, double>(static_cast<const T*>(in.raw_data()), n, edges.data(), nbins, denom, false);
    }
  });
  copy_to(out, DType::kInt64, counts.data(), nbins);
}

void run_bincount(const AxisStep& s, const std::vector<std::int64_t>& dims, std::vector<Value>& slots) {
  const Value& in = slots[static_cast<std::size_t>(s.in_slot)];
  const std::int64_t n = dims[0];
  const std::int64_t bins = count_operand(s, slots, 0, "length");
  const bool weighted = s.extra_slots.size() == 2;
  Buffer<std::int64_t> counts;
  Buffer<double> sums;
  visit_element_type(s.in_type, [&](auto tag) {
    using I = decltype(tag);
    if constexpr (std::is_integral_v<I>) {
      const I* x = static_cast<const I*>(in.raw_data());
      const std::int64_t top = n > 0 ? kernels::bincount_max<I>(x, n) : -1;
      if (top >= bins) {
        throw_value_error("x", "holds the value " + std::to_string(top) + ", outside the " + std::to_string(bins) +
                                   " bins of the traced bincount (length=/minlength= fixes the output length inside ff.jit)");
      }
      if (weighted) {
        sums = kernels::bincount_weighted<I>(x, static_cast<const double*>(extra(s, slots, 1).raw_data()), n, bins);
      } else {
        counts = kernels::bincount<I>(x, n, bins);
      }
    }
  });
  Value& out = slots[static_cast<std::size_t>(s.out_slot)];
  if (weighted) return copy_to(out, DType::kFloat64, sums.data(), bins);
  copy_to(out, DType::kInt64, counts.data(), bins);
}

void run_quantile(const AxisStep& s, const void* x, kernels::AxisView v, std::vector<Value>& slots) {
  const std::vector<double> q = extra_doubles(s, slots, 0);
  for (double p : q) {
    if (!(p >= 0.0 && p <= 1.0)) throw_value_error("q", "quantiles must be in the range [0, 1]");
  }
  if (v.len == 0) {
    throw_value_error("x", "cannot take a quantile along an empty axis (axis " + std::to_string(s.axis) + " has length 0)");
  }
  const auto nq = static_cast<std::int64_t>(q.size());
  const std::int64_t m = nq * v.outer * v.inner;
  const bool f32 = s.extra_is_array[0] && s.extra_types[0] == DType::kFloat32;  // NumPy's index in float32
  if (s.out_type == DType::kFloat32) {
    write_floats<float>(s, slots, m, [&](float* y) { kernels::quantile_axis<float, float>(static_cast<const float*>(x), v, q.data(), nq, y, f32); });
    return;
  }
  visit_element_type(s.in_type, [&](auto tag) {
    using T = decltype(tag);
    write_floats<double>(s, slots, m, [&](double* y) { kernels::quantile_axis<T, double>(static_cast<const T*>(x), v, q.data(), nq, y, f32); });
  });
}

}  // namespace

void run_axis_stat(const AxisStep& s, const std::vector<std::int64_t>& dims, std::vector<Value>& slots, std::int64_t& elements) {
  std::int64_t n = 1;
  for (std::int64_t d : dims) n *= d;
  elements += n;
  const Value& in = slots[static_cast<std::size_t>(s.in_slot)];
  if (in.length != n) throw Error(ErrorCode::kInternal, "axis step: operand length does not match its shape");
  if (s.op == AxisStep::kBinCount) return run_bincount(s, dims, slots);
  if (s.op == AxisStep::kHistogram || s.op == AxisStep::kHistogramEdges || s.op == AxisStep::kHistogramBins) {
    run_histogram(s, slots);
    check_interrupt();
    return;
  }
  kernels::AxisView v;
  v.len = dims[static_cast<std::size_t>(s.axis)];
  for (int k = 0; k < s.axis; ++k) v.outer *= dims[static_cast<std::size_t>(k)];
  for (std::size_t k = static_cast<std::size_t>(s.axis) + 1; k < dims.size(); ++k) v.inner *= dims[k];
  if (s.all_axes) v = kernels::AxisView{1, n, 1};  // axis=None: the flat C-order data is one line
  if (s.op == AxisStep::kAxisLen) {
    slots[static_cast<std::size_t>(s.out_slot)] = Value::of_i64(v.len);
    return;
  }
  const void* x = in.raw_data();
  Value& out = slots[static_cast<std::size_t>(s.out_slot)];
  switch (s.op) {
    case AxisStep::kDiff: {
      // count = max(len - n, 0) was computed from this axis length, so n = len - count when count > 0.
      const std::int64_t count = extra(s, slots, 0).as_i64();
      if (count < 0 || count > v.len) throw Error(ErrorCode::kInternal, "diff: result length outside [0, axis length]");
      ensure_writable_array(out, s.out_type, v.outer * count * v.inner);
      if (count == 0 || v.outer * v.inner == 0) return;
      visit_element_type(s.in_type, [&](auto tag) {
        using T = decltype(tag);
        kernels::diff<T>(static_cast<const T*>(x), static_cast<T*>(out.storage->data()), v, v.len - count, s.in_type == DType::kBool);
      });
      break;
    }
    case AxisStep::kTopK:
    case AxisStep::kTopKIndices: {
      const std::int64_t k = extra(s, slots, 0).as_i64();
      if (k < 0 || k > v.len) {
        throw_value_error("k", "must be in [0, " + std::to_string(v.len) + "] (the axis length), got " + std::to_string(k));
      }
      const std::int64_t m = v.outer * k * v.inner;
      // The op's own result goes to out_slot, the lowered partner's (if any) to out2_slot; a result
      // nobody reads gets a scratch buffer (the kernel writes both).
      Value* partner = s.out2_slot >= 0 ? &slots[static_cast<std::size_t>(s.out2_slot)] : nullptr;
      Value* values_out = s.op == AxisStep::kTopK ? &out : partner;
      Value* indices_out = s.op == AxisStep::kTopKIndices ? &out : partner;
      visit_element_type(s.in_type, [&](auto tag) {
        using T = decltype(tag);
        Buffer<T> values_scratch;
        Buffer<std::int64_t> indices_scratch;
        T* values = nullptr;
        std::int64_t* indices = nullptr;
        if (values_out != nullptr) {
          ensure_writable_array(*values_out, s.in_type, m);
          values = static_cast<T*>(values_out->storage->data());
        } else {
          values_scratch = Buffer<T>(static_cast<std::size_t>(m));
          values = values_scratch.data();
        }
        if (indices_out != nullptr) {
          ensure_writable_array(*indices_out, DType::kInt64, m);
          indices = static_cast<std::int64_t*>(indices_out->storage->data());
        } else {
          indices_scratch = Buffer<std::int64_t>(static_cast<std::size_t>(m));
          indices = indices_scratch.data();
        }
        if (m > 0) kernels::top_k_axis<T>(static_cast<const T*>(x), v, k, values, indices);
      });
      break;
    }
    case AxisStep::kMedian: {
      visit_element_type(s.in_type, [&](auto tag) {
        using T = decltype(tag);
        using R = std::conditional_t<std::is_same_v<T, float>, float, double>;
        write_floats<R>(s, slots, v.outer * v.inner, [&](R* y) { kernels::median_axis<T, R>(static_cast<const T*>(x), v, y); });
      });
      break;
    }
    case AxisStep::kQuantile: run_quantile(s, x, v, slots); break;
    default: throw Error(ErrorCode::kInternal, "not an array statistic step");
  }
  check_interrupt();
}

}  // namespace fuseflow::exec
