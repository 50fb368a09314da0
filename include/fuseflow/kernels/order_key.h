// Order-preserving unsigned keys: key(a) < key(b) exactly when a sorts before b in NumPy's order
// (NaN after +inf, all NaNs equal; -0.0 equal to +0.0). Sorting (key, index) pairs as plain
// unsigned integers then gives a stable argsort, and top_k its "ties to the lower index" rule.
#pragma once

#include <cstdint>
#include <cstring>
#include <limits>
#include <type_traits>

namespace fuseflow::kernels {

template <class T>
using OrderKey = std::conditional_t<(sizeof(T) <= 4), std::uint32_t, std::uint64_t>;

template <class T>
inline OrderKey<T> order_key(T value) {
  using K = OrderKey<T>;
  if constexpr (std::is_floating_point_v<T>) {
    if (value != value) return std::numeric_limits<K>::max();  // every NaN: one key, after +inf
    if (value == T(0)) value = T(0);                            // -0.0 ties with +0.0
    using Bits = std::conditional_t<sizeof(T) == 4, std::uint32_t, std::uint64_t>;
    Bits bits;
    std::memcpy(&bits, &value, sizeof(T));
    constexpr Bits kSign = Bits{1} << (sizeof(T) * 8 - 1);
    // Negative floats: flip every bit (larger magnitude sorts first); positive: set the sign bit.
    bits = (bits & kSign) ? ~bits : (bits | kSign);
    return static_cast<K>(bits);
  } else if constexpr (std::is_signed_v<T>) {
    using U = std::make_unsigned_t<T>;
    constexpr U kSign = U{1} << (sizeof(T) * 8 - 1);
    return static_cast<K>(static_cast<U>(static_cast<U>(value) ^ kSign));
  } else {
    return static_cast<K>(value);
  }
}

}  // namespace fuseflow::kernels
