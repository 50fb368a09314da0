#include "fuseflow/graph/matrix_market_reader.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <string>

#include "fuseflow/core/error.h"
#include "temp_path.h"

namespace fuseflow {
namespace {

std::string write_temp(const std::string& text) {
  const std::string path = testing::temp_path("graph.mtx");
  std::ofstream(path) << text;
  return path;
}

TEST(MatrixMarketReader, GeneralRealIsOneBasedEdges) {
  const auto g = read_matrix_market(write_temp(
      "%%MatrixMarket matrix coordinate real general\n% comment\n3 3 3\n1 2 0.5\n3 1 2\n2 2 -1\n"));
  EXPECT_EQ(g->num_nodes(), 3);
  ASSERT_EQ(g->num_edges(), 3);
  EXPECT_EQ(g->out_targets()[0], 1);
  EXPECT_EQ(g->out_weights()[0], 0.5);
  EXPECT_EQ(g->out_targets()[1], 1);  // node 1's self-loop
  EXPECT_EQ(g->out_weights()[2], 2.0);
}

TEST(MatrixMarketReader, SymmetricPatternMirrorsOffDiagonal) {
  const auto g = read_matrix_market(
      write_temp("%%MatrixMarket matrix coordinate pattern symmetric\n3 3 2\n2 1\n3 3\n"));
  EXPECT_FALSE(g->has_weights());
  EXPECT_EQ(g->num_edges(), 3);  // 2-1, 1-2, and the diagonal 3-3 once
  EXPECT_EQ(g->out_degree()[0], 1);
  EXPECT_EQ(g->out_degree()[1], 1);
  EXPECT_EQ(g->out_degree()[2], 1);
}

TEST(MatrixMarketReader, SkewSymmetricNegatesMirror) {
  const auto g = read_matrix_market(write_temp("%%MatrixMarket matrix coordinate real skew-symmetric\n2 2 1\n2 1 4\n"));
  ASSERT_EQ(g->num_edges(), 2);
  EXPECT_EQ(g->out_weights()[0], -4.0);  // 0 -> 1 is the mirrored entry
  EXPECT_EQ(g->out_weights()[1], 4.0);
}

TEST(MatrixMarketReader, ErrorsNameTheRule) {
  auto error = [](const std::string& text) -> std::string {
    try {
      read_matrix_market(write_temp(text));
    } catch (const Error& e) {
      return e.what();
    }
    return "no error";
  };
  EXPECT_NE(error("%%MatrixMarket matrix coordinate real general\n2 2 2\n1 1 1\n").find("announces 2 entries"),
            std::string::npos);
  EXPECT_NE(error("%%MatrixMarket matrix coordinate real general\n2 2 1\n1 5 1\n").find("line 3: target id 5 is out of range"),
            std::string::npos);
  EXPECT_NE(error("%%MatrixMarket matrix array real general\n2 2\n").find("'array' format"), std::string::npos);
  EXPECT_NE(error("%%MatrixMarket matrix coordinate real general\n2 3 0\n").find("square"), std::string::npos);
}

}  // namespace
}  // namespace fuseflow
