#include "fuseflow/exec/value.h"

#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <atomic>
#include <limits>
#include <string>

#include "fuseflow/core/block_cache.h"
#include "fuseflow/core/buffer.h"
#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"

namespace fuseflow::exec {

namespace {

std::atomic<std::int64_t> g_live_storage_bytes{0};

// "16 EiB", "7.3 TiB": the size a failed allocation asked for.
std::string human_bytes(long double bytes) {
  static const char* const kUnits[] = {"B", "KiB", "MiB", "GiB", "TiB", "PiB", "EiB", "ZiB"};
  int unit = 0;
  while (bytes >= 1024.0L && unit < 7) {
    bytes /= 1024.0L;
    ++unit;
  }
  char text[32];
  std::snprintf(text, sizeof text, "%.3Lg %s", bytes, kUnits[unit]);
  return text;
}

[[noreturn]] void throw_cannot_allocate(DType type, std::int64_t length, const char* what) {
  const long double bytes = static_cast<long double>(length) * elem_size(type);
  throw Error(ErrorCode::kOutOfMemory, std::string(what) + ": cannot allocate " + std::to_string(length) + " " +
                                           elem_type_name(type) + " elements (" + human_bytes(bytes) + ")");
}

}  // namespace

std::int64_t live_storage_bytes() { return g_live_storage_bytes.load(std::memory_order_relaxed); }

std::size_t array_bytes(DType type, std::int64_t length, const char* what) {
  // Room for the alignment padding Storage adds, so no later sum can wrap either.
  constexpr std::size_t kLimit = std::numeric_limits<std::size_t>::max() / 2;
  if (length < 0 || static_cast<std::uint64_t>(length) > kLimit / static_cast<std::size_t>(elem_size(type))) {
    throw_cannot_allocate(type, length, what);
  }
  return static_cast<std::size_t>(length) * static_cast<std::size_t>(elem_size(type));
}

Storage::Storage(std::size_t bytes) : bytes_(bytes), owned_(true) {
  if (bytes > std::numeric_limits<std::size_t>::max() / 2) {
    throw Error(ErrorCode::kOutOfMemory, "could not allocate " + std::to_string(bytes) + " bytes");
  }
  // Large blocks come from the block cache (core/block_cache.h: a recycled block has no page
  // faults left to take). Smaller ones: malloc plus manual alignment, as glibc's aligned_alloc
  // goes through _int_memalign, which costs more than the malloc fast path on the small per-call
  // outputs of short runs. The usable size is `bytes` rounded up to the alignment (at least one unit).
  if (block_size(bytes) >= kCachedBlockMinBytes) {
    allocation_ = acquire_block(bytes);  // 64-byte aligned already; throws when out of memory
    data_ = allocation_;
  } else {
    std::size_t rounded = (bytes + kBufferAlignment - 1) / kBufferAlignment * kBufferAlignment;
    if (rounded == 0) rounded = kBufferAlignment;
    allocation_ = std::malloc(rounded + kBufferAlignment - alignof(std::max_align_t));
    if (allocation_ == nullptr) {
      throw Error(ErrorCode::kOutOfMemory, "could not allocate " + std::to_string(bytes) + " bytes");
    }
    const auto address = reinterpret_cast<std::uintptr_t>(allocation_);
    data_ = reinterpret_cast<void*>((address + kBufferAlignment - 1) & ~std::uintptr_t{kBufferAlignment - 1});
  }
  g_live_storage_bytes.fetch_add(static_cast<std::int64_t>(bytes_), std::memory_order_relaxed);
}

Storage::Storage(const void* borrowed, std::size_t bytes, std::shared_ptr<const void> keepalive)
    : data_(const_cast<void*>(borrowed)), bytes_(bytes), owned_(false), keepalive_(std::move(keepalive)) {}

Storage::Storage(void* window, std::size_t bytes, std::shared_ptr<const void> keepalive, WritableView)
    : data_(window), bytes_(bytes), owned_(true), keepalive_(std::move(keepalive)) {}  // allocation_ stays null: nothing to free

Storage::~Storage() {
  if (allocation_ == nullptr) return;
  g_live_storage_bytes.fetch_sub(static_cast<std::int64_t>(bytes_), std::memory_order_relaxed);
  if (block_size(bytes_) >= kCachedBlockMinBytes) {
    release_block(allocation_, bytes_);  // the constructor's rule: the block came from the cache
  } else {
    std::free(allocation_);
  }
}

Value Value::array(DType type, std::int64_t length, const char* what) {
  Value v;
  v.kind = SlotKind::kArray;
  v.type = type;
  v.length = length;
  const std::size_t bytes = array_bytes(type, length, what);
  try {
    v.storage = std::make_shared<Storage>(bytes);
  } catch (const Error& e) {
    if (e.code() != ErrorCode::kOutOfMemory) throw;
    throw_cannot_allocate(type, length, what);
  } catch (const std::bad_alloc&) {
    throw_cannot_allocate(type, length, what);
  }
  return v;
}

Value Value::copy_of(const Value& v, const char* what) {
  Value copy = array(v.type, v.length, what);
  const std::int64_t bytes = v.length * elem_size(v.type);
  // Large copies on every core: one core's memcpy reaches ~half the machine's bandwidth (the
  // 8 MB levels a BFS loop takes over from its caller: 1.7 ms serial on the project's VM).
  const int threads = threads_for(bytes, std::int64_t{1} << 21);
  char* dst = static_cast<char*>(copy.storage->data());
  const char* src = static_cast<const char*>(v.raw_data());
  if (threads <= 1) {
    if (bytes > 0) std::memcpy(dst, src, static_cast<std::size_t>(bytes));
  } else {
#pragma omp parallel for num_threads(threads) schedule(static)
    for (int i = 0; i < threads; ++i) {
      const std::int64_t b = bytes * i / threads, e = bytes * (i + 1) / threads;
      std::memcpy(dst + b, src + b, static_cast<std::size_t>(e - b));
    }
  }
  copy.rank = v.rank;
  std::copy(std::begin(v.dims), std::end(v.dims), std::begin(copy.dims));
  return copy;
}

void Value::make_sole_owner() {
  if (storage && storage.use_count() == 1 && storage->owned()) return;
  *this = copy_of(*this);
}

Value Value::borrowed_array(DType type, const void* data, std::int64_t length,
                            std::shared_ptr<const void> keepalive) {
  Value v;
  v.kind = SlotKind::kArray;
  v.type = type;
  v.length = length;
  v.storage = std::make_shared<Storage>(data, static_cast<std::size_t>(length) * elem_size(type),
                                        std::move(keepalive));
  return v;
}

Value Value::borrowed_view(DType type, Storage& storage, std::int64_t length) {
  Value v;
  v.kind = SlotKind::kArray;
  v.type = type;
  v.length = length;
  v.storage = std::shared_ptr<Storage>(std::shared_ptr<Storage>(), &storage);  // aliasing, owns nothing
  return v;
}

Value Value::of_f64(double x) {
  Value v;
  v.type = DType::kFloat64;
  v.scalar.f64 = x;
  return v;
}
Value Value::of_f32(float x) {
  Value v;
  v.type = DType::kFloat32;
  v.scalar.f32 = x;
  return v;
}
Value Value::of_i64(std::int64_t x) {
  Value v;
  v.type = DType::kInt64;
  v.scalar.i64 = x;
  return v;
}
Value Value::of_i32(std::int32_t x) {
  Value v;
  v.type = DType::kInt32;
  v.scalar.i32 = x;
  return v;
}
Value Value::of_bool(bool x) {
  Value v;
  v.type = DType::kBool;
  v.scalar.raw[0] = x ? 1 : 0;
  return v;
}
Value Value::of_graph(std::shared_ptr<const Graph> g) {
  Value v;
  v.kind = SlotKind::kGraph;
  v.graph = std::move(g);
  return v;
}

void ensure_writable_array(Value& v, DType type, std::int64_t length, const char* what) {
  const std::size_t bytes = array_bytes(type, length, what);
  // Reuse only when this slot is the buffer's sole owner and the size is close (no hoarding).
  if (v.storage && v.storage.use_count() == 1 && v.storage->owned() && v.storage->capacity() >= bytes &&
      v.storage->capacity() <= 2 * bytes + 4096) {
    v.kind = SlotKind::kArray;
    v.type = type;
    v.length = length;
    return;
  }
  v = Value::array(type, length, what);
}

namespace {

template <class R>
R read_element(DType type, const void* p) {
  switch (type) {
    case DType::kBool: return static_cast<R>(*static_cast<const unsigned char*>(p) != 0);
    case DType::kInt32: return static_cast<R>(*static_cast<const std::int32_t*>(p));
    case DType::kInt64: return static_cast<R>(*static_cast<const std::int64_t*>(p));
    case DType::kFloat32: return static_cast<R>(*static_cast<const float*>(p));
    case DType::kFloat64: return static_cast<R>(*static_cast<const double*>(p));
  }
  return R{};
}

const void* scalar_address(const Value& v) {
  if (v.is_array()) {
    if (v.length < 1) throw_value_error("value", "an empty array has no scalar value");
    return v.raw_data();
  }
  return v.scalar.raw;
}

}  // namespace

double Value::as_f64() const { return read_element<double>(type, scalar_address(*this)); }

std::int64_t Value::as_i64() const {
  if (is_float(type)) {
    double d = as_f64();
    return (d >= -9.2e18 && d <= 9.2e18) ? static_cast<std::int64_t>(d) : 0;
  }
  return read_element<std::int64_t>(type, scalar_address(*this));
}

void store_scalar(DType type, double f, std::int64_t i, bool from_int, ScalarBits& out) {
  switch (type) {
    case DType::kBool: out.raw[0] = (from_int ? i != 0 : f != 0.0) ? 1 : 0; break;
    case DType::kInt32: out.i32 = static_cast<std::int32_t>(from_int ? i : static_cast<std::int64_t>(f)); break;
    case DType::kInt64: out.i64 = from_int ? i : static_cast<std::int64_t>(f); break;
    case DType::kFloat32: out.f32 = static_cast<float>(from_int ? static_cast<double>(i) : f); break;
    case DType::kFloat64: out.f64 = from_int ? static_cast<double>(i) : f; break;
  }
}

}  // namespace fuseflow::exec
