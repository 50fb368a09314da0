// libFuzzer harness: binary graph files (Graph.load / load_graph). Random bytes almost never
// pass the checksums, which would leave the structural checks unfuzzed: when the first input
// byte is odd the harness rewrites both checksums of the rest before loading it, so mutated
// arrays with valid checksums reach the validation (the r03 attack).
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/graph/graph_file.h"
#include "graph_fuzz_common.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace fuseflow;
  if (size < 1) return 0;
  std::vector<std::uint8_t> file(data + 1, data + size);
  if ((data[0] & 1) != 0 && file.size() >= 64) {
    const std::uint64_t payload = checksum64({file.data() + 64, file.size() - 64}, 0x6675736566'6c6f77ull);
    std::memcpy(file.data() + 32, &payload, 8);
    const std::uint64_t header = checksum64({file.data(), 40}, 0x6865616465'72ull);
    std::memcpy(file.data() + 40, &header, 8);
  }
  static const std::string path = fuzz::scratch_path("graph");
  fuzz::write_file(path, file.data(), file.size());
  try {
    auto g = load_graph(path);
    fuzz::touch_graph(*g);
  } catch (const Error&) {
  }
  return 0;
}
