// Lowers an IR program to an executable Plan: maximal runs of elementwise ops over one length
// become fused block kernels (intermediates in block registers; only values used outside the
// kernel are written to full arrays), reductions over a kernel's length are accumulated inside
// it, graph ops become graph steps, loop/while regions become nested step lists.
#pragma once

#include "fuseflow/exec/plan.h"
#include "fuseflow/ir/program.h"

namespace fuseflow::exec {

DType elem_type_of(DType t);

Plan lower_program(const ir::Program& program);

}  // namespace fuseflow::exec
