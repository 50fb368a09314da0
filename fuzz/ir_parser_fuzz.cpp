// libFuzzer harness for the IR text format (src/ir/parser.cpp) and everything a parsed program
// reaches without running: parse -> (verified) -> print -> parse -> print must give the same text;
// a program that verifies must also optimize (every pass, each verified after it), print and
// parse back, and lower to an execution plan. The only acceptable failure is the parser's own
// ValueError, whose message must be valid UTF-8 and name the line. Anything else (a crash, a
// sanitizer report, an optimizer/lowering error on a verified program) aborts: a bug.
//   scripts/fuzz.sh 60        (seeds: fuzz/corpus/ir_parser/, from tests/ir/**/*.ffir)
#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <string>
#include <string_view>

#include "fuseflow/core/error.h"
#include "fuseflow/exec/lower.h"
#include "fuseflow/ir/text.h"
#include "fuseflow/opt/pass_manager.h"

namespace {

using namespace fuseflow;

[[noreturn]] void bug(const char* stage, const std::string& detail) {
  std::fprintf(stderr, "ir_parser_fuzz: %s: %s\n", stage, detail.c_str());
  std::abort();
}

bool valid_utf8(std::string_view s) {
  for (std::size_t i = 0; i < s.size();) {
    const auto c = static_cast<unsigned char>(s[i]);
    std::size_t n = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
    if (n == 0 || i + n > s.size()) return false;
    for (std::size_t k = 1; k < n; ++k) {
      if ((static_cast<unsigned char>(s[i + k]) >> 6) != 2) return false;
    }
    i += n;
  }
  return true;
}

// print -> parse -> print is the identity (with and without locations).
void check_round_trip(const ir::Program& p, const char* stage) {
  for (bool locations : {false, true}) {
    const std::string text = ir::print(p, ir::PrintOptions{locations});
    if (!valid_utf8(text)) bug(stage, "printed text is not UTF-8");
    ir::Program again;
    try {
      again = ir::parse(text);
    } catch (const Error& e) {
      bug(stage, std::string("printed program does not parse: ") + e.what() + "\n" + text);
    }
    const std::string twice = ir::print(again, ir::PrintOptions{locations});
    if (twice != text) bug(stage, "print(parse(print(p))) != print(p):\n" + text + "\n---\n" + twice);
  }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1 << 16) return 0;  // bigger inputs add nothing but time
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  ir::Program program;
  try {
    program = ir::parse(text);  // verifies
  } catch (const Error& e) {
    const std::string_view m = e.what();
    if (e.code() != ErrorCode::kInvalidValue && e.code() != ErrorCode::kInvalidType) bug("parse", std::string("unexpected error kind: ") + e.what());
    if (!valid_utf8(m)) bug("parse", "error message is not UTF-8");
    if (m.rfind("IR text: line ", 0) != 0) bug("parse", std::string("error message without a line: ") + e.what());
    return 0;
  }
  check_round_trip(program, "parsed program");

  // A verified program must go through the whole optimizer: errors there are bugs (kInternal).
  opt::OptimizeOptions options;
  options.use_environment = false;
  try {
    opt::optimize(program, options);
  } catch (const Error& e) {
    bug("optimize", e.what());
  }
  check_round_trip(program, "optimized program");
  try {
    (void)exec::lower_program(program);
  } catch (const Error& e) {
    bug("lower_program", e.what());
  }
  return 0;
}
