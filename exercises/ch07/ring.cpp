// Exercise 7.1: the rings, the provided buffers, the submissions and the turn (README,
// "Exercise 7.1"). The rest of the Ring is given: chapters/07-io-uring/given/operations.cpp.
#include "ch07/ring.hpp"

#include "hs/exercise.hpp"

namespace hs::ch07 {

// TODO(ex 7.1): io_uring_queue_init(); the buffer ring (mmap, io_uring_register_buf_ring) filled
// with options.buffers buffers of options.buffer_size, in buffer_group.
Ring::Ring(Runtime& runtime, Options options)
    : runtime_{runtime}, options_{options}, deadlines_{runtime.now(), std::chrono::milliseconds{10}} {
  exercise_not_done("7.1", "07-io-uring");
}

// TODO(ex 7.1): a recv with no buffer of its own: IOSQE_BUFFER_SELECT from buffer_group.
void Ring::receive(Operation&, int, TimePoint) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): a send that never raises SIGPIPE.
void Ring::send(Operation&, int, std::span<const char>, TimePoint) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): IORING_OP_ASYNC_CANCEL for the operation, remembering why.
void Ring::cancel(Operation&, Wake) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): put the completion's buffer back into the buffer ring.
void Ring::give_back(const Completion&) noexcept {}

// TODO(ex 7.1): hand every completion posted to its Target; mark them seen.
bool Ring::reap() { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): submit (and wait, with the next timer as the timeout), reap, cancel what is past
// its deadline.
bool Ring::turn(bool) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): the runtime's turn, then the ring's, until finished().
void Ring::run() { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): turns of both, without blocking, until neither does anything.
void Ring::poll() { exercise_not_done("7.1", "07-io-uring"); }

}  // namespace hs::ch07
