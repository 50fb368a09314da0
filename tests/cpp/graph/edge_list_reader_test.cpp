#include "fuseflow/graph/edge_list_reader.h"

#include <gtest/gtest.h>

#include <random>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "fuseflow/core/threads.h"

namespace fuseflow {
namespace {

std::string error_of(const std::string& text, const EdgeListFormat& format) {
  try {
    parse_edge_list(text, format, "<text>");
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    return e.what();
  }
  return "no error";
}

TEST(EdgeListReader, ParsesCommentsBlanksTabsAndCrlf) {
  EdgeListFormat f;
  const ParsedEdges e = parse_edge_list("# header\n\n0 1\r\n  2\t3  # note\n4 0", f, "<text>");
  ASSERT_EQ(e.src.size(), 3u);
  EXPECT_EQ(std::vector<int>(e.src.begin(), e.src.end()), (std::vector<int>{0, 2, 4}));
  EXPECT_EQ(std::vector<int>(e.dst.begin(), e.dst.end()), (std::vector<int>{1, 3, 0}));
  EXPECT_EQ(e.max_id, 4);
  EXPECT_TRUE(e.weights.empty());
}

TEST(EdgeListReader, CsvWithHeaderAndWeights) {
  EdgeListFormat f;
  f.delimiter = ',';
  f.weighted = true;
  f.skip_rows = 1;
  const ParsedEdges e = parse_edge_list("src,dst,w\n0,1,0.5\n1 , 2 , -3e2\n", f, "<text>");
  ASSERT_EQ(e.weights.size(), 2u);
  EXPECT_EQ(e.weights[0], 0.5);
  EXPECT_EQ(e.weights[1], -300.0);
}

// Serial verifier: the text is generated from known edges, and every thread count must
// reproduce them in file order across the newline-aligned chunks.
TEST(EdgeListReader, LargeTextSameEdgesAtEveryThreadCount) {
  std::mt19937_64 rng(3);
  std::uniform_int_distribution<int> node(0, 5'000'000);
  std::vector<int> src(200'000), dst(200'000);
  std::string text;
  for (std::size_t i = 0; i < src.size(); ++i) {
    src[i] = node(rng);
    dst[i] = node(rng);
    text += std::to_string(src[i]) + (i % 5 ? " " : "\t\t") + std::to_string(dst[i]) + (i % 7 ? "\n" : " # c\n");
  }
  for (int t = 1; t <= 3; ++t) {
    set_num_threads(t);
    const ParsedEdges e = parse_edge_list(text, EdgeListFormat{}, "<text>");
    ASSERT_EQ(e.src.size(), src.size());
    for (std::size_t i = 0; i < src.size(); ++i) {
      ASSERT_EQ(e.src[i], src[i]);
      ASSERT_EQ(e.dst[i], dst[i]);
    }
  }
  set_num_threads(0);
}

TEST(EdgeListReader, ErrorNamesTheLineAcrossChunks) {
  std::string text;
  for (int i = 0; i < 300'000; ++i) text += (i == 270'000 ? "5 x\n" : "123456 654321\n");
  EXPECT_NE(error_of(text, {}).find("<text> line 270001: target id 'x' is not a non-negative integer"), std::string::npos)
      << error_of(text, {});
}

TEST(EdgeListReader, OneErrorPerRule) {
  EdgeListFormat weighted;
  weighted.weighted = true;
  EdgeListFormat limited;
  limited.id_limit = 3;
  EdgeListFormat one_based;
  one_based.index_base = 1;
  EXPECT_NE(error_of("0 1\n-1 2\n", {}).find("line 2: source id '-1'"), std::string::npos);
  EXPECT_NE(error_of("0\n", {}).find("line 1: too few fields"), std::string::npos);
  EXPECT_NE(error_of("0 1 2\n", {}).find("line 1: unexpected text '2'"), std::string::npos);
  EXPECT_NE(error_of("0 1 z\n", weighted).find("line 1: weight 'z' is not a number"), std::string::npos);
  EXPECT_NE(error_of("0 1 nan\n", weighted).find("line 1: weight is NaN"), std::string::npos);
  EXPECT_NE(error_of("0 3\n", limited).find("line 1: target id 3 is out of range"), std::string::npos);
  EXPECT_NE(error_of("1 0\n", one_based).find("line 1: target id 0 is below the first index 1"), std::string::npos);
  EXPECT_NE(error_of("0 2147483647\n", {}).find("out of range"), std::string::npos);
}

}  // namespace
}  // namespace fuseflow
