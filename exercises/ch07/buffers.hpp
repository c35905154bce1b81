/// @file
/// The provided buffers: the memory the kernel receives into, picked only when bytes arrive, so
/// that a receive waiting for a client holds none (README, "Who holds the buffer"). Buffers is the
/// memory (given); BufferGroup lends it to a Queue (exercise 7.1). Each releases what it acquired.
#pragma once

#include <liburing.h>

#include <cstddef>
#include <cstdint>
#include <memory>

#include "ch07/queue.hpp"

namespace hs::ch07 {

/// `count` buffers of `size` bytes, and the buffer ring that describes them to the kernel (an
/// array of (address, length, id), mapped page-aligned as the kernel wants it).
class Buffers {
 public:
  /// The most buffers a buffer ring holds (the kernel takes a power of two below 65,536).
  static constexpr unsigned most = 32768;

  /// Throws std::invalid_argument if `count` is not a power of two or is over `most`, and
  /// std::system_error "mmap: ..." if the buffer ring cannot be mapped.
  Buffers(unsigned count, std::size_t size);
  Buffers(const Buffers&) = delete;
  Buffers& operator=(const Buffers&) = delete;
  /// Unmaps the buffer ring (the buffers' memory goes with the object).
  ~Buffers();

  /// How many buffers.
  unsigned count() const noexcept { return count_; }
  /// The bytes in each.
  std::size_t size() const noexcept { return size_; }
  /// The first byte of buffer `id`.
  char* address(std::size_t id) const noexcept { return memory_.get() + id * size_; }
  /// The buffer ring, for liburing's io_uring_buf_ring_*() functions.
  io_uring_buf_ring* buf_ring() const noexcept { return buf_ring_; }

 private:
  unsigned count_;                  ///< how many buffers
  std::size_t size_;                ///< the bytes in each
  std::unique_ptr<char[]> memory_;  ///< the buffers themselves, one after the other
  io_uring_buf_ring* buf_ring_;     ///< the buffer ring (mmap()ed): what the kernel takes them from
};

/// Buffers registered with a Queue as a group of provided buffers, every one of them given to the
/// kernel; unregistered by the destructor. The Ring declares it after the Queue and the Buffers
/// it uses: it is unregistered before the queue exits and the memory is freed. Its constructor
/// and destructor are yours (exercises/ch07/ring.cpp, exercise 7.1).
class BufferGroup {
 public:
  /// Registers `buffers` with `queue` as group `id` and adds each buffer. Throws std::system_error
  /// "io_uring_register_buf_ring: ..." if the kernel refuses.
  BufferGroup(Queue& queue, Buffers& buffers, std::uint16_t id);
  BufferGroup(const BufferGroup&) = delete;
  BufferGroup& operator=(const BufferGroup&) = delete;
  /// Unregisters the group: the kernel takes none of the buffers from then on.
  ~BufferGroup();

 private:
  Queue& queue_;      ///< whose group it is
  std::uint16_t id_;  ///< the group's id, what a receive's sqe.buf_group names
};

}  // namespace hs::ch07
