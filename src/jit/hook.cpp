// The executor's hook into the compiled tier (fuseflow/jit/hook.h): binding a block kernel's
// operands to its region's slots at lowering, choosing the tier per run, explaining the choice.
#include "fuseflow/jit/hook.h"

#include <cstdio>
#include <cstdlib>
#include <cstring>

#include "fuseflow/exec/plan.h"
#include "fuseflow/exec/value.h"
#include "fuseflow/jit/native.h"

namespace fuseflow::jit {
namespace {

Mode mode_from_environment() {
  const char* v = std::getenv("FUSEFLOW_JIT");
  if (v == nullptr || *v == '\0') return Mode::kPrejit;
  if (std::optional<Mode> m = parse_mode(v)) return *m;
  // Not an exception: this runs while the first function compiles, and the tier never changes a
  // result. One line says what was ignored.
  std::fprintf(stderr, "fuseflow: jit: FUSEFLOW_JIT=%s is not one of off, prejit, native (or on); using prejit\n", v);
  return Mode::kPrejit;
}

std::atomic<Mode>& mode_variable() {
  static std::atomic<Mode> m{mode_from_environment()};
  return m;
}

// FUSEFLOW_JIT_WAIT=<seconds> (tests only): a call whose native kernel is not built yet waits up
// to that long for it, so a suite run under FUSEFLOW_JIT=native exercises compiled kernels rather
// than the interpreter that runs while they compile. Unset (the default): never wait.
double native_wait_seconds() {
  static const double seconds = [] {
    const char* v = std::getenv("FUSEFLOW_JIT_WAIT");
    if (v == nullptr || *v == '\0') return 0.0;
    char* end = nullptr;
    const double s = std::strtod(v, &end);
    if (end == v || *end != '\0' || !(s >= 0.0)) {
      std::fprintf(stderr, "fuseflow: jit: FUSEFLOW_JIT_WAIT=%s is not a number of seconds; not waiting\n", v);
      return 0.0;
    }
    return s;
  }();
  return seconds;
}

enum NativeState : int { kNotAsked = 0, kCompiling = 1, kLoaded = 2, kFailed = 3 };

// Asks the native cache about the tier's key (queues its compile on the first ask); never waits
// unless FUSEFLOW_JIT_WAIT says so.
RegionFn poll_native(KernelTier& t) {
  const int state = t.native_state.load(std::memory_order_acquire);
  if (state == kFailed) return nullptr;
  if (state == kLoaded) return t.native.load(std::memory_order_acquire);
  const double wait = native_wait_seconds();
  const NativeLookup got = wait > 0.0 ? native_cache().wait(t.binding->key, wait) : native_cache().lookup(t.binding->key);
  switch (got.status) {
    case NativeStatus::kReady:
      t.native.store(got.fn, std::memory_order_release);
      t.native_state.store(kLoaded, std::memory_order_release);
      return got.fn;
    case NativeStatus::kNotReady: t.native_state.store(kCompiling, std::memory_order_release); return nullptr;
    case NativeStatus::kFailed: t.native_state.store(kFailed, std::memory_order_release); return nullptr;
  }
  return nullptr;
}

double scalar_value(const void* p, DType t) {
  if (t == DType::kFloat32) {
    float f;
    std::memcpy(&f, p, sizeof f);
    return f;
  }
  double d;
  std::memcpy(&d, p, sizeof d);
  return d;
}

void explain_steps(const std::vector<exec::Step>& steps, const std::string& where, std::vector<KernelExplanation>& out);

void explain_kernel(exec::Kernel* k, const std::string& where, std::vector<KernelExplanation>& out) {
  if (k == nullptr) return;
  KernelExplanation e;
  e.label = k->label;
  e.where = where;
  e.detail = explain(k->tier.get());
  e.tier = e.detail.rfind("prejit:", 0) == 0 ? "prejit" : e.detail.rfind("native:", 0) == 0 ? "native" : "interp";
  out.push_back(std::move(e));
}

void explain_steps(const std::vector<exec::Step>& steps, const std::string& where, std::vector<KernelExplanation>& out) {
  const std::string prefix = where.empty() ? "" : where + " > ";
  for (const exec::Step& s : steps) {
    switch (s.kind) {
      case exec::Step::kKernel: explain_kernel(s.kernel.get(), prefix + "kernel", out); break;
      case exec::Step::kNeighborAgg: {
        explain_kernel(s.agg.prologue.get(), prefix + "per-edge prologue of " + s.label, out);
        const int gathered = mode() == Mode::kOff ? -1 : sum_gather_array(s.agg);
        explain_kernel(s.agg.epilogue.get(), prefix + "epilogue of " + s.label, out);
        if (gathered >= 0) {
          out.back().detail += " (the neighbour sum computed in its loop, array a" + std::to_string(gathered) +
                               ", when x exceeds " + std::to_string(kSumGatherMinBytes >> 20) + " MiB)";
        }
        break;
      }
      case exec::Step::kRowBlocks: explain_steps(s.rows->body, prefix + "row blocks", out); break;
      case exec::Step::kLoop:
        if (s.loop) {
          explain_steps(s.loop->cond, prefix + "while condition", out);
          explain_steps(s.loop->body, prefix + "loop body", out);
        }
        break;
      default: break;
    }
  }
}

}  // namespace

Mode mode() { return mode_variable().load(std::memory_order_relaxed); }
void set_mode(Mode m) { mode_variable().store(m, std::memory_order_relaxed); }

const char* mode_name(Mode m) {
  switch (m) {
    case Mode::kOff: return "off";
    case Mode::kPrejit: return "prejit";
    case Mode::kNative: return "native";
  }
  return "prejit";
}

std::optional<Mode> parse_mode(const std::string& text) {
  if (text == "off") return Mode::kOff;
  if (text == "prejit") return Mode::kPrejit;
  if (text == "native" || text == "on") return Mode::kNative;
  return std::nullopt;
}

bool native_enabled() { return mode() == Mode::kNative; }

namespace {

// Strided array slots whose source has length 1 on the kernel's last axis (a (B, 1) operand, by
// its static shape) are constant along a row segment: the row variant binds them as scalars.
void attach_row_variant(KernelTier& t, const exec::Kernel& kernel) {
  const RegionKey& key = t.binding->key;
  std::vector<char> as_scalar(static_cast<std::size_t>(key.num_arrays), 0);
  std::vector<char> is_mask(static_cast<std::size_t>(key.num_arrays), 0);
  for (const Node& n : key.nodes) {
    if (n.kind == NodeKind::kBoolArray) is_mask[static_cast<std::size_t>(n.slot)] = 1;
  }
  bool any = false;
  for (int k = 0; k < key.num_arrays; ++k) {
    const exec::Operand& o = kernel.operands.at(static_cast<std::size_t>(t.array_operands[static_cast<std::size_t>(k)]));
    if (o.kind != exec::OperandKind::kStrided || is_mask[static_cast<std::size_t>(k)]) continue;
    const exec::StridedRead& read = kernel.strided_reads.at(static_cast<std::size_t>(o.strided));
    if (!read.src_dims.empty() && read.src_dims.back().kind == exec::LengthSource::kOne) {
      as_scalar[static_cast<std::size_t>(k)] = 1;
      any = true;
    }
  }
  if (!any) return;
  for (int o : t.output_operands) {
    if (o < 0) return;  // a partial sum: the executor calls per block there, never per row segment
  }
  const RegionKey row_key = with_scalar_slots(key, as_scalar);
  if (row_key.num_scalars > kMaxRegionOperands) return;
  t.row_prejit = find_prejit(row_key);
  if (t.row_prejit == nullptr) return;
  t.row_key = row_key.str();
  for (int k = 0; k < key.num_arrays; ++k) {
    const int operand = t.array_operands[static_cast<std::size_t>(k)];
    if (as_scalar[static_cast<std::size_t>(k)]) {
      t.row_constants.push_back(operand);
      t.row_constant_types.push_back(kernel.operands[static_cast<std::size_t>(operand)].type);
    } else {
      t.row_array_operands.push_back(operand);
    }
  }
}

}  // namespace

std::shared_ptr<KernelTier> attach(const ir::Program& program, const std::vector<ir::Op>& ops,
                                   const std::vector<ir::ValueId>& yields, ir::SymbolId length,
                                   const std::unordered_map<ir::ValueId, int>& operand_of,
                                   const exec::Kernel& kernel) {
  auto t = std::make_shared<KernelTier>();
  t->binding = describe_body(program, ops, yields, length, &t->why_not);
  if (!t->binding) return t;
  const RegionBinding& b = *t->binding;
  auto reject = [&](std::string why) {
    t->binding.reset();
    t->why_not = std::move(why);
    return t;
  };
  if (b.key.num_arrays > kMaxRegionOperands || b.key.num_scalars > kMaxRegionOperands ||
      static_cast<int>(b.key.outputs.size()) > kMaxRegionOperands) {
    return reject("more than " + std::to_string(kMaxRegionOperands) + " operands");
  }
  // Operand of value v if it has the expected kind.
  auto operand = [&](ir::ValueId v, exec::OperandKind kind) -> int {
    auto it = operand_of.find(v);
    if (it == operand_of.end()) return -1;
    const exec::Operand& o = kernel.operands.at(static_cast<std::size_t>(it->second));
    return o.kind == kind ? it->second : -1;
  };
  for (ir::ValueId v : b.arrays) {
    // A broadcast read (kStrided) reaches the kernel as a block pointer like a plain array.
    int i = operand(v, exec::OperandKind::kArray);
    if (i < 0) i = operand(v, exec::OperandKind::kStrided);
    if (i < 0) return reject("an input is not read as a plain array");
    t->array_operands.push_back(i);
  }
  for (ir::ValueId v : b.scalars) {
    if (v == ir::kNoValue) {
      t->scalar_operands.push_back(-1);
      t->scalar_types.push_back(DType::kFloat64);
      continue;
    }
    const int i = operand(v, exec::OperandKind::kBroadcast);
    if (i < 0) return reject("a scalar is not read as a broadcast operand");
    const DType st = kernel.operands[static_cast<std::size_t>(i)].type;
    if (!is_float(st)) return reject("an integer scalar");
    t->scalar_operands.push_back(i);
    t->scalar_types.push_back(st);
  }
  // Partial sums are numbered like the kernel's reductions: in op order (the only reductions a
  // supported region has).
  std::unordered_map<int, int> reduction_of;  // node -> reduction index
  for (std::size_t n = 0; n < b.key.nodes.size(); ++n) {
    if (b.key.nodes[n].kind == NodeKind::kOp && b.key.nodes[n].op == ir::OpCode::kSum) {
      const int r = static_cast<int>(reduction_of.size());
      reduction_of.emplace(static_cast<int>(n), r);
      if (r >= static_cast<int>(kernel.reductions.size()) || kernel.reductions[static_cast<std::size_t>(r)].op != exec::ReduceOp::kSum ||
          kernel.reductions[static_cast<std::size_t>(r)].type != b.key.dtype) {
        return reject("its sums are not the kernel's reductions");
      }
    }
  }
  if (reduction_of.size() != kernel.reductions.size()) return reject("its sums are not the kernel's reductions");
  for (std::size_t k = 0; k < yields.size(); ++k) {
    if (auto r = reduction_of.find(b.key.outputs[k]); r != reduction_of.end()) {
      t->output_operands.push_back(-1 - r->second);
      continue;
    }
    const int i = operand(yields[k], exec::OperandKind::kArray);
    if (i < 0) return reject("a result is not written as an array");
    t->output_operands.push_back(i);
  }
  t->key = b.key.str();
  t->prejit = find_prejit(b.key);
  attach_row_variant(*t, kernel);
  for (int k = 0; k < b.key.num_arrays; ++k) t->prejit_sum_gather.push_back(find_prejit_sum_gather(b.key, k));
  return t;
}

namespace {

// The region's operand tables for one block: array/output element pointers, scalar values.
// `array_operands`: the tier's own, or its row variant's (whose row constants the caller binds
// after the scalars).
void bind_block(const KernelTier& t, const std::vector<int>& array_operands, void* const* ptrs,
                exec::ReducePartial* partials, const void** arrays, double* scalars, void** outputs) {
  const std::size_t na = array_operands.size(), ns = t.scalar_operands.size(), no = t.output_operands.size();
  for (std::size_t k = 0; k < na; ++k) arrays[k] = ptrs[array_operands[k]];
  for (std::size_t k = 0; k < ns; ++k) {
    const int i = t.scalar_operands[k];
    scalars[k] = i < 0 ? t.binding->constants[k] : scalar_value(ptrs[i], t.scalar_types[k]);
  }
  for (std::size_t k = 0; k < no; ++k) {
    const int i = t.output_operands[k];
    outputs[k] = i >= 0 ? ptrs[i] : static_cast<void*>(partials[-1 - i].value.raw);
  }
}

}  // namespace

int sum_gather_array(const exec::NeighborAggStep& s) {
  // An unweighted pull (not both directions) summing a float x of the result's type, whose
  // epilogue reads the result as a plain array (not through a prologue or a semiring).
  const exec::Kernel* epi = s.epilogue.get();
  if (epi == nullptr || !epi->tier || !epi->tier->binding || s.op != exec::AggOp::kSum || s.weights_slot >= 0 ||
      s.direction == exec::AggDirection::kBoth || s.combine != exec::AggCombine::kNone || s.x_slot < 0 ||
      !is_float(s.out_type) || s.in_type != s.out_type) {
    return -1;
  }
  const KernelTier& t = *epi->tier;
  for (std::size_t k = 0; k < t.array_operands.size(); ++k) {
    const exec::Operand& o = epi->operands.at(static_cast<std::size_t>(t.array_operands[k]));
    if (o.kind == exec::OperandKind::kArray && o.slot == s.out_slot) {
      return t.prejit_sum_gather[k] != nullptr ? static_cast<int>(k) : -1;
    }
  }
  return -1;
}

void run_compiled_sum_gather(KernelTier& t, int agg_array, const SumGather& gather, void* const* ptrs,
                             std::int64_t count, exec::ReducePartial* partials) {
  const SumGatherRegionFn fn =
      t.binding && agg_array >= 0 ? t.prejit_sum_gather.at(static_cast<std::size_t>(agg_array)) : nullptr;
  if (fn == nullptr) throw Error(ErrorCode::kInternal, "sum gather: the epilogue has no such kernel");
  const void* arrays[kMaxRegionOperands];
  double scalars[kMaxRegionOperands];
  void* outputs[kMaxRegionOperands];
  bind_block(t, t.array_operands, ptrs, partials, arrays, scalars, outputs);
  fn(gather, arrays, scalars, outputs, count);
}

namespace {
constexpr std::int64_t kPrefetchRowBytes = 2048;
}  // namespace

bool run_compiled_rows(KernelTier& t, void* const* ptrs, std::int64_t count, std::int64_t rows,
                       const std::int64_t* row_step) {
  if (t.row_prejit == nullptr || mode() == Mode::kOff) return false;
  const void* arrays[kMaxRegionOperands];
  double scalars[kMaxRegionOperands];
  void* outputs[kMaxRegionOperands];
  // No partial sums here (attach_row_variant's rule), so no partials to bind.
  bind_block(t, t.row_array_operands, ptrs, nullptr, arrays, scalars, outputs);
  const std::size_t ns = t.scalar_operands.size(), na = t.row_array_operands.size(), no = t.output_operands.size();
  const std::size_t nc = t.row_constants.size();
  // Per slot, where its row starts and how far the next row is (bytes), read once.
  const char* constant[kMaxRegionOperands];
  std::int64_t array_step[kMaxRegionOperands], output_step[kMaxRegionOperands], constant_step[kMaxRegionOperands];
  for (std::size_t k = 0; k < nc; ++k) {
    constant[k] = static_cast<const char*>(ptrs[t.row_constants[k]]);
    constant_step[k] = rows > 1 ? row_step[t.row_constants[k]] : 0;
  }
  for (std::size_t k = 0; k < na; ++k) array_step[k] = rows > 1 ? row_step[t.row_array_operands[k]] : 0;
  for (std::size_t k = 0; k < no; ++k) output_step[k] = rows > 1 ? row_step[t.output_operands[k]] : 0;
  for (std::int64_t j = 0;;) {
    for (std::size_t k = 0; k < nc; ++k) scalars[ns + k] = scalar_value(constant[k], t.row_constant_types[k]);
    // The next row's output lines are requested for writing before this row runs (see the
    // executor's run_strided_segments: a store miss otherwise stalls the next row's loads, 4 KiB
    // rows of a (4096, 1024) float32 layer-norm). Not for short rows: on (64, 256) float32, whose
    // output stays in cache, the prefetch loop was 2% of a row softmax.
    if (j + 1 < rows) {
      for (std::size_t k = 0; k < no; ++k) {
        const std::int64_t step = output_step[k];
        if (step < kPrefetchRowBytes) continue;
        const char* next = static_cast<const char*>(outputs[k]) + step;
        for (std::int64_t b = 0; b < step; b += 64) __builtin_prefetch(next + b, 1, 3);
      }
    }
    t.row_prejit(arrays, scalars, outputs, count);
    if (++j == rows) break;
    for (std::size_t k = 0; k < na; ++k) arrays[k] = static_cast<const char*>(arrays[k]) + array_step[k];
    for (std::size_t k = 0; k < no; ++k) outputs[k] = static_cast<char*>(outputs[k]) + output_step[k];
    for (std::size_t k = 0; k < nc; ++k) constant[k] += constant_step[k];
  }
  return true;
}

bool run_compiled(KernelTier& t, void* const* ptrs, std::int64_t count, std::int64_t start,
                  exec::ReducePartial* partials) {
  if (!t.binding) return false;
  const Mode m = mode();
  if (m == Mode::kOff) return false;
  RegionFn fn = t.prejit;
  if (fn == nullptr) {
    if (m != Mode::kNative) return false;
    fn = t.native.load(std::memory_order_acquire);
    // Only the first block of a run asks the cache (a mutex and a map lookup), so a kernel
    // compiled meanwhile is picked up by the next run, at no per-block cost.
    if (fn == nullptr && start == 0) fn = poll_native(t);
    if (fn == nullptr) return false;
  }
  const void* arrays[kMaxRegionOperands];
  double scalars[kMaxRegionOperands];
  void* outputs[kMaxRegionOperands];
  bind_block(t, t.array_operands, ptrs, partials, arrays, scalars, outputs);
  fn(arrays, scalars, outputs, count);
  return true;
}

std::string explain(KernelTier* t) {
  if (t == nullptr) return "interp: not an elementwise kernel";
  if (!t->binding) return "interp: outside the compiled tier (" + t->why_not + ")";
  const Mode m = mode();
  if (m == Mode::kOff) return "interp: compiled tier off (mode off)";
  if (t->prejit) return "prejit:" + t->key + (t->row_prejit ? " (row segments: prejit:" + t->row_key + ")" : "");
  if (m != Mode::kNative) return "interp: no prejit kernel for " + t->key + " (mode native compiles one)";
  if (poll_native(*t)) return "native:" + t->key;
  if (t->native_state.load() == kFailed) return "interp: native compile of " + t->key + " failed (warning logged)";
  return "interp: native compile of " + t->key + " under way";
}

std::vector<KernelExplanation> explain_plan(const exec::Plan& plan) {
  std::vector<KernelExplanation> out;
  explain_steps(plan.steps, "", out);
  return out;
}

}  // namespace fuseflow::jit
