// Shared by the graph loader harnesses: exercise every derived array of a graph that loaded, so
// an inconsistency that validation missed shows up as an ASan/UBSan report here, not later.
#pragma once

#include <unistd.h>

#include <cstdint>
#include <cstdio>
#include <string>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow::fuzz {

inline void touch_graph(const Graph& g) {
  volatile std::int64_t sink = 0;
  for (auto v : g.in_edge_ids()) sink = sink + v;
  for (auto v : g.out_sources()) sink = sink + v;
  const auto& d = g.degree_ordered_in_edges();
  for (auto v : d.sources) sink = sink + v;
  if (g.has_weights()) {
    for (double w : g.user_order_weights()) sink = sink + static_cast<std::int64_t>(w == w);
  }
  Buffer<NodeId> src, dst;
  g.user_order_edges(src, dst);
  for (std::size_t i = 0; i < src.size(); ++i) sink = sink + src[i] + dst[i];
  for (bool in : {false, true}) {
    for (auto b : g.balanced_chunks(in)) sink = sink + b;
  }
}

// A private file for loaders that take a path (written per input; /dev/shm when present).
inline std::string scratch_path(const char* name) {
  const char* dir = access("/dev/shm", W_OK) == 0 ? "/dev/shm" : "/tmp";
  return std::string(dir) + "/fuseflow_fuzz_" + name + "_" + std::to_string(getpid());
}

inline void write_file(const std::string& path, const std::uint8_t* data, std::size_t size) {
  std::FILE* f = std::fopen(path.c_str(), "wb");
  if (f == nullptr) __builtin_trap();
  if (size > 0 && std::fwrite(data, 1, size, f) != size) __builtin_trap();
  std::fclose(f);
}

}  // namespace fuseflow::fuzz
