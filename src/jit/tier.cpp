#include "fuseflow/jit/tier.h"

namespace fuseflow::jit {

const char* tier_name(Tier t) {
  switch (t) {
    case Tier::kInterp: return "interp";
    case Tier::kPrejit: return "prejit";
    case Tier::kNative: return "native";
  }
  return "interp";
}

TierChoice choose_tier(const ir::Program& program, const ir::Op& fused, NativeCache* native) {
  TierChoice c;
  c.binding = describe_region(program, fused);
  if (!c.binding) {
    c.explanation = "interp: region outside the compiled tier (integer/bool arrays, reductions, casts or ops it lacks)";
    return c;
  }
  const std::string key = c.binding->key.str();
  if (RegionFn fn = find_prejit(c.binding->key)) {
    c.tier = Tier::kPrejit;
    c.fn = fn;
    c.explanation = "prejit:" + key;
    return c;
  }
  if (!native && native_enabled()) native = &native_cache();
  if (!native) {
    c.explanation = "interp: no prejit kernel for " + key + " (FUSEFLOW_JIT=on compiles one)";
    return c;
  }
  const NativeLookup got = native->lookup(c.binding->key);
  switch (got.status) {
    case NativeStatus::kReady:
      c.tier = Tier::kNative;
      c.fn = got.fn;
      c.explanation = "native:" + key;
      break;
    case NativeStatus::kNotReady: c.explanation = "interp: native compile of " + key + " under way"; break;
    case NativeStatus::kFailed: c.explanation = "interp: native compile of " + key + " failed (warning logged)"; break;
  }
  return c;
}

}  // namespace fuseflow::jit
