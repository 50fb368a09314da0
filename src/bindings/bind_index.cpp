// Binds fuseflow::EmbeddingIndex as _core.EmbeddingIndexCore; python/fuseflow/index.py wraps it.
#include <nanobind/stl/optional.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/tuple.h>

#include "bindings.h"
#include "fuseflow/core/progress.h"
#include "fuseflow/core/error.h"
#include "fuseflow/index/embedding_index.h"
#include "fuseflow/kernels/similarity.h"

namespace fuseflow::bindings {
namespace {

// Any-layout read-only CPU array: strides are honoured in C++, so no Python-side copy is needed.
using AnyArray = nb::ndarray<nb::ro, nb::device::cpu>;

MatrixView as_matrix(const AnyArray& a, const char* name, bool allow_1d) {
  const bool f32 = a.dtype() == nb::dtype<float>();
  const bool f64 = a.dtype() == nb::dtype<double>();
  if (!f32 && !f64) throw_type_error(name, "must be a float32 or float64 array, got " + dtype_name(a.dtype()));
  MatrixView m;
  m.data = a.data();
  m.is_float64 = f64;
  if (a.ndim() == 2) {
    m.rows = static_cast<std::int64_t>(a.shape(0));
    m.cols = static_cast<std::int64_t>(a.shape(1));
    m.row_stride = a.stride(0);
    m.col_stride = a.stride(1);
  } else if (a.ndim() == 1 && allow_1d) {
    m.rows = 1;
    m.cols = static_cast<std::int64_t>(a.shape(0));
    m.row_stride = m.cols;
    m.col_stride = a.stride(0);
  } else {
    throw_value_error(name, std::string("must be ") + (allow_1d ? "1-D (one query) or 2-D (n, dim)" : "2-D (n, dim)") +
                                ", got " + std::to_string(a.ndim()) + " dimensions");
  }
  return m;
}

std::span<const std::int64_t> as_ids(const std::optional<AnyArray1D>& ids, const char* name) {
  if (!ids) return {};
  if (!has_dtype<std::int64_t>(*ids)) throw_type_error(name, "must be an int64 array, got " + dtype_name(ids->dtype()));
  return as_span<std::int64_t>(*ids);
}

// Hands a Buffer to NumPy with any shape (no copy).
template <class T>
nb::ndarray<nb::numpy, T> buffer_to_numpy(Buffer<T>&& buffer, std::initializer_list<std::size_t> shape) {
  auto* owned = new Buffer<T>(std::move(buffer));
  nb::capsule owner(owned, [](void* p) noexcept { delete static_cast<Buffer<T>*>(p); });
  return nb::ndarray<nb::numpy, T>(owned->data(), shape.size(), shape.begin(), owner);
}

}  // namespace

void bind_index(nb::module_& m) {
  nb::class_<EmbeddingIndex>(m, "EmbeddingIndexCore", "Native embedding index (use fuseflow.EmbeddingIndex).")
      .def("__init__",
           [](EmbeddingIndex* self, std::int64_t dim, const std::string& metric) {
             new (self) EmbeddingIndex(dim, parse_metric(metric));
           },
           nb::arg("dim"), nb::arg("metric"))
      .def_prop_ro("dim", &EmbeddingIndex::dim)
      .def_prop_ro("metric", [](const EmbeddingIndex& index) { return std::string(metric_name(index.metric())); })
      .def_prop_ro("is_mapped", &EmbeddingIndex::is_mapped)
      .def("_set_prefilter", &EmbeddingIndex::set_prefilter, nb::arg("enabled"))
      .def("_set_batch_min_queries", &EmbeddingIndex::set_batch_min_queries, nb::arg("n"))
      .def("_prefilter_active", &EmbeddingIndex::prefilter_active, nb::arg("k"))
      .def_prop_ro("_last_rescored_rows", &EmbeddingIndex::last_rescored_rows)
      .def("__len__", &EmbeddingIndex::size)
      .def(
          "add",
          [](EmbeddingIndex& index, const AnyArray& vectors, const std::optional<AnyArray1D>& ids,
             ProgressCounter* progress) {
            MatrixView view = as_matrix(vectors, "vectors", false);
            auto id_span = as_ids(ids, "ids");
            NativeCall call;
            ProgressScope reporting(progress);
            index.add(view, id_span);
          },
          nb::arg("vectors"), nb::arg("ids").none(), nb::arg("progress").none() = nb::none())
      .def(
          "remove",
          [](EmbeddingIndex& index, const AnyArray1D& ids) {
            auto id_span = as_ids(ids, "ids");
            NativeCall call;
            index.remove(id_span);
          },
          nb::arg("ids"))
      .def("ids", [](const EmbeddingIndex& index) { return to_numpy(index.ids()); })
      .def("vectors",
           [](const EmbeddingIndex& index) {
             Buffer<float> v = index.vectors();
             return buffer_to_numpy(std::move(v), {static_cast<std::size_t>(index.size()),
                                                   static_cast<std::size_t>(index.dim())});
           })
      .def(
          "search",
          [](const EmbeddingIndex& index, const AnyArray& queries, std::int64_t k) {
            const MatrixView view = as_matrix(queries, "queries", true);
            SearchResult result;
            {
              NativeCall call;
              result = index.search(view, k);
            }
            const auto nq = static_cast<std::size_t>(result.num_queries);
            const auto kk = static_cast<std::size_t>(result.k);
            if (queries.ndim() == 1) {
              return std::make_tuple(buffer_to_numpy(std::move(result.scores), {kk}),
                                     buffer_to_numpy(std::move(result.ids), {kk}));
            }
            return std::make_tuple(buffer_to_numpy(std::move(result.scores), {nq, kk}),
                                   buffer_to_numpy(std::move(result.ids), {nq, kk}));
          },
          nb::arg("queries"), nb::arg("k"))
      .def(
          "save",
          [](const EmbeddingIndex& index, const nb::bytes& path) {
            std::string native_path(path.c_str(), path.size());  // os.fsencode'd: any file name
            NativeCall call;
            index.save(native_path);
          },
          nb::arg("path"))
      .def_static(
          "load",
          [](const nb::bytes& path, bool use_mmap) {
            std::string native_path(path.c_str(), path.size());
            NativeCall call;
            return EmbeddingIndex::load(native_path, use_mmap);
          },
          nb::arg("path"), nb::arg("mmap"));

  // Streaming-read probe for the index suite of python -m fuseflow.bench (the bound of a single-query scan).
  m.def(
      "_index_stream_sum",
      [](const nb::ndarray<nb::ro, float, nb::c_contig, nb::device::cpu>& data) {
        NativeCall call;
        return kernels::similarity_stream_sum_parallel(data.data(), data.size());
      },
      nb::arg("data"));
}

}  // namespace fuseflow::bindings
