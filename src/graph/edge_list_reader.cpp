#include "fuseflow/graph/edge_list_reader.h"

#include <omp.h>

#include <algorithm>
#include <charconv>
#include <cmath>
#include <cstring>
#include <limits>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/interrupt.h"
#include "fuseflow/core/progress.h"
#include "fuseflow/core/threads.h"
#include "fuseflow/graph/file_bytes.h"

namespace fuseflow {
namespace {

constexpr std::size_t kMinChunkBytes = 1 << 20;
constexpr std::int64_t kMaxNodeIdExclusive = std::numeric_limits<NodeId>::max();  // num_nodes < 2^31

// One newline-aligned slice of the text and what parsing it produced.
struct Chunk {
  std::size_t begin = 0, end = 0;
  std::vector<std::int32_t> src, dst;
  std::vector<double> weights;
  std::int64_t lines = 0;
  std::int64_t max_id = -1;
  std::int64_t error_line = -1;  // 1-based within the chunk
  std::string error;
};

bool is_blank(char c) { return c == ' ' || c == '\t' || c == '\r'; }

// At most `limit` bytes of [p, end) for an error message, never cut inside a UTF-8 sequence
// (a cut one would make the whole message undecodable); other bytes are left to the binding's
// decoder, which shows invalid ones as \xNN.
std::string excerpt(const char* p, const char* end, std::size_t limit) {
  std::size_t n = std::min<std::size_t>(static_cast<std::size_t>(end - p), limit);
  if (n < static_cast<std::size_t>(end - p)) {
    // Back off continuation bytes (10xxxxxx) and then the lead byte they belong to.
    std::size_t k = n;
    while (k > 0 && (static_cast<unsigned char>(p[k]) & 0xC0) == 0x80) --k;
    if (k < n || (static_cast<unsigned char>(p[n]) & 0xC0) == 0x80) n = k;
  }
  std::string out;
  for (std::size_t i = 0; i < n; ++i) {
    const auto c = static_cast<unsigned char>(p[i]);
    if (c < 0x20 || c == 0x7F) {  // control bytes (NUL would end the C string of the message)
      static const char kHex[] = "0123456789abcdef";
      out += "\\x";
      out += kHex[c >> 4];
      out += kHex[c & 15];
    } else {
      out += static_cast<char>(c);
    }
  }
  return out;
}

class LineParser {
 public:
  explicit LineParser(const EdgeListFormat& f) : format_(f) {
    // A blank delimiter is the whitespace mode: runs of spaces/tabs separate fields.
    if (is_blank(format_.delimiter)) format_.delimiter = '\0';
    limit_ = f.id_limit >= 0 ? std::min(f.id_limit, kMaxNodeIdExclusive) : kMaxNodeIdExclusive;
  }

  // '\0' means "no comments": a NUL byte in the text is then an ordinary (bad) character.
  bool is_comment(char c) const { return format_.comment != '\0' && c == format_.comment; }

  // The common line, "id<sep>id[<sep>weight]" then '\n', in one pass without first finding
  // the line end. On success advances p past the '\n'; otherwise leaves p for parse().
  bool parse_common(const char*& p, const char* stop, std::int64_t& u, std::int64_t& v, double& w) const {
    const char* q = p;
    if (!fast_id(q, stop, u) || !fast_separator(q, stop) || !fast_id(q, stop, v)) return false;
    if (format_.weighted) {
      if (!fast_separator(q, stop)) return false;
      auto [next, ec] = std::from_chars(q, stop, w);
      if (ec != std::errc() || std::isnan(w)) return false;
      q = next;
    }
    while (q < stop && is_blank(*q)) ++q;
    if (q < stop && *q != '\n') return false;
    p = q + 1;
    return true;
  }

  // Parses [p, end) of one line (no '\n'). Returns false and sets `error` for a malformed
  // line; sets `has_edge` false for blank and comment lines.
  bool parse(const char* p, const char* end, std::int64_t& u, std::int64_t& v, double& w, bool& has_edge,
             std::string& error) const {
    has_edge = false;
    p = skip_blanks(p, end);
    if (p == end || is_comment(*p)) return true;
    if (!parse_id(p, end, u, "source id", error)) return false;
    if (!separator(p, end, error)) return false;
    if (!parse_id(p, end, v, "target id", error)) return false;
    if (format_.weighted) {
      if (!separator(p, end, error)) return false;
      const char* q = p;
      while (q < end && !is_blank(*q) && (format_.delimiter == '\0' || *q != format_.delimiter) && !is_comment(*q)) ++q;
      auto [next, ec] = std::from_chars(p, q, w);
      if (ec != std::errc() || next != q) {
        error = "weight '" + excerpt(p, q, 24) + "' is not a number";
        return false;
      }
      if (std::isnan(w)) {
        error = "weight is NaN";
        return false;
      }
      p = q;
    }
    p = skip_blanks(p, end);
    if (p != end && !is_comment(*p)) {
      error = std::string("unexpected text '") + excerpt(p, end, 20) + "' after " +
              (format_.weighted ? "the weight" : "the target id") + " (expected " +
              (format_.weighted ? "3 fields: src dst weight" : "2 fields: src dst; pass weighted=True for a weight column") +
              ")";
      return false;
    }
    has_edge = true;
    return true;
  }

 private:
  bool fast_id(const char*& q, const char* stop, std::int64_t& id) const {
    const char* start = q;
    std::int64_t value = 0;
    while (q < stop && static_cast<unsigned>(*q - '0') < 10u && q - start < 10) {
      value = value * 10 + (*q - '0');
      ++q;
    }
    if (q == start) return false;
    id = value - format_.index_base;
    return id >= 0 && id < limit_;
  }

  bool fast_separator(const char*& q, const char* stop) const {
    const char* start = q;
    while (q < stop && (*q == ' ' || *q == '\t')) ++q;
    if (format_.delimiter == '\0') return q > start;
    if (q == stop || *q != format_.delimiter) return false;
    ++q;
    while (q < stop && (*q == ' ' || *q == '\t')) ++q;
    return true;
  }

  static const char* skip_blanks(const char* p, const char* end) {
    while (p < end && is_blank(*p)) ++p;
    return p;
  }

  bool separator(const char*& p, const char* end, std::string& error) const {
    const char* start = p;
    p = skip_blanks(p, end);
    if (format_.delimiter != '\0') {
      if (p == end || *p != format_.delimiter) {
        error = std::string("expected the delimiter '") + format_.delimiter + "' between fields";
        return false;
      }
      p = skip_blanks(p + 1, end);
    } else if (p == start) {
      error = p == end || is_comment(*p) ? "too few fields (expected src dst" + std::string(format_.weighted ? " weight)" : ")")
                                                 : "expected whitespace between fields";
      return false;
    }
    if (p == end || is_comment(*p)) {
      error = "too few fields (expected src dst" + std::string(format_.weighted ? " weight)" : ")");
      return false;
    }
    return true;
  }

  // A decimal id by a digit loop (ids are small non-negative integers: no sign, no exponent).
  bool parse_id(const char*& p, const char* end, std::int64_t& id, const char* what, std::string& error) const {
    const char* start = p;
    std::uint64_t value = 0;
    while (p < end && static_cast<unsigned>(*p - '0') < 10u && p - start < 12) {
      value = value * 10 + static_cast<unsigned>(*p - '0');
      ++p;
    }
    const bool ends_field =
        p == end || is_blank(*p) || (format_.delimiter != '\0' && *p == format_.delimiter) || is_comment(*p);
    if (p == start || !ends_field) {
      const char* q = start;
      while (q < end && !is_blank(*q) && (format_.delimiter == '\0' || *q != format_.delimiter)) ++q;
      error = std::string(what) + " '" + excerpt(start, q, 24) +
              "' is not a non-negative integer";
      return false;
    }
    const std::int64_t shifted = static_cast<std::int64_t>(value) - format_.index_base;
    if (shifted < 0) {
      error = std::string(what) + " " + std::to_string(value) + " is below the first index " +
              std::to_string(format_.index_base);
      return false;
    }
    if (shifted >= limit_) {
      error = std::string(what) + " " + std::to_string(value) + " is out of range (ids" +
              (format_.index_base ? " minus " + std::to_string(format_.index_base) : std::string()) + " must be < " +
              std::to_string(limit_) + ")";
      return false;
    }
    id = shifted;
    return true;
  }

  EdgeListFormat format_;
  std::int64_t limit_;
};

void parse_chunk(const char* text, Chunk& chunk, const LineParser& parser, bool weighted) {
  // About 10 bytes per edge line in typical files; reserving avoids most regrowth.
  const std::size_t guess = (chunk.end - chunk.begin) / 10 + 16;
  chunk.src.reserve(guess);
  chunk.dst.reserve(guess);
  if (weighted) chunk.weights.reserve(guess);
  const char* p = text + chunk.begin;
  const char* const stop = text + chunk.end;
  std::int64_t max_id = -1;
  while (p < stop) {
    ++chunk.lines;
    std::int64_t u = 0, v = 0;
    double w = 0.0;
    if (parser.parse_common(p, stop, u, v, w)) {
      chunk.src.push_back(static_cast<std::int32_t>(u));
      chunk.dst.push_back(static_cast<std::int32_t>(v));
      if (weighted) chunk.weights.push_back(w);
      max_id = std::max({max_id, u, v});
      continue;
    }
    // Comments, blank lines, odd spacing and errors: find the line end, parse it in full.
    const char* newline = static_cast<const char*>(std::memchr(p, '\n', static_cast<std::size_t>(stop - p)));
    const char* line_end = newline ? newline : stop;
    bool has_edge = false;
    if (!parser.parse(p, line_end, u, v, w, has_edge, chunk.error)) {
      chunk.error_line = chunk.lines;
      return;
    }
    if (has_edge) {
      chunk.src.push_back(static_cast<std::int32_t>(u));
      chunk.dst.push_back(static_cast<std::int32_t>(v));
      if (weighted) chunk.weights.push_back(w);
      max_id = std::max({max_id, u, v});
    }
    p = line_end + 1;
  }
  chunk.max_id = max_id;
}

}  // namespace

std::int64_t inferred_nodes_limit(std::uint64_t file_bytes) {
  const std::uint64_t limit = (std::uint64_t{1} << 20) + 64 * file_bytes;
  return limit > static_cast<std::uint64_t>(kMaxNodeIdExclusive) ? kMaxNodeIdExclusive : static_cast<std::int64_t>(limit);
}

ParsedEdges parse_edge_list(std::string_view text, const EdgeListFormat& format, const std::string& name) {
  if (format.delimiter == '\n' || (format.delimiter != '\0' && format.delimiter == format.comment)) {
    throw_value_error("delimiter", "must be one character other than newline and the comment character");
  }
  if (format.skip_rows < 0) throw_value_error("skip_rows", "must be >= 0");
  // Skipped rows are consumed serially; the rest is split at newlines into chunks.
  std::size_t start = 0;
  for (std::int64_t r = 0; r < format.skip_rows && start < text.size(); ++r) {
    const auto nl = text.find('\n', start);
    start = nl == std::string_view::npos ? text.size() : nl + 1;
  }
  const std::size_t size = text.size();
  const int threads = threads_for(static_cast<std::int64_t>(size - start), kMinChunkBytes);
  const std::size_t wanted = std::max<std::size_t>(1, std::min<std::size_t>((size - start) / kMinChunkBytes, threads * 8));
  std::vector<Chunk> chunks;
  std::size_t begin = start;
  for (std::size_t k = 1; k <= wanted && begin < size; ++k) {
    std::size_t end = k == wanted ? size : start + (size - start) / wanted * k;
    if (end < begin) end = begin;
    if (end < size) {
      const auto nl = text.find('\n', end);
      end = nl == std::string_view::npos ? size : nl + 1;
    }
    Chunk c;
    c.begin = begin;
    c.end = end;
    chunks.push_back(std::move(c));
    begin = end;
  }

  const LineParser parser(format);
  const std::int64_t nchunks = static_cast<std::int64_t>(chunks.size());
  // Progress stage 0: bytes parsed, one report per chunk.
  ProgressCounter* progress = current_progress();
  if (progress) progress->begin_stage(0, static_cast<std::int64_t>(size - start));
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t c = 0; c < nchunks; ++c) {
    parse_chunk(text.data(), chunks[c], parser, format.weighted);
    if (progress) progress->advance(static_cast<std::int64_t>(chunks[c].end - chunks[c].begin));
  }
  check_interrupt();

  // The first failing chunk holds the first malformed line: chunks before it parsed fully.
  std::int64_t line_base = format.first_line_number + format.skip_rows;
  std::int64_t total = 0, max_id = -1;
  std::vector<std::int64_t> edge_start(chunks.size());
  for (std::size_t c = 0; c < chunks.size(); ++c) {
    if (chunks[c].error_line >= 0) {
      throw_value_error("path", name + " line " + std::to_string(line_base + chunks[c].error_line - 1) + ": " + chunks[c].error);
    }
    line_base += chunks[c].lines;
    edge_start[c] = total;
    total += static_cast<std::int64_t>(chunks[c].src.size());
    max_id = std::max(max_id, chunks[c].max_id);
  }

  ParsedEdges out;
  out.src = Buffer<std::int32_t>(static_cast<std::size_t>(total));
  out.dst = Buffer<std::int32_t>(static_cast<std::size_t>(total));
  if (format.weighted) out.weights = Buffer<double>(static_cast<std::size_t>(total));
  out.max_id = max_id;
#pragma omp parallel for num_threads(threads) schedule(dynamic, 1)
  for (std::int64_t c = 0; c < nchunks; ++c) {
    Chunk& chunk = chunks[c];
    std::copy(chunk.src.begin(), chunk.src.end(), out.src.data() + edge_start[c]);
    std::copy(chunk.dst.begin(), chunk.dst.end(), out.dst.data() + edge_start[c]);
    if (format.weighted) std::copy(chunk.weights.begin(), chunk.weights.end(), out.weights.data() + edge_start[c]);
    std::vector<std::int32_t>().swap(chunk.src);  // free as we go: peak memory ~ one copy
    std::vector<std::int32_t>().swap(chunk.dst);
    std::vector<double>().swap(chunk.weights);
  }
  return out;
}

std::shared_ptr<const Graph> read_edge_list(const std::string& path, const EdgeListFormat& format,
                                            std::int64_t num_nodes) {
  EdgeListFormat f = format;
  if (num_nodes >= 0) f.id_limit = num_nodes;
  ParsedEdges edges;
  std::uint64_t file_size = 0;
  {
    const InputFile file(path);
    file_size = file.size();
    const Buffer<char> text = file.read_all();
    edges = parse_edge_list(as_text(text), f, "'" + path + "'");
  }
  if (num_nodes < 0 && edges.max_id >= inferred_nodes_limit(file_size)) {
    throw_value_error("num_nodes", "'" + path + "' has node id " + std::to_string(edges.max_id) +
                                       ", far above what its " + std::to_string(file_size) +
                                       " bytes can describe (inferred num_nodes is limited to 2^20 + 64 x the file size, "
                                       "since every node costs memory); pass num_nodes explicitly to allow it");
  }
  EdgeListView view;
  view.src32 = edges.src.span();
  view.dst32 = edges.dst.span();
  view.weights = edges.weights.span();
  return Graph::from_edges(view, num_nodes >= 0 ? num_nodes : edges.max_id + 1);
}

}  // namespace fuseflow
