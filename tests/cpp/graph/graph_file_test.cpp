#include "fuseflow/graph/graph_file.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <vector>

#include "fuseflow/core/error.h"
#include "temp_path.h"

namespace fuseflow {
namespace {

using testing::temp_path;

std::shared_ptr<const Graph> random_graph(bool weighted) {
  std::mt19937_64 rng(5);
  std::uniform_int_distribution<int> node(0, 999);
  std::vector<std::int32_t> src(5000), dst(5000);
  std::vector<double> w(5000);
  for (std::size_t i = 0; i < src.size(); ++i) {
    src[i] = node(rng);
    dst[i] = node(rng);
    w[i] = 0.25 * node(rng);
  }
  EdgeListView view;
  view.src32 = src;
  view.dst32 = dst;
  if (weighted) view.weights = w;
  return Graph::from_edges(view, 1010);
}

template <class T>
void expect_equal_spans(std::span<const T> a, std::span<const T> b) {
  ASSERT_EQ(a.size(), b.size());
  for (std::size_t i = 0; i < a.size(); ++i) ASSERT_EQ(a[i], b[i]) << "at " << i;
}

TEST(GraphFile, RoundTripRebuildsIdenticalCsrAndCsc) {
  for (bool weighted : {false, true}) {
    const auto g = random_graph(weighted);
    const std::string path = temp_path("fuseflow_graph_file_test.ffg");
    save_graph(*g, path);
    const auto h = load_graph(path);
    EXPECT_EQ(h->num_nodes(), g->num_nodes());
    EXPECT_EQ(h->has_weights(), weighted);
    expect_equal_spans(h->out_offsets(), g->out_offsets());
    expect_equal_spans(h->out_targets(), g->out_targets());
    expect_equal_spans(h->out_weights(), g->out_weights());
    expect_equal_spans(h->in_offsets(), g->in_offsets());
    expect_equal_spans(h->in_sources(), g->in_sources());
    std::remove(path.c_str());
  }
}

std::string load_error(const std::string& path) {
  try {
    load_graph(path);
  } catch (const Error& e) {
    EXPECT_EQ(e.code(), ErrorCode::kInvalidValue);
    return e.what();
  }
  return "no error";
}

TEST(GraphFile, EveryFlippedByteIsDetected) {
  const std::string path = temp_path("fuseflow_graph_file_flip.ffg");
  save_graph(*random_graph(true), path);
  std::ifstream in(path, std::ios::binary);
  const std::vector<char> original((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
  in.close();
  // Every 997th byte, header and payload alike (the reserved header tail is not covered).
  for (std::size_t at = 0; at < original.size(); at += (at < 64 ? 1 : 997)) {
    if (at >= 48 && at < 64) continue;
    std::vector<char> bytes = original;
    bytes[at] ^= 0x04;
    std::ofstream(path, std::ios::binary).write(bytes.data(), static_cast<std::streamsize>(bytes.size()));
    EXPECT_NE(load_error(path).find("not a valid fuseflow graph file"), std::string::npos) << "byte " << at;
  }
  std::ofstream(path, std::ios::binary).write(original.data(), static_cast<std::streamsize>(original.size() - 1));
  EXPECT_NE(load_error(path).find("truncated"), std::string::npos);
  std::remove(path.c_str());
}

TEST(GraphFile, ChecksumDependsOnEveryByteAndSeed) {
  std::vector<unsigned char> bytes(1000);
  for (std::size_t i = 0; i < bytes.size(); ++i) bytes[i] = static_cast<unsigned char>(i * 31);
  const auto base = checksum64(bytes, 1);
  for (std::size_t i = 0; i < bytes.size(); ++i) {
    bytes[i] ^= 1;
    EXPECT_NE(checksum64(bytes, 1), base) << i;
    bytes[i] ^= 1;
  }
  EXPECT_NE(checksum64(bytes, 2), base);
}

}  // namespace
}  // namespace fuseflow
