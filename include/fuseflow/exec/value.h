// Value: a typed runtime value of a compiled program — a 1-D array (owned buffer or borrowed
// memory), a scalar, or a graph. Arrays share their storage by reference count, so loop carries
// and outputs move between slots without copying.
#pragma once

#include <cstdint>
#include <cstring>
#include <memory>
#include <string>

#include "fuseflow/exec/plan.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow::exec {

// Array memory: either allocated here (64-byte aligned, writable) or borrowed from a caller
// (e.g. a NumPy array), kept alive by `keepalive` and never written.
class Storage {
 public:
  explicit Storage(std::size_t bytes);  // owned, uninitialised
  Storage(const void* borrowed, std::size_t bytes, std::shared_ptr<const void> keepalive);
  // A writable window into memory this process allocated (`keepalive` owns it): a row block's
  // part of a full result, which the block's steps then write in place (exec/row_blocks.cpp).
  struct WritableView {};
  Storage(void* window, std::size_t bytes, std::shared_ptr<const void> keepalive, WritableView);
  ~Storage();
  Storage(const Storage&) = delete;
  Storage& operator=(const Storage&) = delete;

  void* data() noexcept { return data_; }
  const void* data() const noexcept { return data_; }
  std::size_t capacity() const noexcept { return bytes_; }
  bool owned() const noexcept { return owned_; }

 private:
  void* data_ = nullptr;
  void* allocation_ = nullptr;  // owned: what malloc returned (data_ is it rounded up to 64 bytes)
  std::size_t bytes_ = 0;
  bool owned_ = true;
  std::shared_ptr<const void> keepalive_;
};

// Whether the byte ranges [a, a + a_bytes) and [b, b + b_bytes) share a byte (empty ranges never do).
inline bool bytes_overlap(const void* a, std::size_t a_bytes, const void* b, std::size_t b_bytes) {
  const auto* pa = static_cast<const char*>(a);
  const auto* pb = static_cast<const char*>(b);
  return a_bytes > 0 && b_bytes > 0 && pa < pb + b_bytes && pb < pa + a_bytes;
}

union ScalarBits {
  bool b;
  std::int32_t i32;
  std::int64_t i64;
  float f32;
  double f64;
  unsigned char raw[8];
};

// Per-block partial result of one reduction; combined across blocks in block order.
struct ReducePartial {
  ScalarBits value;
  std::int64_t index;  // argmin/argmax: global index of the winner
};

struct Value {
  SlotKind kind = SlotKind::kScalar;
  DType type = DType::kFloat64;
  std::int64_t length = 0;  // arrays: the element count (C order)
  // N-d arrays: the shape (rank >= 2; 0 or 1 is a 1-D array of `length`). Set on program inputs
  // (read by LengthSource::kArrayDim) and outputs; kernels work on the flat elements.
  std::uint8_t rank = 0;
  std::int64_t dims[4] = {0, 0, 0, 0};
  std::shared_ptr<Storage> storage;
  ScalarBits scalar{};
  std::shared_ptr<const Graph> graph;

  // Owned, uninitialised. A size that overflows or fails to allocate is a MemoryError-class
  // Error naming `what` ("full: cannot allocate 2305843009213693952 float64 elements (16 EiB)").
  static Value array(DType type, std::int64_t length, const char* what = "array");
  static Value borrowed_array(DType type, const void* data, std::int64_t length,
                              std::shared_ptr<const void> keepalive);
  // The same over a Storage the caller owns and keeps alive (no allocation, no reference count):
  // only for a run's inputs, which cannot outlive the run (a finished run drops borrowed storage
  // from its slots and returns copies of borrowed outputs).
  static Value borrowed_view(DType type, Storage& storage, std::int64_t length);
  // An owned copy of array `v` (elements, rank and dims); MemoryError naming `what` as array().
  static Value copy_of(const Value& v, const char* what = "array");
  // Makes this array's buffer its own (copied once if a caller's input or another slot shares
  // it), so a step may write into it in place.
  void make_sole_owner();
  static Value of_f64(double v);
  static Value of_f32(float v);
  static Value of_i64(std::int64_t v);
  static Value of_i32(std::int32_t v);
  static Value of_bool(bool v);
  static Value of_graph(std::shared_ptr<const Graph> g);

  bool is_array() const noexcept { return kind == SlotKind::kArray; }
  bool is_scalar() const noexcept { return kind == SlotKind::kScalar; }
  bool is_graph() const noexcept { return kind == SlotKind::kGraph; }

  template <class T>
  T* data() noexcept { return static_cast<T*>(storage->data()); }
  template <class T>
  const T* data() const noexcept { return static_cast<const T*>(storage->data()); }
  const void* raw_data() const noexcept { return storage ? storage->data() : nullptr; }

  // Scalar (or element 0 of a length-1 array) converted to double / int64.
  double as_f64() const;
  std::int64_t as_i64() const;
  bool as_bool() const { return as_f64() != 0.0; }
};

// Makes `v` a writable array of `length` elements of `type`, reusing its buffer when nobody else
// references it (loop iterations and repeated runs then allocate nothing).
void ensure_writable_array(Value& v, DType type, std::int64_t length, const char* what = "array");

// Bytes of `length` elements of `type`; throws Error(kOutOfMemory) naming `what` when the count is
// negative or the size is not representable (so it can never wrap to a small allocation).
std::size_t array_bytes(DType type, std::int64_t length, const char* what);

// Bytes held by owned Storage objects alive in this process (tests check that outputs are not
// retained after the caller drops them).
std::int64_t live_storage_bytes();

// Writes `v` converted to `type` into `out` (8 bytes).
void store_scalar(DType type, double f, std::int64_t i, bool from_int, ScalarBits& out);

}  // namespace fuseflow::exec
