// Binary graph files: a 64-byte header (magic "FFGRAPH\0", version, flags, node and edge
// counts, payload checksum, header checksum) followed by the arrays, little-endian:
// out_offsets int64[n+1], out_targets int32[E], out_weights float64[E] (when weighted), then
// in_offsets, in_sources, in_weights likewise; version 2 files (flag 2) then hold the user edge
// order, int64[E] (CSR position -> user edge index), present when it is not the CSR order; a
// version-1 file's user order is its CSR order. Loading checks the header's sizes against the
// file size before allocating, verifies both checksums, then validates the structure (offsets,
// id ranges, CSC holding the CSR's edges, edge order a permutation) and adopts the arrays
// (no sort); only degrees and chunks are recomputed.
#pragma once

#include <cstdint>
#include <memory>
#include <span>
#include <string>

#include "fuseflow/graph/graph.h"

namespace fuseflow {

// Atomic: writes `path`.tmp-XXXXXX in the same directory, fsyncs, renames it over `path`. Throws
// ValueError naming `path` when the file cannot be written; the previous file is then intact.
void save_graph(const Graph& g, const std::string& path);

// Throws ValueError naming `path` when the file is not a fuseflow graph, is truncated, or
// its contents do not match the checksums (corrupted), or its arrays are inconsistent.
std::shared_ptr<const Graph> load_graph(const std::string& path);

// 64-bit checksum of a byte range (four independent multiply-rotate lanes; not cryptographic).
std::uint64_t checksum64(std::span<const unsigned char> bytes, std::uint64_t seed);

}  // namespace fuseflow
