// The pass registry and the one wrapper every pass runs through (see pass_manager.h).
#include "fuseflow/opt/pass_manager.h"

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"

namespace fuseflow::opt {

namespace {

// Pipeline order. A new pass is one line here plus its file.
const std::vector<PassInfo> kPasses = {
    {"constant_folding", &constant_folding, PassPhase::kSimplify,
     "evaluates exactly-rounded elementwise ops on constants (NumPy semantics)"},
    {"algebraic_simplification", &algebraic_simplification, PassPhase::kSimplify,
     "IEEE-exact identities: x*1, x+(-0.0), x-0, --x, where(c,x,x), x==x on integers"},
    {"cse", &cse, PassPhase::kSimplify, "merges structurally equal ops, respecting loop-region scopes"},
    {"licm", &licm, PassPhase::kSimplify, "hoists loop-invariant pure ops out of loop/while regions"},
    {"loop_rotation", &loop_rotation, PassPhase::kSimplify,
     "moves a loop's carry-only prologue feeding a graph op to the end of the body (extra carries)"},
    {"dce", &dce, PassPhase::kSimplify, "removes unused ops and unused loop carries"},
    {"elementwise_fusion", &elementwise_fusion, PassPhase::kLowering,
     "maximal elementwise clusters of one length become one fused op (registers, one pass)"},
    {"reduction_fusion", &reduction_fusion, PassPhase::kLowering,
     "reductions join the fused op producing (or able to read) their operands"},
    {"neighbor_fusion", &neighbor_fusion, PassPhase::kLowering,
     "a neighbor_agg and its node-length consumers become one fused_agg (epilogue per chunk)"},
    {"memory_planning", &memory_planning, PassPhase::kLowering,
     "liveness-based buffer reuse and in-place updates (Program::storage)"},
};

double seconds_since(std::chrono::steady_clock::time_point start) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::string known_pass_list() {
  std::string s;
  for (const PassInfo& p : kPasses) s += (s.empty() ? "" : ", ") + std::string(p.name);
  return s + ", all";
}

void add_names(const std::string& list, const char* source, std::vector<std::string>& out) {
  std::size_t start = 0;
  while (start <= list.size()) {
    std::size_t end = list.find(',', start);
    if (end == std::string::npos) end = list.size();
    std::string name = list.substr(start, end - start);
    name.erase(0, name.find_first_not_of(" \t"));
    name.erase(name.find_last_not_of(" \t") + 1);
    if (!name.empty()) {
      if (name != "all" && !find_pass(name)) {
        throw_value_error(source, "unknown optimizer pass '" + name + "' (known: " + known_pass_list() + ")");
      }
      out.push_back(name);
    }
    start = end + 1;
  }
}

bool is_disabled(const std::vector<std::string>& disabled, const char* name) {
  return std::any_of(disabled.begin(), disabled.end(), [&](const std::string& d) { return d == name || d == "all"; });
}

}  // namespace

const std::vector<PassInfo>& registered_passes() { return kPasses; }

const PassInfo* find_pass(std::string_view name) {
  for (const PassInfo& p : kPasses) {
    if (name == p.name) return &p;
  }
  return nullptr;
}

std::vector<std::string> disabled_passes(const OptimizeOptions& options) {
  std::vector<std::string> out;
  for (const std::string& name : options.disabled) add_names(name, "OptimizeOptions::disabled", out);
  if (options.use_environment) {
    if (const char* env = std::getenv("FUSEFLOW_DISABLE_PASSES")) add_names(env, "FUSEFLOW_DISABLE_PASSES", out);
  }
  return out;
}

bool run_pass(ir::Program& program, const PassInfo& info, const std::vector<std::string>& disabled, bool verify,
              PassReport* report, int round) {
  check_interrupt();
  PassRun run;
  run.name = info.name;
  run.round = round;
  if (is_disabled(disabled, info.name)) {
    run.skipped = true;
    if (report) report->runs.push_back(run);
    return false;
  }
  auto start = std::chrono::steady_clock::now();
  try {
    run.changed = info.run(program);
  } catch (const Error& e) {
    if (e.code() == ErrorCode::kInterrupted) throw;
    throw Error(ErrorCode::kInternal, std::string("optimizer pass '") + info.name + "' failed: " + e.what());
  } catch (const std::exception& e) {
    throw Error(ErrorCode::kInternal, std::string("optimizer pass '") + info.name + "' failed: " + e.what());
  }
  run.seconds = seconds_since(start);
  if (verify) {
    auto verify_start = std::chrono::steady_clock::now();
    try {
      ir::verify(program);
    } catch (const Error& e) {
      throw Error(ErrorCode::kInternal, std::string("optimizer pass '") + info.name + "' produced invalid IR: " + e.what());
    }
    run.verify_seconds = seconds_since(verify_start);
  }
  if (report) report->runs.push_back(run);
  return run.changed;
}

bool run_pass(ir::Program& program, std::string_view name, bool verify, PassReport* report) {
  const PassInfo* info = find_pass(name);
  if (!info) throw_value_error("pass", "unknown optimizer pass '" + std::string(name) + "' (known: " + known_pass_list() + ")");
  return run_pass(program, *info, {}, verify, report);
}

PassReport optimize(ir::Program& program, const OptimizeOptions& options) {
  auto start = std::chrono::steady_clock::now();
  std::vector<std::string> disabled = disabled_passes(options);
  PassReport report;
  // Simplifications enable each other (folding exposes where(true, ..), CSE exposes dead ops):
  // repeat the group until nothing changes.
  for (int round = 0; round < std::max(1, options.max_rounds); ++round) {
    bool changed = false;
    for (const PassInfo& p : kPasses) {
      if (p.phase == PassPhase::kSimplify) changed |= run_pass(program, p, disabled, options.verify, &report, round);
    }
    if (!changed) break;
  }
  // Required, so not a pass (none can disable it, the report does not list it): a program
  // returning one buffer twice is wrong, not slow.
  if (distinct_outputs(program) && options.verify) {
    try {
      ir::verify(program);
    } catch (const Error& e) {
      throw Error(ErrorCode::kInternal, std::string("distinct_outputs produced invalid IR: ") + e.what());
    }
  }
  for (const PassInfo& p : kPasses) {
    if (p.phase == PassPhase::kLowering) run_pass(program, p, disabled, options.verify, &report, 0);
  }
  report.total_seconds = seconds_since(start);
  return report;
}

bool PassReport::changed() const {
  return std::any_of(runs.begin(), runs.end(), [](const PassRun& r) { return r.changed; });
}

std::string PassReport::str() const {
  std::string out = "pass                        round  result      time(us)  verify(us)\n";
  char line[160];
  for (const PassRun& r : runs) {
    const char* result = r.skipped ? "skipped" : r.changed ? "changed" : "unchanged";
    std::snprintf(line, sizeof line, "%-27s %5d  %-9s %10.1f  %10.1f\n", r.name.c_str(), r.round, result, r.seconds * 1e6,
                  r.verify_seconds * 1e6);
    out += line;
  }
  std::snprintf(line, sizeof line, "total %.1f us\n", total_seconds * 1e6);
  return out + line;
}

}  // namespace fuseflow::opt
