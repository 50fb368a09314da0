// Internal to the lowering (lower*.cpp): the Lowerer, which turns an IR program into a Plan. Its
// jobs live in one file each: lower.cpp (slots, symbols, op dispatch), lower_kernel.cpp (fused
// elementwise kernels), lower_reduction.cpp (reductions inside kernels), lower_graph.cpp (graph
// steps and fused aggregations), lower_loop.cpp (loop/while regions); plan_describe.cpp prints a plan.
#pragma once

#include <string>
#include <unordered_map>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/exec/lower.h"
#include "fuseflow/ir/ops.h"

namespace fuseflow::exec::lowering {

using ir::OpCode;
using ir::ValueId;

[[noreturn]] inline void internal(const std::string& what) {
  throw Error(ErrorCode::kInternal, "lowering: " + what);
}

// Ops that a fused kernel can evaluate per element (full/arange included: they have a length).
inline bool is_kernel_op(OpCode c) {
  return ir::is_elementwise(c) || c == OpCode::kFull || c == OpCode::kArange || c == OpCode::kBroadcastTo;
}

inline bool is_fused(const ir::Op& op) { return op.code == OpCode::kFused || op.code == OpCode::kFusedAgg; }

// Writes the value ids defined in `block` (arguments, results, nested regions) into `defined`.
void collect_defined(const ir::Block& block, std::vector<char>& defined);

class Lowerer {
 public:
  explicit Lowerer(const ir::Program& p);
  Plan run();

 private:
  DType type_of(ValueId v) const { return elem_type_of(p_.type(v).dtype); }
  int slot(ValueId v) const { return slot_[static_cast<std::size_t>(v)]; }
  // Slot a kernel operand uses: the plan's, or a prologue kernel's local numbering.
  int kernel_slot(ValueId v) const { return local_slots_ ? local_slots_->at(v) : slot(v); }

  void assign_slots(const ir::Block& b);
  void lower_block(const ir::Block& block, std::vector<Step>& steps);
  bool init_is_dead_after(const ir::Op& loop, ValueId v) const;
  void lower_op(const ir::Op& op, std::vector<Step>& steps);
  void emit_kernel(const std::vector<ir::Op>& ops, ir::SymbolId symbol, const std::vector<ValueId>& written,
                   std::vector<Step>& steps);
  Step make_step(Step::Kind kind, std::string label);
  int new_slot(SlotKind kind, DType type, const std::string& name);
  LengthSource length_source(ir::SymbolId symbol) const;

  // Fused kernel compiler state.
  struct KernelBuild {
    Kernel k;
    std::unordered_map<ValueId, int> operand_of;  // value -> operand index
    std::vector<int> free_registers;

    int add_operand(Operand o) {
      k.operands.push_back(o);
      return static_cast<int>(k.operands.size()) - 1;
    }
    int alloc_register(DType type) {
      int r;
      if (!free_registers.empty()) {
        r = free_registers.back();
        free_registers.pop_back();
      } else {
        r = k.num_registers++;
      }
      Operand o;
      o.kind = OperandKind::kRegister;
      o.type = type;
      o.register_index = r;
      return add_operand(o);
    }
    void free_operand(int operand) {
      const Operand& o = k.operands[static_cast<std::size_t>(operand)];
      if (o.kind == OperandKind::kRegister) free_registers.push_back(o.register_index);
    }
    void emit(Instr in) { k.code.push_back(in); }
  };
  int outside_operand(KernelBuild& kb, ValueId v, ir::SymbolId symbol);
  std::shared_ptr<Kernel> compile_kernel(const std::vector<ir::Op>& ops, ir::SymbolId symbol,
                                         const std::vector<ValueId>& written);
  void emit_broadcast_read(KernelBuild& kb, const ir::Op& op, const std::vector<char>& in_kernel, bool written);
  void emit_elementwise(KernelBuild& kb, const ir::Op& op, const std::vector<int>& args, int dst, DType rtype);
  int temp_unary(KernelBuild& kb, exec::OpCode code, int a, DType type, DType src_type);
  void emit_reduction(KernelBuild& kb, const ir::Op& op, const std::vector<int>& args);
  void emit_fused_agg(const ir::Op& op, std::vector<Step>& steps);
  void emit_query(GraphQueryStep::Kind kind, const ir::Op& op, std::vector<Step>& steps);
  int emit_cast_step(int slot, DType from, DType to, std::vector<Step>& steps);
  void emit_neighbor_agg(const ir::Op& op, std::vector<Step>& steps);
  void emit_edge_gather(const ir::Op& op, std::vector<Step>& steps);
  void emit_loop(const ir::Op& op, std::vector<Step>& steps);
  void emit_axis_op(const ir::Op& op, std::vector<Step>& steps);  // lower_axis.cpp
  void emit_view_op(const ir::Op& op, std::vector<Step>& steps);  // lower_view.cpp
  void emit_join(const ir::Op& op, std::vector<Step>& steps);     // lower_view.cpp
  void emit_axis_reduce(const ir::Op& op, std::vector<Step>& steps);  // lower_axis_reduce.cpp
  void group_row_blocks(std::vector<Step>& steps);                    // lower_row_blocks.cpp
  void mark_frontier_loops(std::vector<Step>& steps);                 // lower_frontier.cpp
  void fuse_edge_values(const ir::Op& agg_op, std::vector<Step>& steps);  // lower_edge_values.cpp
  // Locality relabelling (lower_locality.cpp): the graph input a program may be relabelled by
  // (kNoValue: none), and the step permuting node inputs in / node outputs out.
  ValueId locality_graph() const;
  bool is_node_array(ValueId v, ValueId graph) const;
  void emit_locality(ValueId graph, bool entering, std::vector<Step>& steps);
  int locality_user_slot_ = -1;
  const ir::Program& p_;
  Plan plan_;
  std::vector<std::vector<const ir::Op*>> users_;
  std::vector<char> escapes_;
  std::vector<ValueId> symbol_input_;
  std::vector<int> symbol_axis_;       // kInput symbol -> axis of that input (-1: a 1-D input)  // kInput symbol -> first input with that length
  std::vector<int> slot_;              // value -> its slot (shared buffers share one)
  const std::unordered_map<ValueId, int>* local_slots_ = nullptr;  // while compiling a prologue
  int next_profile_id_ = 0;
  const ir::Block* current_block_ = nullptr;  // the block being lowered (for init liveness)
};

}  // namespace fuseflow::exec::lowering
