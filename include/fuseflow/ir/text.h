// The IR's one text format (printer + parser with an exact print -> parse -> print round trip)
// and Graphviz output. Format: see the top of fuseflow/ir/program.h. Values are renumbered in
// print order (%0.. inputs, then definitions in order), so printing is canonical.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "fuseflow/ir/program.h"

namespace fuseflow::ir {

struct PrintOptions {
  bool locations = false;  // append `loc("file.py":12)` to ops with a known source location
};

std::string print(const Program& program, const PrintOptions& options = {});
// The number print() gives each value (-1: not printed, e.g. a value no op defines any more), so
// other listings (the execution plan) can name values as the printed IR does.
std::vector<int> printed_numbers(const Program& program);

// Throws fuseflow::Error(kInvalidValue) "line L, column C: <what was expected>" on malformed text
// or a program that fails verify().
Program parse(std::string_view text);

// Graphviz digraph: one node per input/op, edges along operands; loop regions as clusters.
std::string to_dot(const Program& program);

}  // namespace fuseflow::ir
