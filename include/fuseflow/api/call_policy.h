// Whether a call of a compiled program is short enough to run without releasing the GIL.
#pragma once

#include <cstdint>
#include <vector>

#include "fuseflow/api/compiled.h"

namespace fuseflow {

// A call that cannot run long: no loop, no graph, every array at most kShortCallElements long.
// The Python binding keeps the GIL for such calls: releasing and re-taking it (and arming Ctrl-C)
// costs more than the run itself (~0.2 us of a ~1.3 us 1-element call), and a run of a few
// microseconds blocks no other thread noticeably.
inline constexpr std::int64_t kShortCallElements = 4096;
bool is_short_call(const Compiled& c, const std::vector<Value>& values);

}  // namespace fuseflow
