// Matrix Market coordinate files as graphs: entry (i, j, value) is the edge i-1 -> j-1
// weighted by value. Supports real/integer/pattern fields and general/symmetric/skew-symmetric
// storage (symmetric entries off the diagonal become two edges).
#pragma once

#include <memory>
#include <string>

#include "fuseflow/graph/graph.h"

namespace fuseflow {

// Throws ValueError naming `path` (with a line number for malformed lines) for a bad header,
// a non-square or dense ("array") matrix, complex values, an index out of range, or an
// entry count that differs from the size line, or a node count above 2^20 + 64 x the file size
// (see inferred_nodes_limit: a 3-line file must not allocate gigabytes). User edge i is the
// i-th entry line; for symmetric storage the mirrored edges follow all the entries, in order.
std::shared_ptr<const Graph> read_matrix_market(const std::string& path);

}  // namespace fuseflow
