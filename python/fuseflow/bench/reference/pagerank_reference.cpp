// Hand-written reference PageRank: the simplest honest native code a C++ programmer would
// write (CSR pull over in-edges, float64, OpenMP). fuseflow's native and DSL PageRank are
// measured against it by python -m fuseflow.bench (graph suite), which compiles it with g++.
//
// Usage: pagerank_reference <edges.bin> <iterations> <ranks_out.bin>
// edges.bin: int64 num_nodes, int64 num_edges, int32 src[E], int32 dst[E].
// Prints one JSON line: per-iteration seconds (all iterations) and the build time.
#include <omp.h>

#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <vector>

int main(int argc, char** argv) {
  if (argc != 4) {
    std::fprintf(stderr, "usage: %s edges.bin iterations ranks_out.bin\n", argv[0]);
    return 2;
  }
  std::FILE* f = std::fopen(argv[1], "rb");
  if (!f) return 1;
  std::int64_t n = 0, m = 0;
  if (std::fread(&n, 8, 1, f) != 1 || std::fread(&m, 8, 1, f) != 1) return 1;
  std::vector<std::int32_t> src(m), dst(m);
  if (std::fread(src.data(), 4, m, f) != static_cast<std::size_t>(m)) return 1;
  if (std::fread(dst.data(), 4, m, f) != static_cast<std::size_t>(m)) return 1;
  std::fclose(f);
  const int iterations = std::atoi(argv[2]);

  // In-edge CSR by a serial counting sort (not timed per iteration).
  auto t0 = std::chrono::steady_clock::now();
  std::vector<std::int64_t> offsets(n + 1, 0);
  std::vector<std::int32_t> sources(m);
  std::vector<std::int32_t> out_degree(n, 0);
  for (std::int64_t e = 0; e < m; ++e) {
    ++offsets[dst[e] + 1];
    ++out_degree[src[e]];
  }
  for (std::int64_t v = 0; v < n; ++v) offsets[v + 1] += offsets[v];
  std::vector<std::int64_t> cursor(offsets.begin(), offsets.end() - 1);
  for (std::int64_t e = 0; e < m; ++e) sources[cursor[dst[e]]++] = src[e];
  double build_s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();

  const double d = 0.85;
  std::vector<double> rank(n, 1.0 / n), next(n), contrib(n);
  std::vector<double> seconds;
  for (int it = 0; it < iterations; ++it) {
    auto start = std::chrono::steady_clock::now();
    double dangling = 0.0;
#pragma omp parallel for reduction(+ : dangling)
    for (std::int64_t u = 0; u < n; ++u) {
      if (out_degree[u] > 0) {
        contrib[u] = rank[u] / out_degree[u];
      } else {
        contrib[u] = 0.0;
        dangling += rank[u];
      }
    }
    const double base = (1.0 - d) / n + d * dangling / n;
    double delta = 0.0;
#pragma omp parallel for schedule(dynamic, 1024) reduction(+ : delta)
    for (std::int64_t v = 0; v < n; ++v) {
      double sum = 0.0;
      for (std::int64_t e = offsets[v]; e < offsets[v + 1]; ++e) sum += contrib[sources[e]];
      next[v] = base + d * sum;
      delta += std::fabs(next[v] - rank[v]);
    }
    rank.swap(next);
    seconds.push_back(std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count());
    (void)delta;
  }
  std::FILE* out = std::fopen(argv[3], "wb");
  if (!out) return 1;
  std::fwrite(rank.data(), 8, n, out);
  std::fclose(out);
  std::printf("{\"threads\": %d, \"build_seconds\": %.6f, \"iteration_seconds\": [", omp_get_max_threads(), build_s);
  for (std::size_t i = 0; i < seconds.size(); ++i) std::printf("%s%.9f", i ? ", " : "", seconds[i]);
  std::printf("]}\n");
  return 0;
}
