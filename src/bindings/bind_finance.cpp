// Bindings of the pricing layer (src/finance): convert arrays, release the GIL, forward.
//
// Two kinds of entry points live in _core.finance:
// - _price / _greeks: the array path. python/fuseflow/finance/_common.py broadcasts the user's
//   arguments and hands each over as a Python float (shared by every option: a stride-0 operand)
//   or a 1-D float64 array of the output size (any stride); the kernel validates as it computes.
// - the public functions themselves (black_scholes_call_price, ...): a first overload taking
//   plain Python floats (noconvert) prices one option without touching NumPy (~100 ns); every
//   other call falls through to the second overload, which forwards to the Python front end
//   registered with _set_fallback.
#include <nanobind/stl/string.h>

#include <array>
#include <charconv>
#include <cstring>
#include <string>
#include <string_view>
#include <vector>

#include "bindings.h"
#include "finance_operands.h"
#include "fuseflow/core/block_cache.h"
#include "fuseflow/core/buffer.h"
#include "fuseflow/core/error.h"
#include "fuseflow/finance/european.h"
#include "numpy_api.h"

namespace fuseflow::bindings {
namespace {

using finance::ErrorMode;
using finance::EuropeanInputs;
using finance::InvalidInput;
using finance::Model;

// Everything a call keeps alive while the kernel runs.
struct ArrayCall {
  EuropeanInputs in;
  std::vector<std::size_t> shape;
  OperandStore store;

  ArrayCall(int model, nb::handle (&args)[finance::kNumArguments], nb::handle is_call, nb::handle shape_tuple) {
    if (model < 0 || model >= finance::kNumModels) throw_value_error("model", "unknown model id");
    in.model = static_cast<Model>(model);
    in.size = shape_size(shape_tuple, shape);
    for (int j = 0; j < finance::kNumArguments; ++j) in.args[j] = store.value(args[j], in.size, finance::argument_name(in.model, j));
    in.is_call = store.flags(is_call, in.size);
  }
};

// A NumPy float64 array of `shape` on a recycled block (core/block_cache.h): large results skip
// the page faults and zeroing of fresh memory on every call.
nb::object pooled_array(const std::vector<std::size_t>& shape, double*& data) {
  void* block = nullptr;
  nb::object array = cached_empty(shape, NPY_FLOAT64, block);
  data = static_cast<double*>(block);
  return array;
}

// Outputs of at least this many elements (kCachedBlockMinBytes) come from the block cache;
// smaller ones from numpy.empty / Buffer, whose allocations the C library already recycles.
constexpr std::size_t kPooledOutputElements = kCachedBlockMinBytes / sizeof(double);

nb::object price_array(int model, nb::handle s, nb::handle k, nb::handle t, nb::handle r, nb::handle q,
                       nb::handle sigma, nb::handle is_call, nb::handle shape, int errors) {
  nb::handle args[finance::kNumArguments] = {s, k, t, r, q, sigma};
  ArrayCall call(model, args, is_call, shape);
  const ErrorMode mode = to_error_mode(errors);
  double* data = nullptr;
  nb::object out;
  if (static_cast<std::size_t>(call.in.size) >= kPooledOutputElements) {
    out = pooled_array(call.shape, data);
  } else {
    Buffer<double> buffer(static_cast<std::size_t>(call.in.size));
    data = buffer.data();
    out = wrap_output(std::move(buffer), call.shape);
  }
  InvalidInput bad;
  if (call.in.size < 4096) {  // a GIL hand-off costs more than pricing a few thousand options
    bad = finance::european_price(call.in, mode, data);
  } else {
    NativeCall native;
    bad = finance::european_price(call.in, mode, data);
  }
  if (bad.index >= 0) raise_invalid(call.in.model, bad, call.shape);
  return out;
}

nb::dict greeks_array(int model, nb::handle s, nb::handle k, nb::handle t, nb::handle r, nb::handle q,
                      nb::handle sigma, nb::handle is_call, nb::handle shape, int errors) {
  nb::handle args[finance::kNumArguments] = {s, k, t, r, q, sigma};
  ArrayCall call(model, args, is_call, shape);
  const ErrorMode mode = to_error_mode(errors);
  const auto n = static_cast<std::size_t>(call.in.size);
  const bool has_dividend = call.in.model == Model::kBlackScholes || call.in.model == Model::kDigitalCash ||
                            call.in.model == Model::kDigitalAsset;
  static const char* const kKeys[] = {"delta", "gamma",        "vega",  "theta", "rho",
                                      "dividend_rho", "vanna", "volga", "charm"};
  nb::object arrays[9];
  double* data[9] = {};
  for (int i = 0; i < 9; ++i) {
    if (i == 5 && !has_dividend) continue;
    if (n >= kPooledOutputElements) {
      arrays[i] = pooled_array(call.shape, data[i]);
    } else {
      Buffer<double> buffer(n);
      data[i] = buffer.data();
      arrays[i] = wrap_output(std::move(buffer), call.shape);
    }
  }
  finance::GreekOutputs out{data[0], data[1], data[2], data[3], data[4], data[5], data[6], data[7], data[8]};
  InvalidInput bad;
  {
    NativeCall native;
    bad = finance::european_greeks(call.in, mode, out);
  }
  if (bad.index >= 0) raise_invalid(call.in.model, bad, call.shape);
  nb::dict result;
  for (int i = 0; i < 9; ++i) {
    if (arrays[i].is_valid()) result[kKeys[i]] = arrays[i];
    if (i == 7) result["vomma"] = arrays[i];  // the same greek under its other name
  }
  return result;
}

// One option from plain doubles: the kernel with every operand shared (stride 0), so the scalar
// and the batch results are bitwise the same.
double price_one(Model model, double s, double k, double t, double r, double q, double sigma, bool is_call) {
  const double values[finance::kNumArguments] = {s, k, t, r, q, sigma};
  InvalidInput bad;
  const double price = finance::european_price_one(model, values, is_call, bad);
  if (bad.index >= 0) raise_invalid(model, bad, {});
  return price;
}

// The argument layout of a public function, for the C++ array path below.
struct Signature {
  Model model;
  int positional[7];    // argument slot of each positional parameter; kIsCallSlot for is_call
  int num_positional;   // parameters that may be given positionally
  int num_required;     // of which the first num_required have no default
  bool q_keyword;       // q= is keyword-only
  int is_call;          // 1 call, 0 put, -1: an is_call parameter (default True)
};
constexpr int kIsCallSlot = finance::kNumArguments;

// The public functions with a scalar fast path, and the Python front end each falls back to.
constexpr std::array<std::string_view, 18> kPublicNames = {
    "black_scholes_call_price", "black_scholes_put_price", "black_scholes_price",
    "merton_call_price",        "merton_put_price",        "merton_price",
    "black76_call_price",       "black76_put_price",       "black76_price",
    "bachelier_call_price",     "bachelier_put_price",     "bachelier_price",
    "digital_cash_call_price",  "digital_cash_put_price",  "digital_cash_price",
    "digital_asset_call_price", "digital_asset_put_price", "digital_asset_price",
};
// Owned references, deliberately never released: the functions they name live as long as the
// interpreter, and releasing at static destruction would run after Python has shut down.
std::array<PyObject*, kPublicNames.size()> g_fallbacks{};

// Positional layouts: (s, k, t, r, sigma [, is_call], *, q), (s, k, t, r, q, sigma [, is_call]),
// (f, k, t, r, sigma [, is_call]); slots 0..5 = s/f, k, t, r, q, sigma, 6 = is_call.
constexpr int kQ = finance::kDividend;
#define FF_KWQ(model, kind)                                                                              \
  Signature { model, {0, 1, 2, 3, 5, 6, -1}, (kind) < 0 ? 6 : 5, 5, true, kind }
#define FF_MERTON(kind)                                                                                 \
  Signature { Model::kBlackScholes, {0, 1, 2, 3, kQ, 5, 6}, (kind) < 0 ? 7 : 6, 6, false, kind }
#define FF_FORWARD(model, kind)                                                                          \
  Signature { model, {0, 1, 2, 3, 5, 6, -1}, (kind) < 0 ? 6 : 5, 5, false, kind }
constexpr std::array<Signature, kPublicNames.size()> kSignatures = {
    FF_KWQ(Model::kBlackScholes, 1),      FF_KWQ(Model::kBlackScholes, 0),      FF_KWQ(Model::kBlackScholes, -1),
    FF_MERTON(1),                         FF_MERTON(0),                         FF_MERTON(-1),
    FF_FORWARD(Model::kBlack76, 1),       FF_FORWARD(Model::kBlack76, 0),       FF_FORWARD(Model::kBlack76, -1),
    FF_FORWARD(Model::kBachelier, 1),     FF_FORWARD(Model::kBachelier, 0),     FF_FORWARD(Model::kBachelier, -1),
    FF_KWQ(Model::kDigitalCash, 1),       FF_KWQ(Model::kDigitalCash, 0),       FF_KWQ(Model::kDigitalCash, -1),
    FF_KWQ(Model::kDigitalAsset, 1),      FF_KWQ(Model::kDigitalAsset, 0),      FF_KWQ(Model::kDigitalAsset, -1),
};
#undef FF_KWQ
#undef FF_MERTON
#undef FF_FORWARD

constexpr std::size_t public_index(std::string_view name) {
  for (std::size_t i = 0; i < kPublicNames.size(); ++i) {
    if (kPublicNames[i] == name) return i;
  }
  return kPublicNames.size();
}


// Options passed to the C++ array path: either one value for all (stride 0) or a 1-D buffer.
struct BufferArgs {
  Py_buffer views[finance::kNumArguments + 2];
  int held = 0;
  ~BufferArgs() {
    for (int i = 0; i < held; ++i) PyBuffer_Release(&views[i]);
  }
  // A 1-D buffer of the given one-character format and element size; false (no error set) if not.
  bool get(PyObject* o, char format, Py_ssize_t itemsize, Py_buffer*& view, bool writable = false) {
    if (!PyObject_CheckBuffer(o)) return false;
    Py_buffer* v = &views[held];
    if (PyObject_GetBuffer(o, v, writable ? PyBUF_RECORDS : PyBUF_RECORDS_RO) != 0) {
      PyErr_Clear();
      return false;
    }
    ++held;
    const char* f = v->format ? v->format : "B";
    if (f[0] == '=' || f[0] == '@' || f[0] == '<') ++f;  // native little-endian spellings
    if (v->ndim != 1 || f[0] != format || f[1] != '\0' || v->itemsize != itemsize || v->strides[0] % itemsize != 0) {
      return false;
    }
    view = v;
    return true;
  }
};

// The common call, entirely in C++: every argument a Python float/int or a 1-D float64 array
// of one common length (any stride), is_call a bool or a 1-D bool array, keywords among q /
// errors / validate / is_call. Returns a null object when the call is anything else (N-d,
// broadcasting, pandas, other dtypes, unknown keywords, bad values): the Python front end then
// handles it, with its full conversion rules and error messages.
nb::object array_fast_path(const Signature& sig, PyObject* args, PyObject* kwargs) {
  PyObject* given[finance::kNumArguments + 1] = {};
  const Py_ssize_t npos = PyTuple_GET_SIZE(args);
  if (npos < sig.num_required || npos > sig.num_positional) return {};
  for (Py_ssize_t i = 0; i < npos; ++i) given[sig.positional[i]] = PyTuple_GET_ITEM(args, i);
  int mode = 0;  // ErrorMode::kRaise
  bool validate = true;
  if (kwargs) {
    PyObject *key, *value;
    Py_ssize_t pos = 0;
    while (PyDict_Next(kwargs, &pos, &key, &value)) {
      if (sig.q_keyword && PyUnicode_CompareWithASCIIString(key, "q") == 0) {
        given[finance::kDividend] = value;
      } else if (sig.is_call < 0 && PyUnicode_CompareWithASCIIString(key, "is_call") == 0) {
        if (given[kIsCallSlot]) return {};
        given[kIsCallSlot] = value;
      } else if (PyUnicode_CompareWithASCIIString(key, "errors") == 0) {
        if (!PyUnicode_Check(value)) return {};
        if (PyUnicode_CompareWithASCIIString(value, "nan") == 0) {
          mode = 1;
        } else if (PyUnicode_CompareWithASCIIString(value, "raise") != 0) {
          return {};
        }
      } else if (PyUnicode_CompareWithASCIIString(key, "validate") == 0) {
        if (value != Py_True && value != Py_False) return {};
        validate = value == Py_True;
      } else {
        return {};
      }
    }
  }
  EuropeanInputs in;
  in.model = sig.model;
  double scalars[finance::kNumArguments] = {};
  BufferArgs buffers;
  Py_ssize_t n = -1;
  bool any_array = false;
  for (int j = 0; j < finance::kNumArguments; ++j) {
    PyObject* o = given[j];
    if (!o) {
      if (j != finance::kDividend) return {};  // a required argument given by keyword
      in.args[j] = {&scalars[j], 0};  // q = 0.0 (also the models without q)
      continue;
    }
    if (PyFloat_CheckExact(o)) {
      scalars[j] = PyFloat_AS_DOUBLE(o);
      in.args[j] = {&scalars[j], 0};
      continue;
    }
    if (PyLong_CheckExact(o)) {
      scalars[j] = PyLong_AsDouble(o);
      if (scalars[j] == -1.0 && PyErr_Occurred()) {
        PyErr_Clear();
        return {};
      }
      in.args[j] = {&scalars[j], 0};
      continue;
    }
    Py_buffer* v = nullptr;
    if (!buffers.get(o, 'd', sizeof(double), v)) return {};
    if (n >= 0 && v->shape[0] != n) return {};
    n = v->shape[0];
    any_array = true;
    in.args[j] = {static_cast<const double*>(v->buf), v->strides[0] / static_cast<Py_ssize_t>(sizeof(double))};
  }
  std::uint8_t flag = static_cast<std::uint8_t>(sig.is_call != 0);
  in.is_call = {&flag, 0};
  if (PyObject* o = given[kIsCallSlot]) {
    if (o == Py_True || o == Py_False) {
      flag = o == Py_True;
    } else {
      Py_buffer* v = nullptr;
      if (!buffers.get(o, '?', 1, v)) return {};
      if (n >= 0 && v->shape[0] != n) return {};
      n = v->shape[0];
      any_array = true;
      in.is_call = {static_cast<const std::uint8_t*>(v->buf), v->strides[0]};
    }
  }
  if (!any_array) return {};  // all scalars with keywords: the front end returns a Python float
  nb::object out;
  double* data = nullptr;
  if (static_cast<std::size_t>(n) >= kPooledOutputElements) {
    out = pooled_array({static_cast<std::size_t>(n)}, data);
  } else {
    // numpy.empty, looked up once and kept for the life of the process.
    static PyObject* numpy_empty = nb::object(nb::module_::import_("numpy").attr("empty")).release().ptr();
    nb::object length = nb::steal(PyLong_FromSsize_t(n));
    out = nb::steal(PyObject_CallOneArg(numpy_empty, length.ptr()));
    if (!out.is_valid()) throw nb::python_error();
    Py_buffer* ov = nullptr;
    if (!buffers.get(out.ptr(), 'd', sizeof(double), ov, true)) {
      throw Error(ErrorCode::kInternal, "numpy.empty gave no writable float64 buffer");
    }
    data = static_cast<double*>(ov->buf);
  }
  in.size = n;
  const ErrorMode error_mode = validate ? static_cast<ErrorMode>(mode) : ErrorMode::kUnchecked;
  InvalidInput bad;
  if (n < 4096) {
    bad = finance::european_price(in, error_mode, data);
  } else {
    NativeCall native;
    bad = finance::european_price(in, error_mode, data);
  }
  if (bad.index >= 0) raise_invalid(in.model, bad, {static_cast<std::size_t>(n)});
  return out;
}

template <std::size_t Index>
nb::object call_fallback(nb::args args, nb::kwargs kwargs) {
  static_assert(Index < kPublicNames.size());
  if (nb::object fast = array_fast_path(kSignatures[Index], args.ptr(), kwargs.ptr()); fast.is_valid()) return fast;
  PyObject* fn = g_fallbacks[Index];
  if (!fn) throw Error(ErrorCode::kInternal, std::string(kPublicNames[Index]) + ": front end not registered");
  PyObject* result = PyObject_Call(fn, args.ptr(), kwargs.ptr());
  if (!result) throw nb::python_error();
  return nb::steal(result);
}

// Defines `name` with the scalar overload `fast` (its nb::arg list in `extra`) and the fallback.
template <std::size_t Index, class Fast, class... Extra>
void def_public(nb::module_& m, Fast fast, const char* doc, const Extra&... extra) {
  constexpr const char* name = kPublicNames[Index].data();
  m.def(name, fast, extra...);
  m.def(name, &call_fallback<Index>, doc);
}

// Signature families: (s, k, t, r, sigma, *, q=0.0), (s, k, t, r, q, sigma), (f, k, t, r, sigma).
template <std::size_t Index, Model M, int Kind>  // Kind: 1 call, 0 put, 2 price(is_call)
void def_keyword_q(nb::module_& m, const char* doc) {
  using namespace nb::literals;
  if constexpr (Kind == 2) {
    def_public<Index>(
        m, [](double s, double k, double t, double r, double sigma, bool is_call, double q) {
          return price_one(M, s, k, t, r, q, sigma, is_call);
        },
        doc, "s"_a.noconvert(), "k"_a.noconvert(), "t"_a.noconvert(), "r"_a.noconvert(), "sigma"_a.noconvert(),
        "is_call"_a.noconvert() = true, nb::kw_only(), "q"_a.noconvert() = 0.0);
  } else {
    def_public<Index>(
        m, [](double s, double k, double t, double r, double sigma, double q) {
          return price_one(M, s, k, t, r, q, sigma, Kind == 1);
        },
        doc, "s"_a.noconvert(), "k"_a.noconvert(), "t"_a.noconvert(), "r"_a.noconvert(), "sigma"_a.noconvert(),
        nb::kw_only(), "q"_a.noconvert() = 0.0);
  }
}

template <std::size_t Index, int Kind>
void def_merton(nb::module_& m, const char* doc) {
  using namespace nb::literals;
  if constexpr (Kind == 2) {
    def_public<Index>(
        m, [](double s, double k, double t, double r, double q, double sigma, bool is_call) {
          return price_one(Model::kBlackScholes, s, k, t, r, q, sigma, is_call);
        },
        doc, "s"_a.noconvert(), "k"_a.noconvert(), "t"_a.noconvert(), "r"_a.noconvert(), "q"_a.noconvert(),
        "sigma"_a.noconvert(), "is_call"_a.noconvert() = true);
  } else {
    def_public<Index>(
        m, [](double s, double k, double t, double r, double q, double sigma) {
          return price_one(Model::kBlackScholes, s, k, t, r, q, sigma, Kind == 1);
        },
        doc, "s"_a.noconvert(), "k"_a.noconvert(), "t"_a.noconvert(), "r"_a.noconvert(), "q"_a.noconvert(),
        "sigma"_a.noconvert());
  }
}

template <std::size_t Index, Model M, int Kind>
void def_forward(nb::module_& m, const char* doc) {
  using namespace nb::literals;
  if constexpr (Kind == 2) {
    def_public<Index>(
        m, [](double f, double k, double t, double r, double sigma, bool is_call) {
          return price_one(M, f, k, t, r, 0.0, sigma, is_call);
        },
        doc, "f"_a.noconvert(), "k"_a.noconvert(), "t"_a.noconvert(), "r"_a.noconvert(), "sigma"_a.noconvert(),
        "is_call"_a.noconvert() = true);
  } else {
    def_public<Index>(
        m, [](double f, double k, double t, double r, double sigma) {
          return price_one(M, f, k, t, r, 0.0, sigma, Kind == 1);
        },
        doc, "f"_a.noconvert(), "k"_a.noconvert(), "t"_a.noconvert(), "r"_a.noconvert(), "sigma"_a.noconvert());
  }
}

}  // namespace

// The implied-volatility and American entry points register from their own binding files.
void bind_finance_iv(nb::module_& finance);        // src/bindings/bind_finance_iv.cpp
void bind_finance_american(nb::module_& finance);  // src/bindings/bind_finance_american.cpp

void bind_finance(nb::module_& m) {
  nb::module_ fin = m.def_submodule("finance", "batched option pricing kernels (src/finance)");
  using namespace nb::literals;

  fin.def("_price", &price_array, "model"_a, "s"_a, "k"_a, "t"_a, "r"_a, "q"_a, "sigma"_a, "is_call"_a,
          "shape"_a, "errors"_a);
  fin.def("_greeks", &greeks_array, "model"_a, "s"_a, "k"_a, "t"_a, "r"_a, "q"_a, "sigma"_a, "is_call"_a,
          "shape"_a, "errors"_a);
  fin.def(
      "_set_fallback",
      [](const std::string& name, nb::object fn) {
        const std::size_t i = public_index(name);
        if (i >= kPublicNames.size()) throw_value_error("name", "unknown public function '" + name + "'");
        PyObject* old = g_fallbacks[i];
        g_fallbacks[i] = fn.release().ptr();
        Py_XDECREF(old);
      },
      "name"_a, "fn"_a);
  fin.attr("MIN_OPTIONS_PER_THREAD") = finance::kMinOptionsPerThread;

  constexpr auto kBS = Model::kBlackScholes;
  constexpr auto k76 = Model::kBlack76;
  constexpr auto kBach = Model::kBachelier;
  constexpr auto kCash = Model::kDigitalCash;
  constexpr auto kAsset = Model::kDigitalAsset;
  const char* doc = "Public pricing function; documented in its fuseflow.finance module.";
  def_keyword_q<public_index("black_scholes_call_price"), kBS, 1>(fin, doc);
  def_keyword_q<public_index("black_scholes_put_price"), kBS, 0>(fin, doc);
  def_keyword_q<public_index("black_scholes_price"), kBS, 2>(fin, doc);
  def_merton<public_index("merton_call_price"), 1>(fin, doc);
  def_merton<public_index("merton_put_price"), 0>(fin, doc);
  def_merton<public_index("merton_price"), 2>(fin, doc);
  def_forward<public_index("black76_call_price"), k76, 1>(fin, doc);
  def_forward<public_index("black76_put_price"), k76, 0>(fin, doc);
  def_forward<public_index("black76_price"), k76, 2>(fin, doc);
  def_forward<public_index("bachelier_call_price"), kBach, 1>(fin, doc);
  def_forward<public_index("bachelier_put_price"), kBach, 0>(fin, doc);
  def_forward<public_index("bachelier_price"), kBach, 2>(fin, doc);
  def_keyword_q<public_index("digital_cash_call_price"), kCash, 1>(fin, doc);
  def_keyword_q<public_index("digital_cash_put_price"), kCash, 0>(fin, doc);
  def_keyword_q<public_index("digital_cash_price"), kCash, 2>(fin, doc);
  def_keyword_q<public_index("digital_asset_call_price"), kAsset, 1>(fin, doc);
  def_keyword_q<public_index("digital_asset_put_price"), kAsset, 0>(fin, doc);
  def_keyword_q<public_index("digital_asset_price"), kAsset, 2>(fin, doc);
  bind_finance_iv(fin);
  bind_finance_american(fin);
}

}  // namespace fuseflow::bindings
