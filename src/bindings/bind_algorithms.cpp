#include <nanobind/stl/optional.h>
#include <nanobind/stl/tuple.h>

#include "bindings.h"
#include "fuseflow/algorithms/pagerank.h"
#include "fuseflow/core/error.h"

namespace fuseflow::bindings {

void bind_algorithms(nb::module_& m) {
  m.def(
      "pagerank",
      [](const Graph& g, double damping, double tol, std::int64_t max_iter, std::optional<AnyArray1D> personalization) {
        PageRankOptions options{damping, tol, max_iter, {}};
        if (personalization) {
          if (!has_dtype<double>(*personalization)) throw_type_error("personalization", "must be a float64 array");
          options.personalization = as_span<double>(*personalization);
        }
        PageRankResult result;
        {
          NativeCall call;
          result = pagerank(g, options);
        }
        return std::make_tuple(to_numpy(std::move(result.rank)), result.iterations, result.last_delta);
      },
      nb::arg("graph"), nb::arg("damping"), nb::arg("tol"), nb::arg("max_iter"), nb::arg("personalization").none());
}

}  // namespace fuseflow::bindings
