#include "fuseflow/graph/matrix_market_reader.h"

#include <algorithm>
#include <cctype>
#include <charconv>
#include <sstream>
#include <string_view>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/graph/edge_list_reader.h"
#include "fuseflow/graph/file_bytes.h"

namespace fuseflow {
namespace {

std::string lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
  return s;
}

struct Banner {
  bool weighted = true;
  bool symmetric = false;
  bool skew = false;
};

// "%%MatrixMarket matrix coordinate <field> <symmetry>" (keywords are case-insensitive).
Banner parse_banner(std::string_view line, const std::string& where) {
  std::istringstream in{std::string(line)};
  std::string magic, object, format, field, symmetry;
  in >> magic >> object >> format >> field >> symmetry;
  auto fail = [&](const std::string& rule) { throw_value_error("path", where + " line 1: " + rule); };
  if (magic != "%%MatrixMarket") fail("not a Matrix Market file (expected the banner '%%MatrixMarket matrix coordinate ...')");
  if (lower(object) != "matrix") fail("object '" + object + "' is not supported (only 'matrix')");
  if (lower(format) == "array") fail("dense 'array' format is not supported (only sparse 'coordinate')");
  if (lower(format) != "coordinate") fail("format '" + format + "' is not 'coordinate'");
  Banner b;
  field = lower(field);
  if (field == "pattern") b.weighted = false;
  else if (field == "complex") fail("complex values are not supported (real, integer or pattern)");
  else if (field != "real" && field != "integer" && field != "double") fail("field '" + field + "' is not real, integer or pattern");
  symmetry = lower(symmetry);
  if (symmetry == "symmetric") b.symmetric = true;
  else if (symmetry == "skew-symmetric") b.symmetric = b.skew = true;
  else if (symmetry != "general") fail("symmetry '" + symmetry + "' is not general, symmetric or skew-symmetric");
  return b;
}

}  // namespace

std::shared_ptr<const Graph> read_matrix_market(const std::string& path) {
  const InputFile file(path);
  const Buffer<char> bytes = file.read_all();
  const std::string_view text = as_text(bytes);
  const std::string where = "'" + path + "'";
  auto next_line = [&](std::size_t& pos) {
    const std::size_t nl = text.find('\n', pos);
    const std::string_view line = text.substr(pos, nl == std::string_view::npos ? std::string_view::npos : nl - pos);
    pos = nl == std::string_view::npos ? text.size() : nl + 1;
    return line;
  };

  std::size_t pos = 0;
  const Banner banner = parse_banner(next_line(pos), where);
  // Comment and blank lines, then the size line "rows cols entries".
  std::int64_t line_number = 1;
  std::string_view size_line;
  while (pos < text.size()) {
    size_line = next_line(pos);
    ++line_number;
    const auto first = size_line.find_first_not_of(" \t\r");
    if (first != std::string_view::npos && size_line[first] != '%') break;
    size_line = {};
  }
  std::int64_t rows = -1, cols = -1, entries = -1;
  {
    std::istringstream in{std::string(size_line)};
    std::string extra;
    if (!(in >> rows >> cols >> entries) || (in >> extra) || rows < 0 || cols < 0 || entries < 0) {
      throw_value_error("path", where + " line " + std::to_string(line_number) +
                                    ": expected the size line 'rows cols entries' (three non-negative integers)");
    }
  }
  if (rows != cols) {
    throw_value_error("path", where + " line " + std::to_string(line_number) + ": matrix must be square to be a graph, got " +
                                  std::to_string(rows) + " x " + std::to_string(cols));
  }

  if (rows > inferred_nodes_limit(file.size())) {
    throw_value_error("path", where + " line " + std::to_string(line_number) + ": the size line declares " +
                                  std::to_string(rows) + " nodes, far more than a file of " + std::to_string(file.size()) +
                                  " bytes can use (the limit is 2^20 + 64 x the file size, since every node costs memory)");
  }

  EdgeListFormat format;
  format.comment = '%';
  format.weighted = banner.weighted;
  format.index_base = 1;
  format.id_limit = rows;
  format.first_line_number = line_number + 1;
  ParsedEdges parsed = parse_edge_list(text.substr(pos), format, where);
  const std::int64_t m = static_cast<std::int64_t>(parsed.src.size());
  if (m != entries) {
    throw_value_error("path", where + ": the size line announces " + std::to_string(entries) + " entries, but the file has " +
                                  std::to_string(m));
  }

  EdgeListView view;
  Buffer<std::int32_t> src, dst;
  Buffer<double> weights;
  if (!banner.symmetric) {
    view.src32 = parsed.src.span();
    view.dst32 = parsed.dst.span();
    view.weights = parsed.weights.span();
    return Graph::from_edges(view, rows);
  }
  // Symmetric storage lists one triangle: each off-diagonal entry stands for both directions.
  std::int64_t off_diagonal = 0;
  for (std::int64_t i = 0; i < m; ++i) off_diagonal += parsed.src[i] != parsed.dst[i];
  const std::size_t total = static_cast<std::size_t>(m + off_diagonal);
  src = Buffer<std::int32_t>(total);
  dst = Buffer<std::int32_t>(total);
  if (banner.weighted) weights = Buffer<double>(total);
  std::size_t k = static_cast<std::size_t>(m);
  for (std::int64_t i = 0; i < m; ++i) {
    src[i] = parsed.src[i];
    dst[i] = parsed.dst[i];
    if (banner.weighted) weights[i] = parsed.weights[i];
    if (parsed.src[i] == parsed.dst[i]) continue;
    src[k] = parsed.dst[i];
    dst[k] = parsed.src[i];
    if (banner.weighted) weights[k] = banner.skew ? -parsed.weights[i] : parsed.weights[i];
    ++k;
  }
  view.src32 = src.span();
  view.dst32 = dst.span();
  view.weights = weights.span();
  return Graph::from_edges(view, rows);
}

}  // namespace fuseflow
