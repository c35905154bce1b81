// The provided buffers' memory (given: no exercise), mapped and unmapped in one place. Lending it
// to the kernel is exercise 7.1's BufferGroup (ring.cpp).
#include <sys/mman.h>

#include <cerrno>
#include <stdexcept>
#include <string>

#include "ch07/buffers.hpp"

namespace hs::ch07 {

namespace {

/// `count`, checked: a buffer ring's size is a power of two, at most Buffers::most.
unsigned checked(unsigned count) {
  if (count == 0 || (count & (count - 1)) != 0 || count > Buffers::most) {
    throw std::invalid_argument("Ring: buffers must be a power of two, at most " + std::to_string(Buffers::most));
  }
  return count;
}

/// A buffer ring of `count` entries, mapped page-aligned as the kernel wants it.
io_uring_buf_ring* map_buf_ring(unsigned count) {
  void* memory =
      ::mmap(nullptr, count * sizeof(io_uring_buf), PROT_READ | PROT_WRITE, MAP_ANONYMOUS | MAP_PRIVATE, -1, 0);
  if (memory == MAP_FAILED) fail(errno, "mmap");
  return static_cast<io_uring_buf_ring*>(memory);
}

}  // namespace

Buffers::Buffers(unsigned count, std::size_t size)
    : count_{checked(count)},
      size_{size},
      memory_{std::make_unique<char[]>(count_ * size_)},
      buf_ring_{map_buf_ring(count_)} {}

Buffers::~Buffers() { ::munmap(buf_ring_, count_ * sizeof(io_uring_buf)); }

}  // namespace hs::ch07
