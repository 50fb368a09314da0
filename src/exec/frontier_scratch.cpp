#include "exec/frontier_scratch.h"

namespace fuseflow::exec {

FrontierScratch& frontier_scratch_of(RunState& state) {
  if (!state.frontier_scratch) state.frontier_scratch = std::make_shared<FrontierScratch>();
  return *state.frontier_scratch;
}

void ensure_compact_array(Value& v, DType type, std::int64_t length) {
  const std::size_t bytes = array_bytes(type, length, "neighbor_agg");
  if (!(v.storage && v.storage.use_count() == 1 && v.storage->owned() && v.storage->capacity() >= bytes)) {
    v = Value::array(type, length, "neighbor_agg");
  }
  v.kind = SlotKind::kArray;
  v.type = type;
  v.length = length;
}

}  // namespace fuseflow::exec
