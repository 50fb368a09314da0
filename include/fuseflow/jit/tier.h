// The one call the executor makes per fused region: which tier runs it, and why (for
// f.explain()). Never blocks on a compiler.
//
//   jit::TierChoice c = jit::choose_tier(program, fused_op);
//   if (c.fn) run c.fn per block (see region.h for the arguments, bound by c.binding)
//   else      run the interpreter
// With FUSEFLOW_JIT=on a prejit miss queues a native compile; until it is loaded (and forever
// after a failure) the answer is the interpreter. Call again on later runs to pick it up.
#pragma once

#include <optional>
#include <string>

#include "fuseflow/jit/native.h"
#include "fuseflow/jit/region.h"

namespace fuseflow::jit {

enum class Tier : std::uint8_t { kInterp, kPrejit, kNative };

struct TierChoice {
  Tier tier = Tier::kInterp;
  RegionFn fn = nullptr;                 // nullptr for kInterp
  std::optional<RegionBinding> binding;  // set when the region is describable
  // "interp: <why>" / "prejit:<key>" / "native:<key>", e.g. "interp: native compile under way".
  std::string explanation;
};

// `native` = nullptr uses native_cache() when native_enabled(), else no native tier.
TierChoice choose_tier(const ir::Program& program, const ir::Op& fused, NativeCache* native = nullptr);

const char* tier_name(Tier t);  // "interp", "prejit", "native"

}  // namespace fuseflow::jit
