// Whole-file reads and writes for the graph loaders; failures name the `path` argument.
#pragma once

#include <string>

#include "fuseflow/core/buffer.h"

namespace fuseflow {

// The file's bytes. Throws ValueError naming `path` when it cannot be opened or read.
Buffer<char> read_file_bytes(const std::string& path);

}  // namespace fuseflow
