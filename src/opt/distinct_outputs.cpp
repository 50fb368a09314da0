// distinct_outputs: every array the program returns gets a buffer of its own, so writing into one
// returned array never changes another (NumPy: `a, b = f(x)` are distinct objects). Two outputs
// share a buffer when they are one value (returned twice by the user, or made equal by CSE /
// simplification: `(x * 2, x * 2)`), and a loop/while result may be handed the buffer of another
// carry or of its init (a loop that runs zero times returns its init; carries swap buffers), which
// may itself be returned. So, when a program returns two or more arrays, each output that repeats
// an earlier one, and each loop result, is returned through a `cast` to its own type: a copy the
// executor writes into a fresh buffer (elementwise fusion folds it into the kernel computing the
// value, so the copy costs one more stream out of that pass). Outputs aliasing the caller's memory
// (an input returned as is) are copied by the run itself (api/compiled.cpp).
//
// Not a pass: optimize() runs it whatever FUSEFLOW_DISABLE_PASSES says, after the simplification
// passes (which can merge outputs) and before the lowering passes (which fuse the copy).
#include <vector>

#include "fuseflow/opt/pass_manager.h"

namespace fuseflow::opt {

bool distinct_outputs(ir::Program& program) {
  std::vector<ir::ValueId>& outputs = program.body.yields;
  int arrays = 0;
  for (ir::ValueId v : outputs) arrays += program.type(v).is_array() ? 1 : 0;
  if (arrays < 2) return false;
  std::vector<char> loop_result(program.values.size(), 0), returned(program.values.size(), 0);
  for (const ir::Op& op : program.body.ops) {
    if (op.code != ir::OpCode::kLoop && op.code != ir::OpCode::kWhile) continue;
    for (ir::ValueId r : op.results) loop_result[static_cast<std::size_t>(r)] = 1;
  }
  bool changed = false;
  for (ir::ValueId& out : outputs) {
    const ir::ValueId v = out;
    if (!program.type(v).is_array()) continue;
    const bool copy = returned[static_cast<std::size_t>(v)] || loop_result[static_cast<std::size_t>(v)];
    returned[static_cast<std::size_t>(v)] = 1;
    if (!copy) continue;
    ir::Op cast;
    cast.code = ir::OpCode::kCast;
    cast.operands = {v};
    program.values.push_back(program.type(v));
    cast.results = {static_cast<ir::ValueId>(program.values.size() - 1)};
    if (!program.storage.empty()) program.storage.push_back(ir::kNoValue);
    out = cast.results[0];
    program.body.ops.push_back(std::move(cast));
    changed = true;
  }
  return changed;
}

}  // namespace fuseflow::opt
