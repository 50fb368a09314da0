// Golden tests of the optimizer passes: tests/ir/<pass>/*.ffir. Each file holds an input program, a
// line `// CHECK-AFTER:`, then the exact IR expected after running only <pass> (through the pass
// manager's wrapper, so the result is verified); tests/ir/optimize/*.ffir run the whole pipeline. Lines starting with '#' are comments (the IR
// parser skips them; the expected text is compared without them).
//
// FUSEFLOW_UPDATE_GOLDEN=1 ./fuseflow_tests --gtest_filter='Golden*' rewrites the expected text of
// every file from the current output: review the diff before committing it.
#include <gtest/gtest.h>

#include <algorithm>
#include <cctype>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include "fuseflow/ir/text.h"
#include "fuseflow/opt/pass_manager.h"

#ifndef FUSEFLOW_SOURCE_DIR
#error "FUSEFLOW_SOURCE_DIR must name the source tree (see CMakeLists.txt)"
#endif

namespace fuseflow::opt {
namespace {

namespace fs = std::filesystem;

constexpr const char* kSeparator = "// CHECK-AFTER:";
// tests/ir/optimize/ holds programs run through the whole optimize() pipeline instead of one pass.
constexpr const char* kWholePipeline = "optimize";

struct GoldenCase {
  std::string pass;
  fs::path file;
};

std::vector<GoldenCase> discover() {
  std::vector<GoldenCase> cases;
  fs::path root = fs::path(FUSEFLOW_SOURCE_DIR) / "tests" / "ir";
  if (!fs::exists(root)) return cases;
  for (const auto& dir : fs::directory_iterator(root)) {
    if (!dir.is_directory()) continue;
    for (const auto& f : fs::directory_iterator(dir.path())) {
      if (f.path().extension() == ".ffir") cases.push_back({dir.path().filename().string(), f.path()});
    }
  }
  std::sort(cases.begin(), cases.end(), [](const GoldenCase& a, const GoldenCase& b) { return a.file < b.file; });
  return cases;
}

std::vector<std::string> lines_of(const std::string& text) {
  std::vector<std::string> lines;
  std::istringstream in(text);
  for (std::string line; std::getline(in, line);) {
    while (!line.empty() && (line.back() == ' ' || line.back() == '\r')) line.pop_back();
    lines.push_back(line);
  }
  return lines;
}

// The expected section without comment lines and surrounding blank lines.
std::string strip_comments(const std::string& text) {
  std::string out;
  for (const std::string& line : lines_of(text)) {
    std::size_t first = line.find_first_not_of(' ');
    if (first != std::string::npos && line[first] == '#') continue;
    if (out.empty() && line.empty()) continue;
    out += line + "\n";
  }
  while (out.size() >= 2 && out[out.size() - 1] == '\n' && out[out.size() - 2] == '\n') out.pop_back();
  return out;
}

// Line diff (longest common subsequence): " " common, "-" expected only, "+" actual only.
std::string line_diff(const std::string& expected, const std::string& actual) {
  std::vector<std::string> a = lines_of(expected), b = lines_of(actual);
  std::vector<std::vector<int>> lcs(a.size() + 1, std::vector<int>(b.size() + 1, 0));
  for (std::size_t i = a.size(); i-- > 0;) {
    for (std::size_t j = b.size(); j-- > 0;) {
      lcs[i][j] = a[i] == b[j] ? lcs[i + 1][j + 1] + 1 : std::max(lcs[i + 1][j], lcs[i][j + 1]);
    }
  }
  std::string out;
  std::size_t i = 0, j = 0;
  while (i < a.size() || j < b.size()) {
    if (i < a.size() && j < b.size() && a[i] == b[j]) {
      out += "  " + a[i++] + "\n";
      ++j;
    } else if (j < b.size() && (i == a.size() || lcs[i][j + 1] >= lcs[i + 1][j])) {
      out += "+ " + b[j++] + "\n";
    } else {
      out += "- " + a[i++] + "\n";
    }
  }
  return out;
}

std::string read_file(const fs::path& path) {
  std::ifstream in(path, std::ios::binary);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

class Golden : public ::testing::TestWithParam<GoldenCase> {};

TEST_P(Golden, PassGivesExpectedIr) {
  const GoldenCase& c = GetParam();
  std::string text = read_file(c.file);
  std::size_t sep = text.find(kSeparator);
  ASSERT_NE(sep, std::string::npos) << c.file << ": no line '" << kSeparator << "'";
  std::string input = text.substr(0, sep);
  std::size_t after = text.find('\n', sep);
  std::string expected_section = after == std::string::npos ? "" : text.substr(after + 1);
  std::string expected = strip_comments(expected_section);

  ASSERT_TRUE(c.pass == kWholePipeline || find_pass(c.pass)) << c.file << ": directory names no registered pass";
  ir::Program program = ir::parse(input);
  std::string before = ir::print(program);
  if (c.pass == kWholePipeline) {
    OptimizeOptions options;
    options.use_environment = false;
    optimize(program, options);
  } else {
    run_pass(program, c.pass, /*verify=*/true);
  }
  std::string actual = ir::print(program);
  // The pass result must itself be a program the text format round-trips.
  EXPECT_EQ(ir::print(ir::parse(actual)), actual) << c.file;

  if (const char* update = std::getenv("FUSEFLOW_UPDATE_GOLDEN"); update && std::string(update) == "1") {
    std::ofstream out(c.file, std::ios::binary);
    out << input << kSeparator << "\n" << actual;
    return;
  }
  EXPECT_EQ(actual, expected) << c.file << " (pass " << c.pass << ")\n"
                              << "--- diff (- expected, + actual):\n" << line_diff(expected, actual)
                              << "--- input as parsed:\n" << before;
}

std::string case_name(const ::testing::TestParamInfo<GoldenCase>& info) {
  std::string name = info.param.pass + "_" + info.param.file.stem().string();
  for (char& ch : name) {
    if (!std::isalnum(static_cast<unsigned char>(ch))) ch = '_';
  }
  return name;
}

INSTANTIATE_TEST_SUITE_P(Passes, Golden, ::testing::ValuesIn(discover()), case_name);

// Every registered simplification pass has its directory with at least five cases.
TEST(GoldenCoverage, EveryPassHasFiveCases) {
  std::vector<GoldenCase> cases = discover();
  for (const PassInfo& p : registered_passes()) {
    if (p.phase != PassPhase::kSimplify) continue;
    auto n = std::count_if(cases.begin(), cases.end(), [&](const GoldenCase& c) { return c.pass == p.name; });
    EXPECT_GE(n, 5) << "tests/ir/" << p.name << " needs at least 5 golden files";
  }
}

}  // namespace
}  // namespace fuseflow::opt
