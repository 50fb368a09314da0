// Filling an array with one value (Highway runtime dispatch): the block interpreter's broadcast
// refills (a row broadcast of a row softmax refills a block per row), with the widest stores the
// CPU has; exec is built for the baseline ISA.
#pragma once

#include <cstddef>
#include <cstdint>

namespace fuseflow::kernels {

void fill(std::uint32_t* dst, std::uint32_t value, std::size_t n);
void fill(std::uint64_t* dst, std::uint64_t value, std::size_t n);

}  // namespace fuseflow::kernels
