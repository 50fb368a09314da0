// libFuzzer harness: the Matrix Market reader (read_matrix_market); the input is the file.
#include <cstddef>
#include <cstdint>

#include "fuseflow/core/error.h"
#include "fuseflow/graph/matrix_market_reader.h"
#include "graph_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fuseflow;
  static const std::string path = fuzz::scratch_path("mtx");
  fuzz::write_file(path, data, size);
  try {
    auto g = read_matrix_market(path);
    fuzz::touch_graph(*g);
  } catch (const Error&) {
  }
  return 0;
}
