/// @file
/// The io_uring instance: its submission and completion queues, shared with the kernel. Acquired
/// by the constructor, released by the destructor (README, "Two rings"): both are yours, in
/// exercises/ch07/ring.cpp (exercise 7.1); fail() is given (given/operations.cpp).
#pragma once

#include <liburing.h>

namespace hs::ch07 {

/// Throws std::system_error for `call`, refused with the errno `error`: its message is the call's
/// name, then the reason ("mmap: Cannot allocate memory").
[[noreturn]] void fail(int error, const char* call);

/// One io_uring instance.
class Queue {
 public:
  /// `entries` submission slots (and twice as many completion slots), with IORING_SETUP_COOP_TASKRUN
  /// where the kernel knows it. Throws std::system_error "io_uring_queue_init: ..." if the kernel
  /// refuses (hs::io_uring_unavailable() says why, in words).
  explicit Queue(unsigned entries);
  Queue(const Queue&) = delete;
  Queue& operator=(const Queue&) = delete;
  /// Tears the queues down: the kernel cancels what is still in flight.
  ~Queue();

  /// liburing's view of the two queues, for its functions.
  io_uring* get() noexcept { return &uring_; }

 private:
  io_uring uring_{};  ///< liburing's view of the two queues
};

}  // namespace hs::ch07
