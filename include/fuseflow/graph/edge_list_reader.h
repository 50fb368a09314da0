// Text edge lists ("src dst [weight]" per line, whitespace- or delimiter-separated), parsed in
// parallel over newline-aligned chunks. Malformed lines are reported with their line number.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "fuseflow/core/buffer.h"
#include "fuseflow/graph/graph.h"

namespace fuseflow {

struct EdgeListFormat {
  char delimiter = '\0';   // '\0', ' ' or '\t': runs of spaces/tabs; else this character (blanks around it allowed)
  char comment = '#';      // from this character to the end of the line is ignored; '\0': no comments
  bool weighted = false;   // a third column holds a float64 weight
  std::int64_t skip_rows = 0;     // lines skipped before parsing (e.g. a CSV header)
  std::int64_t index_base = 0;    // 1 for one-based ids (Matrix Market); ids below it are errors
  std::int64_t id_limit = -1;     // ids (after subtracting index_base) must be < id_limit; -1: < 2^31 - 1
  std::int64_t first_line_number = 1;  // line number of text[0], for error messages
};

struct ParsedEdges {
  Buffer<std::int32_t> src, dst;
  Buffer<double> weights;      // empty unless format.weighted
  std::int64_t max_id = -1;    // largest id seen (after subtracting index_base)
};

// Throws ValueError "path: <name> line N: <rule>" for the first malformed line of the text.
ParsedEdges parse_edge_list(std::string_view text, const EdgeListFormat& format, const std::string& name);

// Inferred node counts (num_nodes not given) of a file of `file_bytes` bytes must stay below
// 2^20 + 64 * file_bytes: a tiny file naming id 2^31 - 2 would otherwise allocate gigabytes of
// per-node arrays. An explicit num_nodes is trusted (the caller asked for those nodes).
std::int64_t inferred_nodes_limit(std::uint64_t file_bytes);

// Reads `path` and builds the graph; num_nodes < 0 infers max id + 1 (bounded as above: a
// ValueError naming num_nodes beyond it). User edge i is the i-th edge line of the file.
std::shared_ptr<const Graph> read_edge_list(const std::string& path, const EdgeListFormat& format,
                                            std::int64_t num_nodes);

}  // namespace fuseflow
