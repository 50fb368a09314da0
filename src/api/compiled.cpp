#include "fuseflow/api/compiled.h"

#include <algorithm>
#include <cstring>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/exec/lower.h"
#include "fuseflow/ir/text.h"
#include "fuseflow/opt/pass_manager.h"

namespace fuseflow {
namespace {

std::string describe_value(const Value& v) {
  switch (v.kind) {
    case exec::SlotKind::kArray: return std::string("a ") + exec::elem_type_name(v.type) + " array";
    case exec::SlotKind::kScalar: return std::string("a ") + exec::elem_type_name(v.type) + " scalar";
    case exec::SlotKind::kGraph: return "a graph";
  }
  return "?";
}

std::string expected_kind(const exec::SlotInfo& s) {
  switch (s.kind) {
    case exec::SlotKind::kArray: return std::string("a ") + exec::elem_type_name(s.type) + " array";
    case exec::SlotKind::kScalar: return std::string("a ") + exec::elem_type_name(s.type) + " scalar";
    case exec::SlotKind::kGraph: return "a graph";
  }
  return "?";
}

std::int64_t expected_length(const exec::LengthSource& e, const std::vector<Value>& slots) {
  // A runtime count is not checked for sign here: a negative one cannot equal a length.
  if (e.kind == exec::LengthSource::kScalarValue) return slots[static_cast<std::size_t>(e.slot)].as_i64();
  return exec::evaluate_length(e, slots);
}

const char* length_rule(const exec::LengthSource& e) {
  switch (e.kind) {
    case exec::LengthSource::kOne: return "must have length 1";
    case exec::LengthSource::kArrayLength: return "must have the same length as the array input it was traced with";
    case exec::LengthSource::kGraphNodes: return "must have one value per graph node";
    case exec::LengthSource::kGraphEdges: return "must have one value per graph edge";
    case exec::LengthSource::kScalarValue: return "has the wrong length";
    case exec::LengthSource::kArrayDim: return "must have the same length as the array axis it was traced with";
    case exec::LengthSource::kProduct: return "has the wrong length";
  }
  return "";
}

}  // namespace

Compiled::Compiled(exec::Plan plan)
    : plan_(std::move(plan)), direct_(exec::DirectCall::of(plan_)), in_place_(in_place_outputs(plan_)) {}


std::vector<char> Compiled::bind_in_place(exec::RunState& state, const std::vector<OutBuffer>& outs) const {
  std::vector<char> bound(outs.size(), 0);
  for (std::size_t i = 0; i < outs.size(); ++i) {
    if (!in_place_[i].ok) continue;
    const exec::SlotInfo& info = plan_.slots[static_cast<std::size_t>(plan_.output_slots[i])];
    if (info.type != outs[i].type || static_cast<int>(in_place_[i].dims.size()) != outs[i].rank) continue;
    bool same = true;
    for (std::size_t k = 0; k < in_place_[i].dims.size(); ++k) {
      same = same && exec::evaluate_length(in_place_[i].dims[k], state.slots) == outs[i].dims[k];
    }
    if (!same) continue;  // the checks after the run name the mismatch
    // Whole buffers: an out written during the run must not share a byte with an input, nor with
    // another out (copied after the run, which would then land in the other order).
    bool clear = true;
    for (int s : plan_.input_slots) {
      const Value& v = state.slots[static_cast<std::size_t>(s)];
      if (v.is_array() && exec::bytes_overlap(outs[i].data, outs[i].bytes(), v.raw_data(),
                                              static_cast<std::size_t>(v.length) * exec::elem_size(v.type))) {
        clear = false;
      }
    }
    for (std::size_t j = 0; j < outs.size(); ++j) {
      if (j != i && exec::bytes_overlap(outs[i].data, outs[i].bytes(), outs[j].data, outs[j].bytes())) clear = false;
    }
    bound[i] = clear ? 1 : 0;
  }
  for (std::size_t i = 0; i < outs.size(); ++i) {
    if (!bound[i]) continue;
    Value& v = state.slots[static_cast<std::size_t>(plan_.output_slots[i])];
    v = Value{};
    v.kind = exec::SlotKind::kArray;
    v.type = outs[i].type;
    v.length = outs[i].size();
    // A writable window into the caller's array: the kernel's ensure_writable_array keeps it
    // (sole owner, the exact size), so the results land there.
    v.storage = std::make_shared<exec::Storage>(outs[i].data, outs[i].bytes(), nullptr, exec::Storage::WritableView{});
  }
  return bound;
}
Compiled::~Compiled() { delete spare_.load(std::memory_order_acquire); }

std::unique_ptr<exec::RunState> Compiled::acquire() const {
  if (exec::RunState* s = spare_.exchange(nullptr, std::memory_order_acquire)) return std::unique_ptr<exec::RunState>(s);
  // In a forked child the pool's lock may be held by a parent thread that does not exist here (a
  // fork during two concurrent calls): the child uses the spare slot and fresh states only.
  if (in_forked_child()) return std::make_unique<exec::RunState>(plan_);
  {
    std::lock_guard<std::mutex> lock(pool_mutex_);
    if (!pool_.empty()) {
      auto s = std::move(pool_.back());
      pool_.pop_back();
      return s;
    }
  }
  return std::make_unique<exec::RunState>(plan_);
}

void Compiled::release(std::unique_ptr<exec::RunState> state) const {
  state->release_borrowed();
  exec::RunState* empty = nullptr;
  if (spare_.compare_exchange_strong(empty, state.get(), std::memory_order_release, std::memory_order_relaxed)) {
    (void)state.release();  // now owned by spare_
    return;
  }
  if (in_forked_child()) return;  // freed: see acquire()
  std::lock_guard<std::mutex> lock(pool_mutex_);
  // A few states cover the threads that typically share a program; more would only hoard memory.
  if (pool_.size() < 8) pool_.push_back(std::move(state));
}

const Compiled& Compiled::variant_for(const std::vector<Value>& inputs) const {
  if (!large_graph_ || graph_input_ < 0 || static_cast<std::size_t>(graph_input_) >= inputs.size()) return *this;
  const Value& g = inputs[static_cast<std::size_t>(graph_input_)];
  return g.is_graph() && g.graph && g.graph->num_nodes() > large_graph_min_nodes_ ? *large_graph_ : *this;
}

std::vector<Value> Compiled::run(std::vector<Value> inputs) const { return variant_for(inputs).run_impl(inputs, nullptr); }

void Compiled::run_into(std::vector<Value> inputs, const std::vector<OutBuffer>& outs) const {
  variant_for(inputs).run_into_impl(inputs, outs);
}

void Compiled::run_into_impl(std::vector<Value>& inputs, const std::vector<OutBuffer>& outs) const {
  if (inputs.size() != plan_.input_slots.size()) {
    throw_value_error("inputs", "expected " + std::to_string(plan_.input_slots.size()) + " values, got " +
                                    std::to_string(inputs.size()));
  }
  if (outs.size() != plan_.output_slots.size()) {
    throw_value_error("out", "the function has " + std::to_string(plan_.output_slots.size()) + " outputs, got " +
                                 std::to_string(outs.size()) + " out arrays");
  }
  auto state = acquire();
  std::vector<char> bound;
  // The pooled state must not keep a window into the caller's arrays.
  auto unbind = [&] {
    for (std::size_t i = 0; i < bound.size(); ++i) {
      if (bound[i]) state->slots[static_cast<std::size_t>(plan_.output_slots[i])] = Value{};
    }
  };
  try {
    load_inputs(inputs, *state);
    bound = bind_in_place(*state, outs);
    exec::execute(plan_, *state, nullptr);
    // Check every buffer before writing any, so a bad one leaves the caller's arrays untouched.
    for (std::size_t i = 0; i < outs.size(); ++i) {
      const Value& v = state->slots[static_cast<std::size_t>(plan_.output_slots[i])];
      const std::string name = "out[" + std::to_string(i) + "]";
      if (!v.is_array()) throw_type_error(name, "output " + std::to_string(i) + " is a scalar; out= takes array outputs only");
      if (v.type != outs[i].type) {
        throw_type_error(name, std::string("output ") + std::to_string(i) + " has dtype " + exec::elem_type_name(v.type) +
                                   ", the out array " + exec::elem_type_name(outs[i].type) + " (dtypes must match exactly)");
      }
      const std::vector<exec::LengthSource>& dims = plan_.output_dims[i];
      std::vector<std::int64_t> want;
      if (dims.empty()) {
        want.push_back(v.length);
      } else {
        for (const exec::LengthSource& d : dims) want.push_back(exec::evaluate_length(d, state->slots));
      }
      bool same = static_cast<int>(want.size()) == outs[i].rank;
      for (std::size_t k = 0; same && k < want.size(); ++k) same = want[k] == outs[i].dims[k];
      if (!same) {
        std::string w = "(";
        for (std::size_t k = 0; k < want.size(); ++k) w += (k ? ", " : "") + std::to_string(want[k]) + (want.size() == 1 ? "," : "");
        std::string g = "(";
        for (int k = 0; k < outs[i].rank; ++k) g += (k ? ", " : "") + std::to_string(outs[i].dims[k]) + (outs[i].rank == 1 ? "," : "");
        throw_value_error(name, "output " + std::to_string(i) + " has shape " + w + "), the out array " + g + ") (shapes must match exactly)");
      }
    }
    for (std::size_t i = 0; i < outs.size(); ++i) {
      const Value& v = state->slots[static_cast<std::size_t>(plan_.output_slots[i])];
      if (v.raw_data() == outs[i].data) continue;  // written in place
      if (v.length > 0) std::memmove(outs[i].data, v.raw_data(), static_cast<std::size_t>(v.length) * exec::elem_size(v.type));
    }
    unbind();
    release(std::move(state));
  } catch (...) {
    unbind();
    release(std::move(state));
    throw;
  }
}

std::vector<Value> Compiled::run_profiled(std::vector<Value> inputs, RunProfile& profile) const {
  const Compiled& c = variant_for(inputs);
  profile.steps.assign(static_cast<std::size_t>(c.plan_.num_profile_ids), StepProfile{});
  profile.events.clear();
  profile.dropped_events = 0;
  return c.run_impl(inputs, &profile);
}

void Compiled::load_inputs(std::vector<Value>& inputs, exec::RunState& st) const {
  exec::RunState* state = &st;
  for (std::size_t i = 0; i < inputs.size(); ++i) {
    const int slot = plan_.input_slots[i];
    const exec::SlotInfo& info = plan_.slots[static_cast<std::size_t>(slot)];
    Value& in = inputs[i];
    auto name = [i] { return "inputs[" + std::to_string(i) + "]"; };
    if (info.kind == exec::SlotKind::kScalar && in.is_scalar()) {
      // Python numbers arrive as int64/float64/bool: convert to the traced dtype.
      Value v;
      v.kind = exec::SlotKind::kScalar;
      v.type = info.type;
      exec::store_scalar(info.type, in.as_f64(), in.as_i64(), !exec::is_float(in.type), v.scalar);
      state->slots[static_cast<std::size_t>(slot)] = v;
      continue;
    }
    if (in.kind != info.kind || (info.kind == exec::SlotKind::kArray && in.type != info.type)) {
      throw_type_error(name(), "expected " + expected_kind(info) + ", got " + describe_value(in));
    }
    if (info.kind == exec::SlotKind::kGraph && !in.graph) throw_type_error(name(), "graph is null");
    if (info.kind == exec::SlotKind::kArray) {
      const int want = plan_.input_ranks[i];
      const int got = in.rank > 1 ? in.rank : 1;
      if (want != got) {
        throw_type_error(name(), "expected a " + std::to_string(want) + "-D " + exec::elem_type_name(info.type) +
                                     " array, got a " + std::to_string(got) + "-D array");
      }
    }
    state->slots[static_cast<std::size_t>(slot)] = std::move(in);
  }
  for (const exec::InputLengthCheck& c : plan_.input_checks) {
    const Value& v = state->slots[static_cast<std::size_t>(plan_.input_slots[static_cast<std::size_t>(c.input_index)])];
    const std::int64_t want = expected_length(c.expected, state->slots);
    if (c.axis >= 0) {
      const std::int64_t got = v.rank > 1 ? v.dims[c.axis] : v.length;
      if (got != want) {
        throw_value_error("inputs[" + std::to_string(c.input_index) + "]",
                          "axis " + std::to_string(c.axis) + " " + length_rule(c.expected) + " (" + std::to_string(want) +
                              "), got " + std::to_string(got));
      }
      continue;
    }
    if (v.length != want) {
      throw_value_error("inputs[" + std::to_string(c.input_index) + "]",
                        std::string(length_rule(c.expected)) + " (" + std::to_string(want) + "), got length " +
                            std::to_string(v.length));
    }
  }
}

std::vector<Value> Compiled::run_impl(std::vector<Value>& inputs, RunProfile* profile) const {
  if (inputs.size() != plan_.input_slots.size()) {
    throw_value_error("inputs", "expected " + std::to_string(plan_.input_slots.size()) + " values, got " +
                                    std::to_string(inputs.size()));
  }
  auto state = acquire();
  try {
    load_inputs(inputs, *state);
    exec::execute(plan_, *state, profile);
    std::vector<Value> outputs = take_outputs(*state);
    release(std::move(state));
    return outputs;
  } catch (...) {
    release(std::move(state));
    throw;
  }
}

std::vector<Value> Compiled::take_outputs(exec::RunState& state) const {
  const std::size_t nout = plan_.output_slots.size();
  std::vector<Value> outputs;
  outputs.reserve(nout);
  for (std::size_t i = 0; i < nout; ++i) {
    const int slot = plan_.output_slots[i];
    Value& held = state.slots[static_cast<std::size_t>(slot)];
    // Moved out of its slot (no reference count traffic) unless a later output is the same slot.
    // A moved-from slot keeps its kind, type and scalar bits (constants stay valid for the next
    // run); its buffer is dropped, which the pooled state must do anyway (see below).
    bool read_again = false;
    for (std::size_t j = i + 1; j < nout && !read_again; ++j) read_again = plan_.output_slots[j] == slot;
    Value v = read_again || held.is_graph() ? held : std::move(held);
    // Outputs never alias the caller's memory (an input or a graph's degrees), nor one another
    // (two outputs the optimizer made one value would otherwise share a buffer): copy.
    bool shared_with_earlier = false;
    if (v.is_array()) {
      for (const Value& o : outputs) shared_with_earlier = shared_with_earlier || o.storage == v.storage;
    }
    if (v.is_array() && (!v.storage->owned() || shared_with_earlier)) v = Value::copy_of(v, "output");
    const std::vector<exec::LengthSource>& dims = plan_.output_dims[i];
    if (v.is_array() && !dims.empty()) {
      v.rank = static_cast<std::uint8_t>(dims.size());
      for (std::size_t k = 0; k < dims.size(); ++k) v.dims[k] = exec::evaluate_length(dims[k], state.slots);
    } else {
      v.rank = 0;
    }
    outputs.push_back(std::move(v));
  }
  // The pooled state must not keep the caller's results alive (a 50M-element output would stay
  // resident until the next run): drop every slot that holds an output's buffer.
  for (Value& v : state.slots) {
    if (!v.storage) continue;
    for (const Value& o : outputs) {
      if (o.storage == v.storage) {
        v.storage.reset();
        break;
      }
    }
  }
  return outputs;
}

std::shared_ptr<Compiled> Compiled::optimize_and_lower(const ir::Program& program, const CompileOptions& /*options: none yet*/,
                                             const opt::OptimizeOptions& optimize_options, bool* rotated) {
  ir::Program optimized = program;
  const opt::PassReport report = opt::optimize(optimized, optimize_options);
  exec::Plan plan = exec::lower_program(optimized);
  auto compiled = std::make_shared<Compiled>(std::move(plan));
  compiled->optimized_ir_ = ir::print(optimized);
  compiled->pass_report_ = report.str();
  if (rotated) {
    *rotated = std::any_of(report.runs.begin(), report.runs.end(),
                           [](const opt::PassRun& r) { return r.name == "loop_rotation" && r.changed; });
  }
  return compiled;
}

std::shared_ptr<const Compiled> compile(const ir::Program& program, const CompileOptions& options) {
  ir::verify(program);
  bool rotated = false;
  std::shared_ptr<Compiled> compiled = Compiled::optimize_and_lower(program, options, {}, &rotated);
  // Loop rotation's cost model. The rotated loop makes one pass over the nodes per iteration but
  // keeps one more node array live (the carried producer is double-buffered) and streams it during
  // the gather; measured on DSL PageRank (R-MAT, edge factor 16, 2 threads, Zen4 with 1 MB L2 per
  // core): rotated 0.62 / 3.00 / 9.10 / 16.6 ms per iteration at 2^16 / 2^18 / 2^19 / 2^20 nodes,
  // unrotated 0.69 / 3.28 / 8.83 / 14.2 ms. So a second plan without rotation is made, and graphs
  // above kRotationMaxNodes run it.
  constexpr std::int64_t kRotationMaxNodes = 384 * 1024;
  int graph_input = -1;
  for (std::size_t i = 0; i < program.inputs().size() && graph_input < 0; ++i) {
    if (program.type(program.inputs()[i]).is_graph()) graph_input = static_cast<int>(i);
  }
  if (rotated && graph_input >= 0) {
    opt::OptimizeOptions without;
    without.disabled.push_back("loop_rotation");
    compiled->large_graph_ = Compiled::optimize_and_lower(program, options, without, nullptr);
    compiled->large_graph_min_nodes_ = kRotationMaxNodes;
    compiled->graph_input_ = graph_input;
  }
  return compiled;
}

}  // namespace fuseflow
