// Exercise 7.1: the queue and the provided buffers' group, the submissions and the turn (README,
// "Exercise 7.1"). The rest of the Ring is given: chapters/07-io-uring/given/operations.cpp and
// given/buffers.cpp.
#include "ch07/ring.hpp"

#include "hs/exercise.hpp"

namespace hs::ch07 {

// TODO(ex 7.1): io_uring_queue_init_params() with IORING_SETUP_COOP_TASKRUN (without it if the
// kernel says -EINVAL); fail(error, "io_uring_queue_init") if refused.
Queue::Queue(unsigned) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): give back what the constructor took: io_uring_queue_exit().
Queue::~Queue() = default;

// TODO(ex 7.1): register the buffer ring as group `id` (io_uring_register_buf_ring), then add
// every buffer with its id and advance the ring by all of them.
BufferGroup::BufferGroup(Queue& queue, Buffers&, std::uint16_t id) : queue_{queue}, id_{id} {
  exercise_not_done("7.1", "07-io-uring");
}

// TODO(ex 7.1): give back what the constructor took: io_uring_unregister_buf_ring().
BufferGroup::~BufferGroup() = default;

// TODO(ex 7.1): a recv with no buffer of its own: IOSQE_BUFFER_SELECT from buffer_group.
void Ring::receive(Operation&, int, TimePoint) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): a send that never raises SIGPIPE.
void Ring::send(Operation&, int, std::span<const char>, TimePoint) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): IORING_OP_ASYNC_CANCEL for the target, remembering why, its deadline disarmed.
void Ring::cancel(Completable&, Wake) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): put the completion's buffer back into the buffer ring.
void Ring::give_back(const Completion&) noexcept {}

// TODO(ex 7.1): hand every completion posted to complete(), counting them; mark them seen.
bool Ring::reap() { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): submit (and wait, with the next timer as the timeout), reap, cancel what is past
// its deadline.
bool Ring::turn(MayBlock) { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): the runtime's turn, then the ring's, until finished().
void Ring::run() { exercise_not_done("7.1", "07-io-uring"); }

// TODO(ex 7.1): turns of both, without blocking, until neither does anything.
void Ring::poll() { exercise_not_done("7.1", "07-io-uring"); }

}  // namespace hs::ch07
