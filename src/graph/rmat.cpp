#include "fuseflow/graph/rmat.h"

#include <limits>
#include <numeric>
#include <string>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {
namespace {

// SplitMix64 finaliser: a good 64-bit mix, used as a counter-based generator.
inline std::uint64_t mix64(std::uint64_t x) {
  x += 0x9E3779B97F4A7C15ull;
  x = (x ^ (x >> 30)) * 0xBF58476D1CE4E5B9ull;
  x = (x ^ (x >> 27)) * 0x94D049BB133111EBull;
  return x ^ (x >> 31);
}

inline double unit(std::uint64_t bits) { return static_cast<double>(bits >> 11) * 0x1.0p-53; }

}  // namespace

RmatEdges generate_rmat(int scale, std::int64_t edge_factor, double a, double b, double c, std::uint64_t seed,
                        bool scramble) {
  if (scale < 0 || scale > 30) throw_value_error("scale", "must be in [0, 30], got " + std::to_string(scale));
  if (edge_factor < 0) throw_value_error("edge_factor", "must be >= 0, got " + std::to_string(edge_factor));
  if (!(a >= 0 && b >= 0 && c >= 0 && a + b + c <= 1.0)) {
    throw_value_error("a, b, c", "must be non-negative with a + b + c <= 1");
  }
  const std::int64_t n = std::int64_t{1} << scale;
  // edge_factor * 2^scale must fit in int64 (it used to wrap: 0 edges, or a negative size).
  if (edge_factor > (std::numeric_limits<std::int64_t>::max() >> scale)) {
    throw_value_error("edge_factor", "edge_factor * 2**scale overflows int64 (edge_factor = " + std::to_string(edge_factor) +
                                         ", scale = " + std::to_string(scale) + ")");
  }
  const std::int64_t m = edge_factor * n;
  if (m > (std::int64_t{1} << 40)) {
    throw Error(ErrorCode::kOutOfMemory, "rmat: " + std::to_string(m) + " edges (edge_factor * 2**scale) need " +
                                             std::to_string((m >> 20) * 8) + " MiB for src and dst, more than any machine here holds");
  }
  check_fits_in_memory(static_cast<std::uint64_t>(m) * 8 + static_cast<std::uint64_t>(n) * 4,
                       "rmat: " + std::to_string(m) + " edges (edge_factor * 2**scale)");
  RmatEdges out{Buffer<std::int32_t>(static_cast<std::size_t>(m)), Buffer<std::int32_t>(static_cast<std::size_t>(m))};

  Buffer<std::int32_t> perm(static_cast<std::size_t>(n));
  std::iota(perm.begin(), perm.end(), 0);
  if (scramble) {
    std::uint64_t state = mix64(seed ^ 0x5DEECE66Dull);
    for (std::int64_t i = n - 1; i > 0; --i) {
      state = mix64(state);
      std::int64_t j = static_cast<std::int64_t>(state % static_cast<std::uint64_t>(i + 1));
      std::swap(perm[i], perm[j]);
    }
  }
  const double ab = a + b, abc = a + b + c;
  const std::uint64_t stream = mix64(seed);
#pragma omp parallel for num_threads(threads_for(m, 1 << 16)) schedule(static)
  for (std::int64_t e = 0; e < m; ++e) {
    std::uint64_t state = stream ^ (static_cast<std::uint64_t>(e) * 0xD1B54A32D192ED03ull);
    std::int64_t u = 0, v = 0;
    for (int level = 0; level < scale; ++level) {
      state = mix64(state);
      const double r = unit(state);
      const std::int64_t bit = std::int64_t{1} << (scale - 1 - level);
      if (r < a) {
      } else if (r < ab) {
        v |= bit;
      } else if (r < abc) {
        u |= bit;
      } else {
        u |= bit;
        v |= bit;
      }
    }
    out.src[e] = perm[u];
    out.dst[e] = perm[v];
  }
  return out;
}

}  // namespace fuseflow
