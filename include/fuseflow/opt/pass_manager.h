// The optimizer's pass manager: every pass is one function `bool pass(ir::Program&)` (in place,
// returns whether it changed the program) in its own file src/opt/<name>.cpp, listed by name in
// the registry (src/opt/pass_manager.cpp). Every pass runs through ONE wrapper, run_pass(), which
// checks for interruption, skips the pass when it is disabled by name, times it, and verifies the
// IR after it (a failure names the pass).
//
// Passes never change results: the IR-to-IR passes here are IEEE-exact and the lowering passes only
// decide how the executor groups work and shares buffers (a reduction combines per-block partial
// results in block order either way), so disabling any of them (FUSEFLOW_DISABLE_PASSES=cse,licm,
// or OptimizeOptions::disabled) gives bitwise equal outputs. Disabling a fusion pass leaves one
// executor step per op, each writing a full-size array: slower, same bits.
//
// Whatever is disabled, optimize() makes the returned arrays distinct buffers (distinct_outputs()).
//
// Compile pipeline:   ir::Program p = trace(...);  opt::PassReport r = opt::optimize(p);
// Profiling:          r.str() is a table of per-pass time and whether the pass changed anything.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fuseflow/ir/program.h"

namespace fuseflow::opt {

// Returns true when it changed the program. Must leave the program verifiable.
using PassFunction = bool (*)(ir::Program&);

// When a pass runs in optimize(). Simplification passes run as a group, repeated while any of
// them changes the program (up to OptimizeOptions::max_rounds); lowering passes (fusion, memory
// planning) run once afterwards, in registry order.
enum class PassPhase { kSimplify, kLowering };

struct PassInfo {
  const char* name;         // "cse": the name FUSEFLOW_DISABLE_PASSES and reports use
  PassFunction run;
  PassPhase phase;
  const char* description;  // one line, for reports and --help style listings
};

// All registered passes, in pipeline order.
const std::vector<PassInfo>& registered_passes();
// nullptr when no pass has that name.
const PassInfo* find_pass(std::string_view name);

struct OptimizeOptions {
  // Passes to skip, by name (added to those named by FUSEFLOW_DISABLE_PASSES). "all" skips all.
  std::vector<std::string> disabled;
  // Read FUSEFLOW_DISABLE_PASSES (comma separated names, or "all"). Off in golden tests.
  bool use_environment = true;
  // Run ir::verify() after every pass. Cheap (linear); keep on except when profiling verify itself.
  bool verify = true;
  // Upper bound on repetitions of the simplification group.
  int max_rounds = 4;
};

struct PassRun {
  std::string name;
  int round = 0;          // which repetition of the simplification group (0 for lowering passes)
  bool skipped = false;   // disabled by name
  bool changed = false;
  double seconds = 0.0;   // the pass itself (verification excluded)
  double verify_seconds = 0.0;
};

struct PassReport {
  std::vector<PassRun> runs;
  double total_seconds = 0.0;
  // Per-pass table: pass, round, changed/skipped, time (us), verify time (us).
  std::string str() const;
  // True when some pass changed the program.
  bool changed() const;
};

// The set of disabled pass names for these options (the environment included when asked).
// Throws fuseflow::Error (ValueError) naming FUSEFLOW_DISABLE_PASSES / OptimizeOptions::disabled
// and listing the known passes when a name is unknown.
std::vector<std::string> disabled_passes(const OptimizeOptions& options);

// THE wrapper: check_interrupt(); skip if `disabled` holds info.name or "all"; time; verify.
// Appends one PassRun to `report` when given. A pass that throws or leaves invalid IR raises
// fuseflow::Error(kInternal) "optimizer pass '<name>' ...: <reason>" (interruptions pass through).
bool run_pass(ir::Program& program, const PassInfo& info, const std::vector<std::string>& disabled,
              bool verify, PassReport* report = nullptr, int round = 0);

// Runs one pass by name through the wrapper (what the golden tests use). Unknown name: ValueError.
bool run_pass(ir::Program& program, std::string_view name, bool verify = true, PassReport* report = nullptr);

// The whole pipeline on `program`, in place.
PassReport optimize(ir::Program& program, const OptimizeOptions& options = {});

// ---- the passes (each in src/opt/<name>.cpp); each returns whether it changed the program.
bool constant_folding(ir::Program& program);
bool algebraic_simplification(ir::Program& program);
bool cse(ir::Program& program);
bool dce(ir::Program& program);
bool licm(ir::Program& program);
bool loop_rotation(ir::Program& program);
// Not a pass (optimize() always runs it, between the two phases; it cannot be disabled): each
// array output that repeats an earlier output or is a loop result is returned through a copy
// (a `cast` to its own type), so no two returned arrays share a buffer. See distinct_outputs.cpp.
bool distinct_outputs(ir::Program& program);
// Lowering passes (they introduce fused / fused_agg ops and storage; the executor follows them).
bool elementwise_fusion(ir::Program& program);
bool reduction_fusion(ir::Program& program);
bool neighbor_fusion(ir::Program& program);
bool memory_planning(ir::Program& program);

}  // namespace fuseflow::opt
