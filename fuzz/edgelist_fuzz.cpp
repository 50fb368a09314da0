// libFuzzer harness: the text edge-list reader (read_edgelist). Byte 0 picks the format
// (delimiter, comment, weighted, skip_rows, explicit num_nodes); the rest is the file.
#include <cstddef>
#include <cstdint>

#include "fuseflow/core/error.h"
#include "fuseflow/graph/edge_list_reader.h"
#include "graph_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fuseflow;
  if (size < 1) return 0;
  const std::uint8_t opts = data[0];
  EdgeListFormat format;
  static const char kDelimiters[] = {'\0', ',', '\t', ';'};
  static const char kComments[] = {'#', '\0', '%', ','};
  format.delimiter = kDelimiters[opts & 3];
  format.comment = kComments[(opts >> 2) & 3];
  format.weighted = (opts & 16) != 0;
  format.skip_rows = (opts & 32) != 0 ? 1 : 0;
  const std::int64_t num_nodes = (opts & 64) != 0 ? 1000 : -1;
  static const std::string path = fuzz::scratch_path("edgelist");
  fuzz::write_file(path, data + 1, size - 1);
  try {
    auto g = read_edge_list(path, format, num_nodes);
    fuzz::touch_graph(*g);
  } catch (const Error&) {
    // Rejections are expected; only crashes and sanitizer reports are findings.
  }
  return 0;
}
