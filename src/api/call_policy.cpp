// is_short_call() (see call_policy.h).
#include "fuseflow/api/call_policy.h"

namespace fuseflow {

bool is_short_call(const Compiled& c, const std::vector<Value>& values) {
  for (const exec::Step& s : c.plan().steps) {
    if (s.kind == exec::Step::kLoop) return false;
  }
  for (const Value& v : values) {
    if (v.kind == exec::SlotKind::kGraph) return false;
    if (v.kind == exec::SlotKind::kArray && v.length > kShortCallElements) return false;
  }
  return true;
}

}  // namespace fuseflow
