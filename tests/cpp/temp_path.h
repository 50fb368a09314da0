// A scratch file path unique to the running test and process: CTest runs tests in parallel.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <string>

namespace fuseflow::testing {

inline std::string temp_path(const std::string& name) {
  const ::testing::TestInfo* info = ::testing::UnitTest::GetInstance()->current_test_info();
  std::string test = info ? std::string(info->test_suite_name()) + "_" + info->name() : "notest";
  return ::testing::TempDir() + "/fuseflow_" + std::to_string(::getpid()) + "_" + test + "_" + name;
}

}  // namespace fuseflow::testing
