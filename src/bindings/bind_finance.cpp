// Bindings of the pricing layer (src/finance): convert arrays, release the GIL, forward.
#include "bindings.h"

namespace fuseflow::bindings {

void bind_finance(nb::module_& m) {
  // The pricing kernels register here under the submodule _core.finance.
  m.def_submodule("finance", "batched option pricing kernels (src/finance)");
}

}  // namespace fuseflow::bindings
